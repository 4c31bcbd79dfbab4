"""Nothing recorded is lost by a later command: what each command does to what the case already holds, and the
訂正 (correction) that is the only way to change or clear a filled field (issue 13, item 4).

Per record of the case:

- **Sheets filled in step by step** (``MERGED``: the 相談受付・申込票 ``intake`` at T1 and T2, ``eligibility``,
  ``referral``, the ``assessment``, the ``plan`` (a returned draft or a new version starts from the one before),
  ``closure_proposal``, the ``decision``): the sheet a command brings is merged into the one recorded. A field the
  command gives replaces the recorded one; a field it leaves out (absent, null, ``""`` or an empty list) keeps what
  was recorded. Nested sheets (the client's identity, the visitor) merge field by field; a list given whole (the
  goals, the topics) replaces the recorded list. 再相談 (T29) starts a new 申込票 for the same 本人: only the
  client's identity carries over.
- **Signed documents** (the consents C1 and C2): a new signature replaces the current one, which stays in
  ``consent_history``.
- **Records that accumulate** (meetings, monitoring notes, evaluations, follow-ups, contact efforts, 緊急支援,
  advices): each command appends its own; none touches an earlier one.
- **訂正** (``correct_record``): the only command that clears a filled field or changes one outside its stage: which
  fields (by path, e.g. ``intake.client.phone``), their new values (null clears) and why. The event keeps the values
  (so the history shows what each field held before), the record keeps a ``Correction`` (which paths, why, who, when)
  that the sheets show. A plan the 本人 consented to is not corrected (a new version is made), nor is the
  municipality's 支援決定 (a new decision is).

The merge happens in the workflow before the command is checked and recorded (``merged_payload``): the event holds
the sheet as it stands after the command, so replay and rebuilding need no rule of their own. Histories recorded
before it (``MERGE_PATCH``) replay as they ran.
"""

from __future__ import annotations

import copy
import functools
import typing
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError, create_model, field_validator, model_validator
from pydantic.fields import FieldInfo

from statemachines.case.record import CaseRecord
from statemachines.kernel.annotations import unwrap
from statemachines.kernel.guards import Guard, GuardContext, Verdict

MERGE_PATCH = "merge-recorded-sheets"  # added after the histories of tests/histories/ were recorded

MERGED: tuple[str, ...] = (
    "intake",
    "eligibility",
    "referral",
    "assessment",
    "plan",
    "closure_proposal",
    "decision",
)
"""The record's sheets a later command fills further (merged, never replaced)."""

CORRECTABLE: tuple[str, ...] = (
    *(name for name in MERGED if name != "decision"),  # the 支援決定 is decided again, not corrected
    "meetings",
    "monitoring",
    "evaluations",
    "follow_ups",
    "contact_efforts",
    "emergency",
)
"""Where a 訂正 may reach: the sheets and the accumulated records (not consents, stamps, 支援決定, bookkeeping)."""

_CARRIED_ON_REOPEN = ("client",)  # 再相談: the same 本人, a new 申込票


def _given(value: Any) -> bool:
    """Whether a sent value says something: absent, null, "" and [] leave the recorded value as it is."""
    return value is not None and value != "" and value != [] and value != {}


def merge_sheet(recorded: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` laid over ``recorded``: nested sheets field by field, anything else (a list too) replaced whole."""
    merged = dict(recorded)
    for key, value in given.items():
        if not _given(value):
            continue
        before = merged.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            merged[key] = merge_sheet(before, value)
        else:
            merged[key] = value
    return merged


def merged_payload(case: CaseRecord, payload: Any, *, reopening: bool = False) -> Any:
    """The payload with each sheet it brings merged into the one the case holds (what the event then records);
    ``reopening`` (再相談, T29) carries only the client's identity over into the new 申込票.

    Anything that is not a mapping of sheets (None, a model, a list) is returned as it is, for the engine to refuse
    or accept as before."""
    if not isinstance(payload, Mapping):
        return payload
    body = dict(payload)
    for name in MERGED:
        given = body.get(name)
        if given is None and reopening and name == "intake":
            given = {}  # 再相談 without a new 申込票 still carries the client over
        current = getattr(case, name, None)
        if not isinstance(given, Mapping) or current is None:
            continue
        recorded: dict[str, Any] = current.model_dump(mode="json")
        if reopening:
            recorded = {k: v for k, v in recorded.items() if k in _CARRIED_ON_REOPEN}
        body[name] = merge_sheet(recorded, given)
    return body


# -- 訂正 --------------------------------------------------------------------------------------------------------


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _list_item(annotation: Any) -> Any | None:
    return typing.get_args(annotation)[0] if typing.get_origin(annotation) is list else None


class Target(typing.NamedTuple):
    """A correctable field: the sheet model that holds it, its name there and what it accepts."""

    sheet: type[BaseModel]
    name: str
    info: FieldInfo


@functools.cache
def target_of(path: str) -> Target | None:
    """The field a correction's path names (``intake.client.phone``, ``plan.goals.0.description``), None when the
    path names no correctable field: a whole sheet, a row, an unknown name, a consent or bookkeeping."""
    parts = path.split(".")
    if not parts or parts[0] not in CORRECTABLE or parts[-1].isdigit():
        return None
    annotation: Any = CaseRecord
    holder: type[BaseModel] | None = None
    info: FieldInfo | None = None
    for part in parts:
        if part.isdigit():
            item = _list_item(annotation)
            if item is None or len(part) > 3:
                return None
            annotation, _ = unwrap(item)
            continue
        if not _is_model(annotation) or part not in annotation.model_fields:
            return None
        holder, info = annotation, annotation.model_fields[part]
        annotation, _ = unwrap(info.annotation)
    if holder is None or info is None or _is_model(annotation):
        return None
    item = _list_item(annotation)
    if item is not None and _is_model(unwrap(item)[0]):
        return None  # a list of rows: its rows' fields are corrected one by one
    return Target(holder, parts[-1], info)


def cleared_value(target: Target) -> Any:
    """What a field holds once cleared: its default (None, False, an empty list); a field that must be filled has
    none and cannot be cleared."""
    if target.info.is_required():
        raise ValueError("この項目は必須のため空にできません。正しい値を入力してください。")
    return target.info.get_default(call_default_factory=True)


@functools.cache
def _checker(path: str) -> type[BaseModel]:
    target = target_of(path)
    assert target is not None
    kept = copy.copy(target.info)  # its constraints (max_length, ...), without its default
    kept.default, kept.default_factory = None, None
    annotation: Any = target.info.annotation
    if not unwrap(annotation)[1]:
        annotation = typing.Optional[annotation]  # noqa: UP045 (a value of a type known only at run time)
    model: type[BaseModel] = create_model("CorrectedValue", value=(annotation, kept))
    return model


def checked_value(path: str, value: Any) -> Any:
    """``value`` as the field at ``path`` takes it (JSON form), or ValueError with what is wrong, in Japanese."""
    target = target_of(path)
    if target is None:
        raise ValueError("訂正できる項目ではありません（様式の項目を一つずつ指定します）。")
    if value is None:
        return cleared_value(target)
    try:
        checked = _checker(path).model_validate({"value": value})
    except ValidationError as exc:
        reasons = "；".join(str(e["msg"]) for e in exc.errors())
        raise ValueError(f"この項目に入れられない値です（{reasons}）。") from exc
    return checked.model_dump(mode="json")["value"]


class FieldCorrection(BaseModel):
    """One field to correct: its path in the record and the value it should hold (null clears it)."""

    model_config = {"extra": "forbid", "frozen": True}

    path: str = Field(min_length=1, max_length=200, pattern=r"^[a-z_]+(\.[a-z0-9_]+){0,8}$")
    value: str | bool | int | list[str] | None = None

    @model_validator(mode="after")
    def _fits(self) -> FieldCorrection:
        checked_value(self.path, self.value)
        return self


class CorrectRecord(BaseModel):
    """訂正: fields of the record changed or cleared after they were recorded, and why."""

    model_config = {"extra": "forbid", "frozen": True}

    corrections: list[FieldCorrection] = Field(min_length=1, max_length=20)
    reason: Annotated[str, Field(min_length=1, max_length=2000)]

    @field_validator("reason")
    @classmethod
    def _said(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("訂正の理由を書いてください。")
        return reason.strip()

    @field_validator("corrections")
    @classmethod
    def _once_each(cls, corrections: list[FieldCorrection]) -> list[FieldCorrection]:
        paths = [c.path for c in corrections]
        if len(set(paths)) != len(paths):
            raise ValueError("同じ項目を一度の訂正で二度指定しています。")
        return corrections


def _set_at(container: Any, parts: list[str], value: Any) -> bool:
    """Set ``value`` at ``parts`` inside dumped records; False when a sheet or row on the way is not recorded."""
    for part in parts[:-1]:
        if isinstance(container, list) and part.isdigit() and int(part) < len(container):
            container = container[int(part)]
        elif isinstance(container, dict) and isinstance(container.get(part), dict | list):
            container = container[part]
        else:
            return False
    if not isinstance(container, dict) or parts[-1] not in container:
        return False
    container[parts[-1]] = value
    return True


def corrected(case: CaseRecord, payload: CorrectRecord) -> dict[str, Any] | None:
    """The record's corrected parts ({field: new value}), None when a path reaches a sheet or row the case does not
    hold, or the sheet would no longer be valid once corrected."""
    dumped = case.model_dump(mode="json", include=set(CORRECTABLE))
    for c in payload.corrections:
        if not _set_at(dumped, c.path.split("."), checked_value(c.path, c.value)):
            return None
    try:
        checked = CaseRecord.model_validate({**case.model_dump(mode="json"), **dumped})
    except ValidationError:
        return None
    return {name: getattr(checked, name) for name in {c.path.split(".")[0] for c in payload.corrections}}


def _recorded(case: CaseRecord, path: str) -> Any:
    value: Any = case.model_dump(mode="json")
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value.get(part) if isinstance(value, dict) else None
    return value


def g_correction_target(ctx: GuardContext[Any]) -> Verdict:
    if not isinstance(ctx.payload, CorrectRecord):
        return True  # before a correction is typed nothing holds it: the page lists no requirement
    return corrected(ctx.record, ctx.payload) is not None


def g_correction_changes(ctx: GuardContext[Any]) -> Verdict:
    if not isinstance(ctx.payload, CorrectRecord):
        return True  # before a correction is typed nothing holds it: the page lists no requirement
    if corrected(ctx.record, ctx.payload) is None:
        return True  # G-CORRECTION-TARGET says why
    return all(_recorded(ctx.record, c.path) != checked_value(c.path, c.value) for c in ctx.payload.corrections)


def g_correction_not_consented_plan(ctx: GuardContext[Any]) -> Verdict:
    if not isinstance(ctx.payload, CorrectRecord):
        return True  # before a correction is typed nothing holds it: the page lists no requirement
    touches_plan = any(c.path.startswith("plan.") for c in ctx.payload.corrections)
    return not touches_plan or ctx.record.consent_c2 is None


_BASIS = "個人データの正確性の確保（個人情報の保護に関する法律 第22条、process.md §5）：訂正は理由とともに履歴に残す"

CORRECTION_GUARDS: tuple[Guard[Any], ...] = (
    Guard(
        "G-CORRECTION-TARGET",
        "訂正する項目がこのケースの記録にないか、訂正すると記録が成り立ちません"
        "（まだ記録していない様式や行は、その段階の操作で記録します）。",
        "A field to correct is not in this case's record, or the record would not be valid once corrected "
        "(a sheet or row not yet recorded is recorded by its stage's command).",
        _BASIS,
        g_correction_target,
    ),
    Guard(
        "G-CORRECTION-CHANGES",
        "訂正後の値が、記録されている値と同じです。",
        "A corrected value is the same as the recorded one.",
        _BASIS,
        g_correction_changes,
    ),
    Guard(
        "G-CORRECTION-PLAN-OPEN",
        "本人が同意したプランは訂正できません。プランの見直し（新しい版）で変更してください。",
        "A plan the client consented to is not corrected: revise it (a new version).",
        _BASIS,
        g_correction_not_consented_plan,
    ),
)
