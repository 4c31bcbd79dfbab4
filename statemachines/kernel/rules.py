"""Durations and thresholds as versioned rule sets (process.md §1.7).

None of these is a national constant: the plan period comes from one municipality's 要綱, the monitoring interval and
no-contact threshold are unverified suggestions. So each is a rule with its source, versioned by effective date and
per municipality, and a case pins the rule set in force on the day it opens.

The national defaults are versions too (``NATIONAL_RULESETS``): ``national-2025-04`` ran the first cases (monitoring
every 30 days, 連絡不通 after 60 days, both unverified); ``national-2026-12`` follows process.md §7's sketch (issue 18
item 10): monitoring P1M, 連絡不通 after P30D plus the documented attempts (G-EFFORT), follow-ups after 終結 only when
chosen at the closure. A case opened before keeps the version it pinned; a municipality's own rule set replaces both.
"""

from __future__ import annotations

import calendar
import itertools
import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

_DURATION = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


LONGEST_RULE_YEARS = 100
"""No rule spans more than a century (the longest national one keeps records 5 years): a longer duration is a typing
error, and one past year 9999 would fail the workflow task that computes its timer."""


def _check_duration(value: str) -> str:
    """A positive ISO 8601 duration: a zero one would make a timer fire again at the moment it fired; at most
    ``LONGEST_RULE_YEARS``."""
    match = _DURATION.fullmatch(value)
    if match is None or value.endswith("T") or not any(int(v) for v in match.groupdict().values() if v):
        raise ValueError(f"not a positive ISO 8601 duration such as P6M, P30D or PT5M: {value!r}")
    parts = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    months = parts["y"] * 12 + parts["mo"]
    days = parts["w"] * 7 + parts["d"] + (parts["h"] * 3600 + parts["mi"] * 60 + parts["s"]) // 86400
    if months > LONGEST_RULE_YEARS * 12 or days > LONGEST_RULE_YEARS * 366:
        raise ValueError(f"a duration longer than the {LONGEST_RULE_YEARS} years a rule may span: {value!r}")
    return value


Duration = Annotated[str, AfterValidator(_check_duration)]
"""An ISO 8601 duration: calendar months (P6M) are kept as months, not 30-day blocks."""


def _add_months(moment: datetime, months: int) -> datetime:
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_duration(moment: datetime, duration: str) -> datetime:
    """``moment`` plus an ISO 8601 duration, months by the calendar (31 Jan + P1M = 28/29 Feb)."""
    match = _DURATION.fullmatch(_check_duration(duration))
    assert match is not None
    parts = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    shifted = _add_months(moment, parts["y"] * 12 + parts["mo"])
    return shifted + timedelta(
        weeks=parts["w"], days=parts["d"], hours=parts["h"], minutes=parts["mi"], seconds=parts["s"]
    )


class DocumentType(StrEnum):
    """The kinds of record a case holds, each kept for its own period after the case ends (process.md §5.5)."""

    CONSULTATION = "consultation_record"  # 相談受付・申込票, アセスメントシート, 支援経過記録
    PLAN = "plan"  # プラン兼事業等利用申込書, 支援調整会議, 支援決定, 評価
    HOUSING_BENEFIT = "housing_benefit"  # 住居確保給付金の申請・支給決定
    PROGRAM = "program_record"  # 就労準備支援・家計改善支援・ハローワーク同行・つなぎ 等の記録


def _default_retention() -> dict[DocumentType, str]:
    return dict.fromkeys(DocumentType, "P5Y")


class RuleSet(BaseModel):
    """One version of the durations for one municipality ("*" is the national default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ruleset_id: str = Field(min_length=1, max_length=64)
    municipality: str = Field(default="*", min_length=1, max_length=64)
    effective_from: date
    plan_period: Duration = "P6M"
    monitoring_interval: Duration = "P1M"
    no_contact_threshold: Duration = "P30D"
    min_contact_efforts: int = Field(default=2, ge=0, le=20)
    follow_up_offsets: list[Duration] = Field(default_factory=lambda: ["P1M", "P3M", "P6M"], max_length=12)
    plan_check_required: bool = True
    dormant_after: Duration = "P1Y"
    meeting_quorum: int = Field(default=3, ge=1, le=50)
    meeting_requires_municipal_official: bool = True
    task_due: dict[str, Duration] = Field(
        default_factory=lambda: {
            "intake": "P3D",
            "screening": "P7D",
            "start_assessment": "P7D",
            "assessment": "P14D",
            "draft_plan": "P14D",
            "check_plan": "P7D",
            "obtain_plan_consent": "P7D",
            "schedule_meeting": "P14D",
            "meeting_review": "P7D",
            "decide_support": "P14D",
            "evaluate": "P14D",
            "closure_review": "P30D",
            "contact_efforts": "P14D",
            "follow_up": "P14D",
            "monitoring_due": "P7D",
            "evaluation_due": "P14D",
        }
    )
    sources: dict[str, str] = Field(
        default_factory=lambda: {
            "plan_period": (
                "墨田区 自立相談支援事業実施要領 §6② 「6か月以内」 [LOCAL S20]; "
                "プラン自体の終了日もこの期間内 (G-PLAN-PERIOD)、延長は評価による再プラン"
            ),
            "monitoring_interval": (
                "施行規則§2 定期的な確認（間隔の定めなし）; 既定: 月1回 (process.md §1.6, §7 monitoring_interval P1M) "
                "[UNVERIFIED]; 住居確保給付金の支給中は月4回以上 (S16/S17)"
            ),
            "no_contact_threshold": (
                "WAM NET Q&A 中断の取扱い (S11); 既定30日＋記録された連絡の努力 (process.md §1.6, §7 "
                "no_contact_threshold P30D) [UNVERIFIED]; 関係機関との連絡では延びない（本人との連絡のみ）"
            ),
            "min_contact_efforts": "WAM NET Q&A: 連絡票の差し置き・知人への連絡等の努力 (S11); 別々の日に数える",
            "follow_up_offsets": (
                "終結後のフォローアップは差し支えない (S12); 間隔の定めなし [UNVERIFIED]; "
                "終結時に選んだケースのみ (process.md §7 followup_after_closure: null)"
            ),
            "plan_check_required": "主任相談支援員によるプラン確認 (S0) [BK]",
            "dormant_after": (
                "終了・中断したケースの再開受付期間。経過後の再相談は旧ケースに紐付く新規ケース (T29) [BK]"
            ),
            "meeting_quorum": "支援調整会議設置要綱（自治体ごと）[LOCAL S22]",
            "meeting_requires_municipal_official": "自治体職員は原則として支援調整会議に出席する (S11)",
            "task_due": "業務上の目安 [BK]: 自治体ごとに設定",
            "population": "住民基本台帳人口（各年度当初）: 自治体が登録する",
            "retention": (
                "全国一律の保存期間は見当たらない [UNVERIFIED]。各自治体の文書管理規程・委託契約による。"
                "既定: 終結（終了）日から5年（一般的な運用 [BK]、process.md §5.5; 参考 S37 生活保護法関係文書）"
            ),
        }
    )
    programs: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description=(
            "per program (its id), the values of its rules this municipality sets (shelter length, caps, obligations: "
            "the figures process.md marks LOCAL/BK), with their source under sources['programs.<id>.<rule>']; the rest "
            "keep the program's defaults (python -m statemachines describe)"
        ),
    )
    population: dict[int, int] = Field(
        default_factory=dict,
        description="住民基本台帳人口 by fiscal year (年度): the denominator of the per-100,000 figures of the reports",
    )
    retention: dict[DocumentType, Duration] = Field(
        default_factory=_default_retention,
        description="how long each kind of record is kept after the case ends; then its data key is erased",
    )

    @field_validator("retention", mode="after")
    @classmethod
    def _every_kind_of_record_kept(cls, value: dict[DocumentType, str]) -> dict[DocumentType, str]:
        """A rule set that names some kinds of record keeps the others for the default period."""
        return {**_default_retention(), **value}

    @model_validator(mode="after")
    def _follow_ups_ascend(self) -> RuleSet:
        reference = datetime(2000, 1, 31, tzinfo=UTC)
        moments = [add_duration(reference, d) for d in self.follow_up_offsets]
        if any(later <= earlier for earlier, later in itertools.pairwise(moments)):
            raise ValueError("follow_up_offsets must be in ascending order")
        return self

    def due(self, kind: str, start: datetime) -> datetime | None:
        duration = self.task_due.get(kind)
        return add_duration(start, duration) if duration else None


def _sources_2025() -> dict[str, str]:
    return {
        **RuleSet.model_fields["sources"].get_default(call_default_factory=True),
        "monitoring_interval": "施行規則§2 定期的な確認（間隔の定めなし）; 既定30日（月1回程度）[UNVERIFIED]",
        "no_contact_threshold": (
            "WAM NET Q&A 中断の取扱い (S11); 既定60日: 30日のモニタリング期日の後、"
            "連絡の努力を経て連絡不通とする [UNVERIFIED]"
        ),
        "follow_up_offsets": "終結後のフォローアップは差し支えない (S12); 間隔の定めなし [UNVERIFIED]",
    }


DEFAULT_RULESET = RuleSet(
    ruleset_id="national-2025-04",
    effective_from=date(2025, 4, 1),
    monitoring_interval="P30D",
    no_contact_threshold="P60D",
    sources=_sources_2025(),
)
"""The national rule set the first cases pinned (its values as they were; superseded by ``NATIONAL_2026``)."""

NATIONAL_2026 = RuleSet(ruleset_id="national-2026-12", effective_from=date(2026, 12, 7))
"""process.md §7's sketch (issue 18 item 10), in force for the cases opened from 2026-12-07 (the release that brought
it): monitoring P1M, 連絡不通 after P30D plus the documented attempts. A municipality that wants the old figures until
its own 年度 starts keeps them as a rule set of its own."""

NATIONAL_RULESETS: tuple[RuleSet, ...] = (DEFAULT_RULESET, NATIONAL_2026)
"""Every national version, oldest first; the rule book chooses by date, a municipality's own replaces them."""

CURRENT_NATIONAL = NATIONAL_RULESETS[-1]
"""The newest national version: what ``describe`` shows as the defaults."""


class RuleBook(BaseModel):
    """Every rule set ever in force; the one for a case is chosen by municipality and date."""

    model_config = ConfigDict(frozen=True)

    rulesets: list[RuleSet] = Field(default_factory=lambda: list(NATIONAL_RULESETS))

    def in_force(self, municipality: str, on: date) -> RuleSet:
        for scope in (municipality, "*"):
            candidates = [r for r in self.rulesets if r.municipality == scope and r.effective_from <= on]
            if candidates:
                return max(candidates, key=lambda r: r.effective_from)
        raise LookupError(f"no rule set in force for {municipality} on {on.isoformat()}")
