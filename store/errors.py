"""Domain errors of the store. They carry no transport concerns (no HTTP status, no Temporal types)."""

from __future__ import annotations

from dataclasses import dataclass

from statemachines.policy.scheduling import Problem


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


# -- the 関係機関 directory ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvRowError:
    """One problem of a directory CSV: its line in the file (1 is the header; 0 the file as a whole) and column."""

    line: int
    column: str | None
    message: str


class DirectoryCsvError(StoreError):
    """A directory CSV was refused as a whole: ``errors`` lists every problem found, by line."""

    def __init__(self, errors: list[CsvRowError]) -> None:
        super().__init__(f"関係機関CSVに {len(errors)} 件の誤りがあります。")
        self.errors = errors


class InstitutionNotFoundError(StoreError):
    """No such institution, or one of a municipality the caller does not serve (the same either way)."""

    def __init__(self, institution_id: str) -> None:
        super().__init__(f"関係機関 {institution_id} が見つかりません。")
        self.institution_id = institution_id


class DuplicateInstitutionError(StoreError):
    """The institution id is taken: on ``add``, or (on an import) by an institution the caller may not change."""

    def __init__(self, institution_id: str, reason: str) -> None:
        super().__init__(f"関係機関ID {institution_id}: {reason}")
        self.institution_id = institution_id
        self.reason = reason


# -- appointments ---------------------------------------------------------------------------------------------


class AppointmentError(StoreError):
    """An office or appointment cannot be added, booked or changed as asked."""


class DuplicateOfficeError(AppointmentError):
    def __init__(self, office_id: str) -> None:
        super().__init__(f"事業所 {office_id} は既に登録されています。")
        self.office_id = office_id


class UnknownOfficeError(AppointmentError):
    def __init__(self, office_id: str) -> None:
        super().__init__(f"事業所 {office_id} は登録されていません。")
        self.office_id = office_id


class UnknownCaseError(AppointmentError):
    """The appointment's case is not in the read model (or, for the API, not visible: the same either way)."""

    def __init__(self, case_id: str) -> None:
        super().__init__(f"ケース {case_id} が見つかりません。")
        self.case_id = case_id


class AppointmentNotFoundError(AppointmentError):
    """No such appointment, or its case belongs to a municipality the caller does not serve."""

    def __init__(self, appointment_id: str) -> None:
        super().__init__(f"予約 {appointment_id} が見つかりません。")
        self.appointment_id = appointment_id


class DuplicateAppointmentError(AppointmentError):
    """The appointment id is taken by a different booking (the same booking again is returned, not refused)."""

    def __init__(self, appointment_id: str) -> None:
        super().__init__(f"予約ID {appointment_id} は別の予約に使われています。")
        self.appointment_id = appointment_id


class BookingRefusedError(AppointmentError):
    """The slot breaks scheduling rules: ``problems`` lists every one (:class:`statemachines.scheduling.Problem`)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("予約できません: " + ", ".join(p.id for p in problems))
        self.problems = problems


class AttendanceRefusedError(AppointmentError):
    """Attendance or a no-show of an appointment that has not begun: ``problems`` says so (SCHED-NOT-YET)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("出欠を記録できません: " + ", ".join(p.id for p in problems))
        self.problems = problems


class AppointmentStatusError(AppointmentError):
    """The appointment's status cannot change from ``current`` to ``requested`` (e.g. a cancelled one attended)."""

    def __init__(self, appointment_id: str, current: str, requested: str) -> None:
        super().__init__(f"予約 {appointment_id} は {current} のため {requested} にできません。")
        self.appointment_id = appointment_id
        self.current = current
        self.requested = requested
