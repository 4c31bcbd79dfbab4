"""What a command needs from the store before the engine checks it (the tables' ``looks_up`` column): the engine
never reads the store, so the application service completes the payload.

- ``Lookup.REFERRAL_TARGET`` (T4): the つなぎ先's name and whether it takes referrals, from the 関係機関 directory;
- ``Lookup.INSTITUTION`` (a referral's send): whether the institution takes referrals, never from the client;
- ``Lookup.PERSON`` (住居確保給付金's application): the same person's earlier payment, found by their person key
  (再支給制限, 施行規則§16).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from statemachines.case.records import ClientIdentity
from statemachines.kernel.outcomes import PayloadInvalid
from statemachines.kernel.roles import ROLE_NAMES_JA, Actor, Role
from statemachines.policy.institutions import Institution
from store.accounts import AccountRepository
from store.db import reading
from store.institutions import InstitutionRepository
from store.person_keys import PersonRepository, person_key


class StoreLookups:
    def __init__(self, sessions: sessionmaker[Session], *, person_secret: str) -> None:
        """``person_secret`` keys the hash that recognises a client again (``store.person_keys``)."""
        self._sessions = sessions
        self._person_secret = person_secret

    def staff_member(self, command: str, field: str, user_id: str, role: Role, municipality: str) -> None:
        """A case handed to someone (its 就労支援員): an active user holding ``role`` who serves the case's
        municipality, else a 422 on ``field`` that says so."""
        with reading(self._sessions) as session:
            accounts = AccountRepository(session)
            user = accounts.get_user(user_id)
            actor = accounts.actor(user) if user is not None and user.active else None
        if actor is None or role not in actor.roles or municipality not in actor.serves:
            name = ROLE_NAMES_JA[role]
            message = (
                f"{user_id} は、このケースの自治体を担当する{name}として登録されていません。{name}を指定してください。"
            )
            raise PayloadInvalid(command, [{"type": "not_staff", "loc": [field], "msg": message}])

    def earlier_payment(
        self, client: ClientIdentity, case_id: str, enrolment_id: str, command: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """The 再支給制限 (施行規則§16) looks at the same person's earlier 住居確保給付金, found by their person key.

        The application's own declaration of an earlier payment still counts: the later of both ends is used.
        """
        if not payload.get("application"):
            return payload
        if not client.name_kana or client.birth_date is None:
            raise PayloadInvalid(
                command,
                [
                    {
                        "type": "client_not_identified",
                        "loc": ["intake", "client"],
                        "msg": "再支給の制限（施行規則§16）を確認するため、"
                        "相談受付票に本人の氏名（カナ）と生年月日を記録してください。",
                    }
                ],
            )
        key = person_key(self._person_secret, client.name_kana, client.birth_date)
        with self._sessions.begin() as session:
            people = PersonRepository(session)
            people.link(enrolment_id, case_id, key, now=datetime.now(UTC))
            recorded = people.last_housing_payment_end(key, excluding=enrolment_id)
        application = dict(payload["application"])
        declared = application.get("previous_payment_ended_on")
        ends = [d for d in (recorded, date.fromisoformat(declared) if declared else None) if d is not None]
        application["previous_payment_ended_on"] = max(ends).isoformat() if ends else None
        return {**payload, "application": application}

    def directory_answer(self, payload: dict[str, Any], actor: Actor, command: str) -> dict[str, Any]:
        """Whether the institution accepts referrals comes from the 関係機関 directory, never from the client."""
        found = self._institution(payload.get("institution_id"), actor, command, ["institution_id"])
        return {**payload, "accepts_referrals": found.accepts_referrals}

    def referral_target(self, payload: dict[str, Any], actor: Actor, command: str) -> dict[str, Any]:
        """T4 to an institution of the directory: its name and whether it accepts referrals come from the directory."""
        target = payload.get("referral")
        if not isinstance(target, dict) or target.get("institution_id") is None:
            return payload
        loc = ["referral", "institution_id"]
        found = self._institution(target["institution_id"], actor, command, loc)
        filled = {**target, "institution": found.name_ja, "accepts_referrals": found.accepts_referrals}
        return {**payload, "referral": filled}

    def _institution(self, institution_id: object, actor: Actor, command: str, loc: list[str]) -> Institution:
        with reading(self._sessions) as session:
            found = (
                InstitutionRepository(session).get(institution_id, visible=set(actor.serves))
                if isinstance(institution_id, str)
                else None
            )
        if found is None:
            raise PayloadInvalid(
                command, [{"type": "unknown_institution", "loc": loc, "msg": "関係機関名簿にない機関です。"}]
            )
        return found
