"""Stored rule sets: the versioned durations each municipality runs its cases by (the repository never commits).

The national versions :data:`statemachines.kernel.rules.NATIONAL_RULESETS` are always part of the rule book; a stored
rule set with the id of one replaces it. Rule sets are never changed once stored: cases pin them by id.
"""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from statemachines.kernel.rules import NATIONAL_RULESETS, RuleBook, RuleSet
from store.errors import DuplicateRulesetError
from store.models import RulesetRecord


class RulesetRepository:
    """Rule sets, inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, ruleset: RuleSet, created_by: str, now: datetime) -> None:
        """Store ``ruleset``; :class:`DuplicateRulesetError` if its id, or its municipality and date, are taken."""
        self._check_new(ruleset)
        record = RulesetRecord(
            ruleset_id=ruleset.ruleset_id,
            municipality=ruleset.municipality,
            effective_from=ruleset.effective_from,
            body=ruleset.model_dump(mode="json"),
            created_at=now,
            created_by=created_by,
        )
        try:
            with self._session.begin_nested():
                self._session.add(record)
        except IntegrityError as exc:
            raise DuplicateRulesetError(ruleset.ruleset_id, "同時に登録されました。") from exc

    def list(self, municipality: str | None = None) -> builtins.list[RuleSet]:
        """The rule book's rule sets (the default included unless replaced), by municipality then effective date."""
        found = [r for r in self._rulesets() if municipality is None or r.municipality == municipality]
        return sorted(found, key=lambda r: (r.municipality, r.effective_from, r.ruleset_id))

    def get(self, ruleset_id: str) -> RuleSet | None:
        """The stored rule set, or the default for its id (unless replaced), else None."""
        record = self._session.get(RulesetRecord, ruleset_id)
        if record is not None:
            return RuleSet.model_validate(record.body)
        return next((r for r in NATIONAL_RULESETS if r.ruleset_id == ruleset_id), None)

    def rulebook(self) -> RuleBook:
        return RuleBook(rulesets=self.list())

    def _rulesets(self) -> builtins.list[RuleSet]:
        stmt = select(RulesetRecord).order_by(RulesetRecord.municipality, RulesetRecord.effective_from)
        stored = [RuleSet.model_validate(r.body) for r in self._session.scalars(stmt)]
        ids = {r.ruleset_id for r in stored}
        return stored + [r for r in NATIONAL_RULESETS if r.ruleset_id not in ids]

    def _check_new(self, ruleset: RuleSet) -> None:
        if self._session.get(RulesetRecord, ruleset.ruleset_id) is not None:
            raise DuplicateRulesetError(ruleset.ruleset_id, "このIDは既に登録されています。")
        for other in self._rulesets():
            same_slot = (other.municipality, other.effective_from) == (ruleset.municipality, ruleset.effective_from)
            if same_slot and other.ruleset_id != ruleset.ruleset_id:
                raise DuplicateRulesetError(
                    ruleset.ruleset_id,
                    f"{ruleset.municipality} の {ruleset.effective_from.isoformat()} 施行分は "
                    f"{other.ruleset_id} として登録済みです。",
                )
