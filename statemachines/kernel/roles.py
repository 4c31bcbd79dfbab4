"""Who acts: roles of the 自立相談支援事業 and the organisations users belong to."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    SW = "SW"  # 相談支援員
    CSW = "CSW"  # 主任相談支援員
    ESW = "ESW"  # 就労支援員
    HHSW = "HHSW"  # 家計改善支援員
    MUN = "MUN"  # 自治体（福祉事務所設置自治体）職員
    OPS = "OPS"  # operations staff
    AUD = "AUD"  # auditor (read only)
    ADMIN = "ADMIN"
    SYSTEM = "SYSTEM"  # the engine itself: timers


ROLE_NAMES_JA: dict[Role, str] = {
    Role.SW: "相談支援員",
    Role.CSW: "主任相談支援員",
    Role.ESW: "就労支援員",
    Role.HHSW: "家計改善支援員",
    Role.MUN: "自治体職員",
    Role.OPS: "運用担当",
    Role.AUD: "監査担当",
    Role.ADMIN: "管理者",
    Role.SYSTEM: "システム",
}


class OrgKind(StrEnum):
    MUNICIPALITY = "municipality"  # 福祉事務所設置自治体
    CONTRACTOR = "contractor"  # 委託先 (社協, NPO, ...)
    SYSTEM = "system"


class Actor(BaseModel):
    """The person (or the engine) firing a command. One user may hold several roles."""

    model_config = ConfigDict(frozen=True)

    user_id: str = Field(min_length=1, max_length=64)
    roles: frozenset[Role]
    organisation: str = Field(min_length=1, max_length=64)
    org_kind: OrgKind
    serves: frozenset[str] = frozenset()  # municipalities whose cases this user may work on

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)

    @property
    def is_municipal_staff(self) -> bool:
        return Role.MUN in self.roles and self.org_kind is OrgKind.MUNICIPALITY

    def decides_for(self, municipality: str) -> bool:
        """G7: the municipality's own staff, serving it (a contractor's user never, whatever role it was given)."""
        return self.is_municipal_staff and municipality in self.serves


SYSTEM_ACTOR = Actor(
    user_id="system",
    roles=frozenset({Role.SYSTEM}),
    organisation="yorisoi",
    org_kind=OrgKind.SYSTEM,
)


# -- who fires the transitions of the process tables (process.md §0; statemachines/case, statemachines/programs) --
SYSTEM = frozenset({Role.SYSTEM})  # the engine itself: timers
MUNICIPAL = frozenset({Role.MUN})  # 支援決定 and the other duties a municipality cannot delegate (S21, S43)
CHIEF = frozenset({Role.CSW})  # 主任相談支援員: the plan's check (maker-checker, S0)
CONSULTANTS = frozenset({Role.SW, Role.CSW})  # 相談支援員 and 主任相談支援員: the case's own steps
WORK_SUPPORT = CONSULTANTS | {Role.ESW}  # with the 就労支援員: employment and housing programs, referrals
BUDGET_SUPPORT = CONSULTANTS | {Role.HHSW}  # with the 家計改善支援員: the household budget program
SUPPORTERS = CONSULTANTS | {Role.ESW, Role.HHSW}  # every supporter who meets the client (monitoring, follow-up)
ANY_STAFF = SUPPORTERS | MUNICIPAL  # whoever may open a consultation
MEETING = CONSULTANTS | MUNICIPAL  # whoever records the 支援調整会議's outcome (and starts 緊急支援)
ASSIGNERS = frozenset({Role.CSW, Role.ADMIN})  # who changes a case's assignee
ASSIGNEES_OWN = frozenset({Role.SW, Role.ESW, Role.HHSW})  # a case task for these goes to the case's assignee
