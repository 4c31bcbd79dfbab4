"""Domain errors of the store. They carry no transport concerns (no HTTP status, no Temporal types)."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of the store's domain errors."""


class ChainConflictError(StoreError):
    """An event cannot join a case's hash chain: another event holds its seq, or its link is wrong.

    Retrying does not help: the workflow and the store disagree about the history of the case.
    """

    def __init__(self, case_id: str, seq: int, reason: str) -> None:
        super().__init__(f"case {case_id} seq {seq}: {reason}")
        self.case_id = case_id
        self.seq = seq
        self.reason = reason


# -- accounts -------------------------------------------------------------------------------------------------


class AccountError(StoreError):
    """An organisation or user cannot be created or changed as asked."""


class DuplicateOrganisationError(AccountError):
    def __init__(self, org_id: str) -> None:
        super().__init__(f"組織 {org_id} は既に登録されています。")
        self.org_id = org_id


class UnknownOrganisationError(AccountError):
    def __init__(self, org_id: str) -> None:
        super().__init__(f"組織 {org_id} は登録されていません。")
        self.org_id = org_id


class DuplicateUserError(AccountError):
    def __init__(self, user_id: str) -> None:
        super().__init__(f"ユーザー {user_id} は既に登録されています。")
        self.user_id = user_id


class UnknownUserError(AccountError):
    def __init__(self, user_id: str) -> None:
        super().__init__(f"ユーザー {user_id} は登録されていません。")
        self.user_id = user_id


class InvalidAccountError(AccountError):
    """The values themselves are refused (empty password, no roles, a contractor serving no municipality, ...)."""


# -- rule sets ------------------------------------------------------------------------------------------------


class DuplicateRulesetError(StoreError):
    """A rule set with this id, or for the same municipality and effective date, is already stored."""

    def __init__(self, ruleset_id: str, reason: str) -> None:
        super().__init__(f"ルールセット {ruleset_id}: {reason}")
        self.ruleset_id = ruleset_id
        self.reason = reason


# -- tasks ----------------------------------------------------------------------------------------------------


class TaskError(StoreError):
    """A task cannot be claimed or released."""

    def __init__(self, task_id: str, message: str) -> None:
        super().__init__(message)
        self.task_id = task_id


class TaskNotFoundError(TaskError):
    """No such task, or its case belongs to a municipality the caller does not serve (the same either way)."""

    def __init__(self, task_id: str) -> None:
        super().__init__(task_id, f"タスク {task_id} が見つかりません。")


class TaskRoleError(TaskError):
    """The task is for a role the caller does not hold."""

    def __init__(self, task_id: str, role: str) -> None:
        super().__init__(task_id, f"タスク {task_id} は {role} の担当です。この役割を持っていません。")
        self.role = role


class TaskConflictError(TaskError):
    """The task is closed, or held by someone else (``holder``), or (release) not held by the caller."""

    def __init__(self, task_id: str, reason: str, *, holder: str | None = None, status: str | None = None) -> None:
        super().__init__(task_id, f"タスク {task_id}: {reason}")
        self.reason = reason
        self.holder = holder
        self.status = status
