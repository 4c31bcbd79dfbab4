"""Finding a 相談者 again, and what a new consultation of theirs starts from.

Every search and every person opened is written to the access log with its purpose (process.md §5): the search as
``person.search`` (never what was typed: a name is personal data), an opened person as the identity fields shown.
Results are limited to people with a case in a municipality the reader serves.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from statemachines.kernel.roles import Actor
from statemachines.kernel.sensitivity import Sensitivity
from statemachines.policy.sensitivity import visible_to
from store.access_log import AccessLog
from store.people import IDENTITY_FIELDS, PeopleRepository, Person, PersonCase, search_key

MAX_QUERY_LENGTH = 100  # as typed: a 氏名 or ふりがな is at most 100 characters (``ClientIdentity``)
MAX_RESULTS = 50
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class SearchPurpose(StrEnum):
    """Why a person is looked up: written beside every search and every person opened."""

    CONSULTATION = "consultation"  # 相談受付での本人確認（以前の相談の有無）
    CASEWORK = "casework"  # 担当ケースの確認
    INQUIRY = "inquiry"  # 関係機関・本人からの問い合わせへの対応


PURPOSE_NAMES: dict[SearchPurpose, str] = {
    SearchPurpose.CONSULTATION: "相談受付での本人確認",
    SearchPurpose.CASEWORK: "担当ケースの確認",
    SearchPurpose.INQUIRY: "問い合わせへの対応",
}


PURPOSE_MISSING = (
    f"検索・閲覧の目的を選んでください（{'、'.join(PURPOSE_NAMES.values())}のいずれか。閲覧記録に残ります）。"
)


class PersonNotFound(Exception):
    """No such person among the reader's municipalities."""


class NotAllowedToSeePeople(Exception):
    """The reader's roles may not see who a person is (operations, the administrator)."""


class BadQuery(ValueError):
    """A search that cannot be run as sent: each field at fault (``q``, ``purpose``, ``birth_date``) with what to do,
    in Japanese."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class PeopleQuery:
    """A search as the API and the search box send it, checked (``parse``): what to look for, why, and the birth
    date that narrows it."""

    text: str
    purpose: SearchPurpose
    birth_date: date | None = None

    @classmethod
    def parse(cls, text: str, purpose: str, birth_date: str | None = None) -> PeopleQuery:
        """The search, or BadQuery naming every field at fault. Nothing here reaches the database: a query that is
        too long, blank, an unknown purpose or a day that is none (2026-02-30, year 0000) is refused first."""
        problems: dict[str, str] = {}
        if len(text) > MAX_QUERY_LENGTH:
            problems["q"] = f"氏名またはふりがなは{MAX_QUERY_LENGTH}文字以内で入力してください（一部でも探せます）。"
        elif not search_key(text):
            problems["q"] = "氏名またはふりがなを1文字以上入力してください（空白だけでは探せません）。"
        try:
            reason: SearchPurpose | None = search_purpose(purpose)
        except BadQuery as refused:
            reason, problems = None, {**problems, **refused.problems}
        day = _day(birth_date or "")
        if birth_date and day is None:
            problems["birth_date"] = "生年月日は、実在する日付を 1980-05-01 の形（西暦年-月-日）で入力してください。"
        if problems or reason is None:
            raise BadQuery(problems)
        return cls(text=text, purpose=reason, birth_date=day)


def search_purpose(purpose: str) -> SearchPurpose:
    """The purpose named (``casework``…), or BadQuery asking for one of them."""
    if purpose not in PURPOSE_NAMES:
        raise BadQuery({"purpose": PURPOSE_MISSING})
    return SearchPurpose(purpose)


def _day(raw: str) -> date | None:
    if not _DAY.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:  # 2026-02-30, 0000-01-01
        return None


def new_person_id(case_id: str) -> str:
    """The person of a case opened without naming one: derived from the case id, so a retried opening names the
    same person."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"yorisoi:person:{case_id}").hex[:16]


def may_see_people(actor: Actor) -> bool:
    """Whether ``actor`` may see who a person is (the identity is special care)."""
    return Sensitivity.SPECIAL_CARE in visible_to(actor.roles)


class PeopleService:
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock

    def search(self, actor: Actor, query: PeopleQuery) -> tuple[list[Person], int]:
        """People found by name or kana (partial; hiragana or katakana, either width, spaces ignored)."""
        self._require(actor)
        purpose = query.purpose
        with self._sessions.begin() as session:
            found, total = PeopleRepository(session).search(
                query.text, set(actor.serves), birth_date=query.birth_date, limit=MAX_RESULTS
            )
            fields = ["person.search", *([f"person.{f}" for f in ("name", "name_kana", "birth_date")] if found else [])]
            AccessLog(session).record_person(
                user_id=actor.user_id,
                person_ids=[p.person_id for p in found],
                fields=fields,
                purpose=purpose.value,
                now=self._clock(),
            )
        return found, total

    def open(self, actor: Actor, person_id: str, purpose: str) -> tuple[Person, list[PersonCase]]:
        """One person with their cases (newest first), written to the access log."""
        self._require(actor)
        with self._sessions.begin() as session:
            people = PeopleRepository(session)
            person = people.get(person_id, set(actor.serves))
            if person is None:
                raise PersonNotFound("相談者が見つかりません（担当する自治体のケースの相談者のみ表示できます）。")
            shown = [f"person.{f}" for f in IDENTITY_FIELDS if getattr(person, f) is not None]
            AccessLog(session).record_person(
                user_id=actor.user_id, person_ids=[person_id], fields=shown, purpose=purpose, now=self._clock()
            )
            return person, people.cases_of(person_id, set(actor.serves))

    def cases_of(self, actor: Actor, person_id: str) -> list[PersonCase]:
        """The person's cases the reader may see (numbers and states only: nothing special care)."""
        with self._sessions.begin() as session:
            return PeopleRepository(session).cases_of(person_id, set(actor.serves))

    def names(self, actor: Actor, person_ids: set[str]) -> dict[str, str]:
        """Names for a list, for a reader who may see them (else none)."""
        if not may_see_people(actor):
            return {}
        with self._sessions.begin() as session:
            return PeopleRepository(session).names(person_ids)

    def identity_for_new_case(self, actor: Actor, person_id: str, given: dict[str, Any]) -> dict[str, Any]:
        """The ``client`` of a new consultation of a known person: what is on record, under what was given now."""
        person, _ = self.open(actor, person_id, SearchPurpose.CONSULTATION.value)
        return {**person.identity(), **{k: v for k, v in given.items() if v is not None}}

    @staticmethod
    def _require(actor: Actor) -> None:
        if not may_see_people(actor):
            raise NotAllowedToSeePeople("相談者の氏名等は、この役割では表示できません。")
