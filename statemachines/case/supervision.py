"""主任相談支援員's supervision of a case (process.md §0, CSW: 支援の内容及び進捗状況の確認・助言・指導,
スーパービジョン, 支援困難事例への対応): what the case keeps of it, and the guards of its commands.

A 助言・指導 is written to the case by a CSW and addressed to the case's assignee, who reads it and acknowledges it
(with a response, if any); the text and the response are the CSW's and the consultant's words about the client's
situation: special care. A case the CSW flags as 支援困難事例 keeps the flag (with its reason, special care too)
until a CSW lifts it; while it is flagged the case has a task in the CSW queue (``statemachines.case.tasks``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from statemachines.case.records import Stamp
from statemachines.kernel.guards import Guard, GuardContext, Verdict
from statemachines.kernel.sensitivity import BASIC, SPECIAL_CARE


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Advice(_Record):
    """One 助言・指導記録: what the CSW advised, to whom, and its acknowledgement by the assignee."""

    advice_no: Annotated[int, BASIC] = Field(ge=1)  # 1, 2, ... in the order given on the case
    text: Annotated[str, SPECIAL_CARE] = Field(min_length=1, max_length=4000)
    given: Annotated[Stamp, BASIC]
    addressed_to: Annotated[str | None, BASIC] = None  # the case's assignee when it was given
    acknowledged: Annotated[Stamp | None, BASIC] = None
    response: Annotated[str | None, SPECIAL_CARE] = None


class DifficultCaseFlag(_Record):
    """支援困難事例: why the CSW flagged the case, and who did when."""

    reason: Annotated[str, SPECIAL_CARE] = Field(min_length=1, max_length=2000)
    flagged: Annotated[Stamp, BASIC]


def pending_advices(advices: Sequence[Advice]) -> list[Advice]:
    """The advices not yet acknowledged, oldest first."""
    return [a for a in advices if a.acknowledged is None]


def g_advice_pending(ctx: GuardContext[Any]) -> Verdict:
    """An acknowledgement names an advice of the case that is not yet acknowledged."""
    pending = {a.advice_no for a in pending_advices(ctx.record.advices)}
    if not pending:
        return False
    if ctx.payload is None:
        return True
    return getattr(ctx.payload, "advice_no", None) in pending


def g_advice_addressee(ctx: GuardContext[Any]) -> Verdict:
    """The case's assignee acknowledges: the advice was written for the person who carries the case."""
    return ctx.record.assignee is not None and ctx.actor.user_id == ctx.record.assignee


def g_not_difficult(ctx: GuardContext[Any]) -> Verdict:
    return ctx.record.difficult_case is None


def g_difficult(ctx: GuardContext[Any]) -> Verdict:
    return ctx.record.difficult_case is not None


_CSW_BASIS = (
    "主任相談支援員の役割（支援の内容及び進捗状況の確認・助言・指導、スーパービジョン、支援困難事例への対応, S0）"
)

SUPERVISION_GUARDS: tuple[Guard[Any], ...] = (
    Guard(
        "G-ADVICE-PENDING",
        "確認待ちの助言・指導がありません（番号が違うか、既に確認済みです）。",
        "There is no unacknowledged advice with this number (wrong number, or already acknowledged).",
        _CSW_BASIS,
        g_advice_pending,
    ),
    Guard(
        "G-ADVICE-ASSIGNEE",
        "助言・指導の確認は、このケースの担当者が行います。",
        "The case's assignee acknowledges the advice.",
        _CSW_BASIS,
        g_advice_addressee,
    ),
    Guard(
        "G-DIFFICULT-NOT-FLAGGED",
        "このケースは既に支援困難事例として登録されています。",
        "The case is already flagged as a difficult case.",
        _CSW_BASIS,
        g_not_difficult,
    ),
    Guard(
        "G-DIFFICULT-FLAGGED",
        "このケースは支援困難事例として登録されていません。",
        "The case is not flagged as a difficult case.",
        _CSW_BASIS,
        g_difficult,
    ),
)
