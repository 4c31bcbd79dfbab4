"""The recipient's obligations while 住居確保給付金 is paid (process.md §3.1 "Recipient obligations"), by route and by
period, as versioned rule-set values.

Two routes: 離職・廃業 (求職活動: a ハローワーク 求職申込 at application and at each extension, 職業相談, 応募) and
休業等 (a self-employed person rebuilding a business: registration with a 経営相談先, 経営相談, activities that raise
income). Both ask consultations with the 自立相談支援機関 (月4回以上). The requirements may differ between 初回
(months 1–3), 延長 (4–6) and 再延長 (7–9) (S16) and have changed over time (the 2020–2022 relaxations, S17), so each
set names the first paid month it applies from, and a municipality's rule set (or a later national version) replaces
them. The defaults are the figures the municipal pages show for every period; per-period figures are [UNVERIFIED].
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from statemachines.programs.payloads import Value

ActivityRoute = Literal["job_search", "business"]
"""求職活動 (離職・廃業) or 経営相談 (休業等, 自営業の再建)."""


class ObligationSet(Value):
    """What a recipient on ``route`` does each month from the ``from_month``-th paid month on."""

    route: ActivityRoute
    from_month: int = Field(ge=1, le=24)  # 1: 初回, 4: 延長, 7: 再延長
    agency_consultations_per_month: int = Field(default=4, ge=0, le=31)
    hw_consultations_per_month: int = Field(default=0, ge=0, le=31)
    applications_per_week: int = Field(default=0, ge=0, le=20)
    business_consultations_per_month: int = Field(default=0, ge=0, le=31)
    income_activities_per_month: int = Field(default=0, ge=0, le=31)


def _default_obligations() -> tuple[ObligationSet, ...]:
    job = {"agency_consultations_per_month": 4, "hw_consultations_per_month": 2, "applications_per_week": 1}
    business = {
        "agency_consultations_per_month": 4,
        "business_consultations_per_month": 1,
        "income_activities_per_month": 1,
    }
    return tuple(
        ObligationSet.model_validate({"route": route, "from_month": start, **figures})
        for route, figures in (("job_search", job), ("business", business))
        for start in (1, 4, 7)
    )


DEFAULT_OBLIGATIONS = _default_obligations()
OBLIGATION_SOURCE = (
    "離職・廃業: HW求職申込（申請時・延長時）、自立相談支援機関での面談 月4回以上、HW職業相談 月2回以上、"
    "応募 原則週1回以上; 休業等: 経営相談先への申込、面談 月4回以上、経営相談 原則月1回、収入を得る活動 月1回以上 "
    "[NAT via S16 文京区, S17 守山市・中央区]; 初回・延長・再延長で異なりうる (S16): 期間ごとの値は [UNVERIFIED]"
)


def obligations_for(sets: tuple[ObligationSet, ...], route: ActivityRoute, month: int) -> ObligationSet | None:
    """The set in force for the ``month``-th paid month on ``route``: the one starting latest, not after it; of two
    starting the same month, the one listed later (a rule set's own after the defaults it replaces)."""
    found = [(s.from_month, i, s) for i, s in enumerate(sets) if s.route == route and s.from_month <= month]
    return max(found, key=lambda f: (f[0], f[1]))[2] if found else None
