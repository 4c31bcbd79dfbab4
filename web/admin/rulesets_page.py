"""The rule sets' program values (``/rulesets``, issue 18 item 9): for the national rule sets and those of the
municipalities one serves, each program value in force under each (名称, 値, 出典, 適用開始日), the municipality's own
marked; and for an administrator, a form that sets one value of a municipality from a day on, stored as a new version
of its rule set by the service the API uses (``services.rulesets``: 422 with a Japanese reason for a bad value)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.rulesets import NotServed, ProgramValue, set_program_value
from statemachines.kernel.outcomes import PayloadInvalid
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import RuleSet
from statemachines.programs.housing_benefit.obligations import ObligationSet
from statemachines.programs.registry import PROGRAMS
from store.errors import DuplicateRulesetError
from store.rulesets import RulesetRepository
from web.core.deps import Services, ServicesDep
from web.core.names import Names, names_for
from web.core.pages import checked_form, render
from web.core.permissions import RequirePage

router = APIRouter(include_in_schema=False)

Reader = Annotated[Actor, RequirePage(Permission.RULESET_READ)]
Writer = Annotated[Actor, RequirePage(Permission.RULESET_ADD)]

RULE_NAMES: dict[str, dict[str, str]] = {
    "housing_benefit": {
        "period_months": "支給期間（1回の決定の月数）",
        "max_months": "支給期間の上限（延長を含む通算の月数）",
        "extension_warning_days": "延長申請期限の通知（期限の何日前）",
        "housed_report_days": "住居確保報告書の提出期限（入居後の日数）",
        "obligations": "求職活動等の要件（離職・廃業／休業等、初回・延長・再延長）",
        "asset_multiple": "金融資産の上限（基準額の何倍）",
        "job_loss_window": "離職・廃業の日から申請できる期間",
        "job_loss_window_max": "同上、疾病等の期間を加えた上限",
        "repayment_lock": "再支給の制限期間",
        "resume_within": "支給停止から再開できる期間（過ぎると支給終了）",
        "monitoring_interval_while_paid": "支給中のモニタリングの間隔",
    },
    "work_readiness": {
        "max_duration": "利用期間の上限",
        "warning_after": "期間の上限を前にした確認の時期（利用開始から）",
        "asset_multiple": "金融資産の上限（基準額の何倍）",
    },
    "housing_support": {
        "shelter_max": "一時生活支援（シェルター）の利用期間",
        "shelter_extended_max": "延長した場合の利用期間の上限",
        "limit_warning_before": "利用期間の終わりを前にした通知（何日前）",
        "asset_multiple": "金融資産の上限（基準額の何倍）",
    },
    "household_budget": {"check_interval": "家計の定期確認の間隔"},
    "certified_training": {"review_interval": "定期的な振り返りの間隔"},
    "hello_work": {"retention_follow_ups": "就職後の定着支援の時期（就職日から）"},
    "referral": {"answer_within": "つなぎ先からの回答の期限"},
}
"""Each program value by its Japanese name (the rule's id is never shown)."""

FORM_EXCLUDED = frozenset({("housing_benefit", "obligations")})  # a table of figures: set through the rule set itself
UNITS = {"Y": "年", "M": "か月", "W": "週間", "D": "日"}
TIME_UNITS = {"H": "時間", "M": "分", "S": "秒"}
ROUTES = {"job_search": "離職・廃業", "business": "休業等"}
PERIODS = {1: "初回", 4: "延長", 7: "再延長"}


def duration_ja(value: str) -> str:
    """P3M → 3か月, P2Y → 2年, P14D → 14日, PT10M → 10分 (anything else as it is)."""
    match = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", value)
    if match is None or not any(match.groups()):
        return value
    units = [*UNITS.values(), *TIME_UNITS.values()]
    return "".join(f"{n}{unit}" for n, unit in zip(match.groups(), units, strict=True) if n)


def _obligations_ja(sets: tuple[ObligationSet, ...]) -> str:
    words = []
    for s in sets:
        figures = [
            ("面談", "月", s.agency_consultations_per_month),
            ("ハローワーク職業相談", "月", s.hw_consultations_per_month),
            ("応募", "週", s.applications_per_week),
            ("経営相談", "月", s.business_consultations_per_month),
            ("収入を増やす活動", "月", s.income_activities_per_month),
        ]
        shown = "・".join(f"{name} {per}{n}回" for name, per, n in figures if n)
        words.append(
            f"{ROUTES.get(s.route, s.route)}（{PERIODS.get(s.from_month, f'{s.from_month}か月目から')}）: {shown}"
        )
    return "／".join(words)


def value_ja(program: str, rule: str, value: Any) -> str:
    """A program value as a person reads it."""
    if rule == "obligations":
        return _obligations_ja(tuple(ObligationSet.model_validate(s) for s in value))
    if isinstance(value, list):
        return "、".join(duration_ja(str(v)) for v in value)
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, int):
        if rule.endswith("_days"):
            return f"{value}日"
        if rule.endswith("_months"):
            return f"{value}か月"
        if rule.endswith("_multiple"):
            return f"{value}倍"
        return str(value)
    return duration_ja(str(value))


def program_values(ruleset: RuleSet) -> list[dict[str, Any]]:
    """Every program value in force under ``ruleset``: its name, value, source, and whether the rule set sets it."""
    rows = []
    for program in PROGRAMS:
        rules = program.rules_with(ruleset.programs.get(program.id, {}))
        for rule in type(rules).model_fields:
            own = rule in ruleset.programs.get(program.id, {})
            default_source = program.rules.get(rule, (None, "—"))[1]
            rows.append(
                {
                    "key": f"{program.id}.{rule}",
                    "program": program.name_ja,
                    "name": RULE_NAMES.get(program.id, {}).get(rule, rule),
                    "value": value_ja(program.id, rule, getattr(rules, rule)),
                    "source": ruleset.sources.get(f"programs.{program.id}.{rule}", default_source),
                    "own": own,
                }
            )
    return rows


def _settable() -> list[tuple[str, str]]:
    return [
        (f"{p.id}.{rule}", f"{p.name_ja}：{name}")
        for p in PROGRAMS
        for rule, name in RULE_NAMES.get(p.id, {}).items()
        if (p.id, rule) not in FORM_EXCLUDED
    ]


def _town(names: Names, municipality: str) -> str:
    return "全国（既定）" if municipality == "*" else names.town(municipality)


def _page(
    request: Request,
    svc: Services,
    actor: Actor,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    names = names_for(svc, actor)
    with svc.sessions.begin() as session:
        shown = [
            r for r in RulesetRepository(session).list() if r.municipality == "*" or r.municipality in actor.serves
        ]
    rulesets = [
        {"town": _town(names, r.municipality), "effective_from": r.effective_from, "rows": program_values(r), "n": n}
        for n, r in enumerate(shown)
    ]
    context = {
        "rulesets": rulesets,
        "can_set": allowed(actor, Permission.RULESET_ADD),
        "municipalities": [(m, names.town(m)) for m in sorted(actor.serves)],
        "settable": _settable(),
        "values": values or {},
        "errors": errors or {},
        "refusal": refusal,
        "added": request.query_params.get("message") == "added",
    }
    return render(request, svc, "rulesets.html", context, actor=actor, status_code=status_code)


@router.get("/rulesets", response_class=HTMLResponse)
def rulesets(request: Request, actor: Reader, svc: ServicesDep) -> HTMLResponse:
    return _page(request, svc, actor)


FIELDS = ("municipality", "value_name", "value", "source", "effective_from")
ERROR_FIELD = {"programs": "value", "source": "source", "effective_from": "effective_from"}


@router.post("/rulesets/program-values", response_class=HTMLResponse)
async def set_value(request: Request, actor: Writer, svc: ServicesDep) -> Response:
    form = await checked_form(request)
    typed = {name: str(form.get(name, "")).strip() for name in FIELDS}
    errors: dict[str, str] = {}
    if typed["municipality"] not in actor.serves:
        errors["municipality"] = "担当している自治体を選んでください。"
    program, _, rule = typed["value_name"].partition(".")
    if typed["value_name"] not in dict(_settable()):
        errors["value_name"] = "値の名称を一覧から選んでください。"
    if not typed["value"]:
        errors["value"] = "値を入力してください。"
    try:
        effective_from = date.fromisoformat(typed["effective_from"])
    except ValueError:
        errors["effective_from"] = "適用開始日を 2027-04-01 の形で、実在する日で入力してください。"
    if errors:
        return _page(request, svc, actor, values=typed, errors=errors, status_code=422)
    value = ProgramValue(typed["municipality"], effective_from, program, rule, typed["value"], typed["source"])
    try:
        set_program_value(svc.sessions, actor, value, svc.clock())
    except PayloadInvalid as exc:
        for e in exc.errors:
            errors.setdefault(ERROR_FIELD.get(str(e["loc"][0]), "value"), str(e["msg"]))
        return _page(request, svc, actor, values=typed, errors=errors, status_code=422)
    except NotServed as exc:
        return _page(request, svc, actor, values=typed, refusal=exc.message_ja, status_code=403)
    except DuplicateRulesetError:
        taken = "この自治体のこの日から適用するルールセットは登録済みです（登録済みのものは変更できません）。"
        refusal = f"{taken}別の適用開始日を指定してください。"
        return _page(request, svc, actor, values=typed, refusal=refusal, status_code=409)
    return RedirectResponse("/rulesets?message=added", status_code=303)
