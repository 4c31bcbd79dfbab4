"""Rule sets, one service for the API (``POST /api/rulesets``) and the administrator's page (``/rulesets``).

A rule set is stored once and never changed (cases pin it by id): setting a municipality's program value (the figures
process.md marks LOCAL/BK, issue 18 item 9) stores a new version of its rule set, in force from the day given, with
everything else as the version in force that day. Bad values are field errors in Japanese (422), a municipality the
administrator does not serve is refused (403), a day already taken by another version is a conflict (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from statemachines.kernel.outcomes import PayloadInvalid
from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import LONGEST_RULE_YEARS, RuleSet
from statemachines.programs.registry import BY_ID, program_rule_errors
from store.rulesets import RulesetRepository

DURATION_HINT = "期間は P3M（3か月）、P30D（30日）、P2Y（2年）のように入力してください。"


class NotServed(Exception):
    """The administrator does not serve the municipality whose rule set they would add."""

    message_ja = "担当していない自治体のルールセットは登録できません。"


def _japanese(error: Mapping[str, Any]) -> str:
    """A program value's error as an administrator reads it (pydantic's words are English)."""
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    if kind == "unknown_program":
        return str(error.get("msg"))
    if kind == "value_error" and "ISO 8601" in str(error.get("msg", "")):
        return DURATION_HINT
    if kind == "value_error" and "years a rule may span" in str(error.get("msg", "")):
        return f"期間は{LONGEST_RULE_YEARS}年（P{LONGEST_RULE_YEARS}Y）以内で入力してください。"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "整数で入力してください。"
    if kind == "greater_than_equal":
        return f"{ctx.get('ge')}以上の数を入力してください。"
    if kind == "less_than_equal":
        return f"{ctx.get('le')}以下の数を入力してください。"
    if kind in ("string_type", "list_type", "tuple_type"):
        return "この値の形式では入力できません。"
    if kind == "extra_forbidden":
        return "この事業にはこの名前の値はありません。"
    return "この値は受け付けられません。"


def program_value_errors(programs: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What is wrong with a rule set's program values, as field errors with a Japanese reason."""
    return [
        {"loc": e["loc"], "msg": _japanese(e), "type": str(e.get("type", "value_error"))}
        for e in program_rule_errors(programs)
    ]


def add_ruleset(sessions: sessionmaker[Session], ruleset: RuleSet, actor: Actor, now: datetime) -> RuleSet:
    """Store ``ruleset``, a new version for a municipality the actor serves ("*" for all): its program values are
    checked first (``PayloadInvalid``); a taken id or day raises ``store.errors.DuplicateRulesetError``."""
    if ruleset.municipality != "*" and ruleset.municipality not in actor.serves:
        raise NotServed()
    errors = program_value_errors(ruleset.programs)
    if errors:
        raise PayloadInvalid("add_ruleset", errors)
    with sessions.begin() as session:
        RulesetRepository(session).add(ruleset, created_by=actor.user_id, now=now)
    return ruleset


def rules_model(program: str) -> type[BaseModel]:
    """The model of a program's rules (its fields are the values a rule set may set)."""
    model = BY_ID[program].record_type.model_fields["rules"].annotation
    assert isinstance(model, type)
    assert issubclass(model, BaseModel)
    return model


def typed_value(program: str, rule: str, text: str) -> Any:
    """A value typed in a form, as its rule takes it: a whole number for a count, a list for a list of periods
    (separated by commas), the text itself for a period (checked by the rule's own model)."""
    default = getattr(rules_model(program)(), rule)
    text = text.strip().replace("，", ",").replace("、", ",")
    if isinstance(default, bool):
        return text
    if isinstance(default, int):
        try:
            return int(text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
        except ValueError:
            return text  # the model's error: 整数で入力してください。
    if isinstance(default, list):
        return [part.strip().upper() for part in text.split(",") if part.strip()]
    return text.upper()


@dataclass(frozen=True)
class ProgramValue:
    """One program value an administrator sets for a municipality from a day on."""

    municipality: str
    effective_from: date
    program: str
    rule: str
    text: str  # as typed
    source: str


def set_program_value(sessions: sessionmaker[Session], actor: Actor, value: ProgramValue, now: datetime) -> RuleSet:
    """A new version of the municipality's rule set from ``value.effective_from``: the version in force that day with
    this program value and its source; checked and stored by ``add_ruleset``."""
    loc = ["programs", value.program, value.rule]
    if value.program not in BY_ID or value.rule not in rules_model(value.program).model_fields:
        raise PayloadInvalid("set_program_value", [{"loc": loc, "msg": "値の名称を一覧から選んでください。"}])
    if not value.source.strip():
        missing = "出典（要綱・通知の名称と条項）を入力してください。"
        raise PayloadInvalid("set_program_value", [{"loc": ["source"], "msg": missing}])
    with sessions.begin() as session:
        repo = RulesetRepository(session)
        try:
            base = repo.rulebook().in_force(value.municipality, value.effective_from)
        except LookupError:
            too_early = "この日に適用されているルールセットがありません。より後の日付を指定してください。"
            raise PayloadInvalid("set_program_value", [{"loc": ["effective_from"], "msg": too_early}]) from None
        taken = len(repo.list(value.municipality))
    programs = {**base.programs, value.program: {**base.programs.get(value.program, {})}}
    programs[value.program][value.rule] = typed_value(value.program, value.rule, value.text)
    key = f"programs.{value.program}.{value.rule}"
    ruleset = base.model_copy(
        update={
            "ruleset_id": f"{value.municipality}-{value.effective_from.isoformat()}-{taken + 1}",
            "municipality": value.municipality,
            "effective_from": value.effective_from,
            "programs": programs,
            "sources": {**base.sources, key: value.source.strip()},
        }
    )
    return add_ruleset(sessions, RuleSet.model_validate(ruleset.model_dump()), actor, now)
