"""What a page calls things by: a case by its 受付番号 (and its client's name, for roles that may see it), a
municipality by its name, a colleague by their display name; never an internal id.

Showing a client's name is a read of a 要配慮 field: each case whose name a list shows is written to the access log
(``intake.client.name``, the list's purpose) in one statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.people import may_see_people
from statemachines.kernel.roles import ROLE_NAMES_JA, SYSTEM_ACTOR, Actor, Role
from statemachines.kernel.rules import RuleSet
from store.access_log import AccessLog
from store.names import institution_names, municipality_names, office_names, user_names
from store.people import PeopleRepository
from store.policies import EVERY_MUNICIPALITY
from web.core.deps import Services

NO_NUMBER = "（受付番号なし）"
SYSTEM_NAME = "システム（期日・タイマー）"
NAME_FIELD = "intake.client.name"


@dataclass(frozen=True)
class Names:
    towns: Mapping[str, str] = field(default_factory=dict)
    users: Mapping[str, str] = field(default_factory=dict)
    clients: Mapping[str, str] = field(default_factory=dict)  # person id -> name (only for who may see it)
    offices: Mapping[str, str] = field(default_factory=dict)  # office id -> name (ハローワーク, ...)
    institutions: Mapping[str, str] = field(default_factory=dict)  # 関係機関 id -> its name in the directory

    def town(self, municipality: str | None) -> str:
        return "—" if municipality is None else self.towns.get(municipality, municipality)

    def get(self, user_id: str, default: str | None = None) -> str | None:
        """A colleague's display name (as ``dict.get`` on the users)."""
        return self.users.get(user_id, default)

    def user(self, user_id: str | None) -> str:
        if user_id == SYSTEM_ACTOR.user_id:
            return SYSTEM_NAME
        return "—" if user_id is None else self.users.get(user_id, user_id)

    def role(self, role: str) -> str:
        """A role by its Japanese name (相談支援員), as a task's queue is shown."""
        try:
            return ROLE_NAMES_JA[Role(role)]
        except (ValueError, KeyError):
            return role

    def office(self, office_id: str | None) -> str:
        return "—" if office_id is None else self.offices.get(office_id, office_id)

    def institution(self, institution_id: str | None) -> str:
        return "—" if institution_id is None else self.institutions.get(institution_id, institution_id)

    def ruleset(self, ruleset: RuleSet) -> str:
        """The rule set a case follows as a person names it: whose, in force from when: 全国標準（2025年4月1日から）."""
        whose = "全国標準" if ruleset.municipality == EVERY_MUNICIPALITY else f"{self.town(ruleset.municipality)}の規則"
        day = ruleset.effective_from
        return f"{whose}（{day.year}年{day.month}月{day.day}日から）"

    def case(self, number: str | None) -> str:
        return number or NO_NUMBER

    def client(self, person_id: str | None) -> str:
        """The client's name, or "" when there is none or the reader may not see it."""
        return "" if person_id is None else self.clients.get(person_id, "")


def names_for(
    svc: Services,
    actor: Actor,
    people_of_cases: Mapping[str, str | None] | None = None,
    *,
    purpose: str = "list",
    directory: bool = False,
) -> Names:
    """The names a page needs; ``people_of_cases`` (case id -> person id) are the cases whose client it may name;
    ``directory``: the offices' and 関係機関's too (a case page's program sheets name them)."""
    with svc.sessions.begin() as session:
        towns, users = municipality_names(session), user_names(session)
        offices = office_names(session) if directory else {}
        institutions = institution_names(session) if directory else {}
        clients: dict[str, str] = {}
        cases = {c: p for c, p in (people_of_cases or {}).items() if p is not None}
        if cases and may_see_people(actor):
            clients = PeopleRepository(session).names(set(cases.values()))
            named = [case_id for case_id, person_id in cases.items() if person_id in clients]
            AccessLog(session).record_cases(
                user_id=actor.user_id, case_ids=named, fields=[NAME_FIELD], purpose=purpose, now=svc.clock()
            )
    return Names(towns=towns, users=users, clients=clients, offices=offices, institutions=institutions)
