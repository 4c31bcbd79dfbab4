"""The seeded rows of a nationwide read model for the read-model benchmark (:mod:`bench.readmodel`): ``cases`` and
``tasks`` as tuples in the tables' column order, and what was made, for choosing callers and reporting.

Distributions: 900 福祉事務所設置自治体 with a Zipf-like share of cases (exponent 0.7: the largest holds about 4.5 %,
like a 政令市); 73 % of the cases ended (相談・情報提供のみ, つなぎ, 終結, 中断), the rest spread over the open states
with モニタリング the largest; one consultant per 200 cases of a municipality, a few cases unassigned; events per
case from 1 (just opened) to about 25 (終結 after a long support), 10 on average; tasks about 3 per case, the open
ones (about 12 %) on open cases, due from 30 days overdue to 60 days ahead, most for SW, then CSW, MUN, ESW, HHSW.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from statemachines.case.record import STATES, CaseState

S = CaseState
STATE_MIX: dict[CaseState, tuple[float, int]] = {
    # state: (share of all cases in %, mean events)
    S.ENDED_INFO_ONLY: (35.0, 3),
    S.REFERRED_OUT: (12.0, 3),
    S.CLOSED: (18.0, 22),
    S.INTERRUPTED: (5.0, 14),
    S.FOLLOW_UP: (3.0, 24),
    S.IDENTIFIED: (0.5, 1),
    S.INTAKE: (2.0, 1),
    S.SCREENING: (2.0, 2),
    S.APPLIED: (1.0, 3),
    S.ASSESSMENT: (3.0, 4),
    S.PLAN_DRAFTING: (3.0, 6),
    S.PLAN_CHECK: (1.0, 7),
    S.PLAN_CONSENTED: (1.0, 8),
    S.MEETING_PENDING: (1.0, 9),
    S.MEETING_REVIEW: (0.5, 10),
    S.DECISION_PENDING: (0.5, 11),
    S.SUPPORT_ACTIVE: (9.0, 15),
    S.CONTACT_LOST: (2.0, 14),
    S.EVALUATION: (1.0, 18),
    S.CLOSURE_REVIEW: (0.5, 20),
}
ENDED = frozenset({S.ENDED_INFO_ONLY, S.REFERRED_OUT, S.CLOSED, S.INTERRUPTED})
UNASSIGNED_STATES = frozenset({S.IDENTIFIED, S.INTAKE, S.SCREENING})
TASK_KINDS: list[tuple[str, str, str, str, str, int]] = [
    # kind, role, command, title_ja, title_en, weight
    ("monitoring_due", "SW", "record_contact", "モニタリング（本人との連絡）", "Monitoring contact is due", 40),
    ("assessment", "SW", "complete_assessment", "アセスメント", "Assessment", 15),
    ("plan_drafting", "SW", "submit_plan", "プランの作成", "Draft the plan", 10),
    ("plan_check", "CSW", "check_plan", "プランの確認", "Check the plan", 10),
    ("meeting", "MUN", "approve_plan", "支援調整会議", "Coordination meeting", 5),
    ("decision", "MUN", "decide_support", "支援決定", "Decide on support", 5),
    ("employment", "ESW", "record_contact", "就労支援", "Employment support", 10),
    ("household", "HHSW", "record_contact", "家計改善支援", "Household budget support", 5),
]
CASES_PER_STAFF = 200
MUNICIPALITIES = 900
ZIPF_EXPONENT = 0.7
CASE_COLUMNS = [
    "case_id", "municipality", "stage", "state", "emergency_active", "assignee", "opened_at", "updated_at",
    "state_entered_at", "closed_at", "next_due_at", "next_due_kind", "ruleset_id", "plan_version", "last_seq",
]  # fmt: skip
TASK_COLUMNS = [
    "task_id", "case_id", "municipality", "kind", "title_ja", "title_en", "role", "assignee", "due_at", "command",
    "status", "opened_seq", "closed_seq", "opened_at", "closed_at",
]  # fmt: skip


@dataclass(frozen=True)
class Volume:
    cases: int
    events_per_case: float = 10.0
    tasks_per_case: float = 3.0
    load_events: bool = True
    """False: the cases keep their numbers of events (``last_seq``) and tasks, but no ``case_events`` rows are
    written: the inbox and pipeline never read them, and 100,000,000 of them would not fit this machine's disk."""


@dataclass
class Generated:
    """What the generator made, for choosing callers and reporting."""

    municipality_cases: Counter[str]
    cases: int = 0
    tasks: int = 0
    open_tasks: int = 0
    events: int = 0


def _stamp(moment: datetime) -> str:
    """UTC wall time in SQLAlchemy's SQLite format, which PostgreSQL reads as a timestamp in the session's UTC."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


class Generator:
    """Seeded rows for ``cases`` and ``tasks``; the municipality of each case is drawn once, up front."""

    def __init__(self, volume: Volume, now: datetime, seed: int = 4) -> None:
        self.volume = volume
        self.now = now
        self.rng = random.Random(seed)
        names = [f"m{k:03d}" for k in range(1, MUNICIPALITIES + 1)]
        weights = [1 / k**ZIPF_EXPONENT for k in range(1, MUNICIPALITIES + 1)]
        self.case_municipality = self.rng.choices(names, weights=weights, k=volume.cases)
        states = list(STATE_MIX)
        self.case_state = self.rng.choices(states, weights=[STATE_MIX[s][0] for s in states], k=volume.cases)
        mean_events = sum(STATE_MIX[s][0] * STATE_MIX[s][1] for s in states) / sum(STATE_MIX[s][0] for s in states)
        self.event_scale = volume.events_per_case / mean_events
        self.generated = Generated(municipality_cases=Counter(self.case_municipality))
        self.staff = {m: max(1, math.ceil(n / CASES_PER_STAFF)) for m, n in self.generated.municipality_cases.items()}
        self.task_table = [(k[:5], k[5]) for k in TASK_KINDS]
        self._case_rows: list[tuple[str, str, CaseState, str | None, datetime, datetime, int]] = []

    def max_seq(self) -> int:
        """The most events of any case generated so far: the events are made by joining a table of 1…max_seq."""
        return max(row[6] for row in self._case_rows)

    def case_id(self, i: int) -> str:
        return f"{(i * 2654435761) % 2**32:08x}{i:08x}"  # random order, like the product's uuid-derived ids

    def cases(self) -> Iterator[tuple[Any, ...]]:
        for i in range(self.volume.cases):
            yield self._case(i)

    def _case(self, i: int) -> tuple[Any, ...]:
        rng, now = self.rng, self.now
        municipality, state = self.case_municipality[i], self.case_state[i]
        ended = state in ENDED
        age = timedelta(days=rng.uniform(0, 1095 if ended or state is S.FOLLOW_UP else 400))
        opened = now - age
        entered = opened + age * rng.uniform(0.1, 0.9)
        updated = entered + (now - entered) * rng.uniform(0, 0.5)
        unassigned = state in UNASSIGNED_STATES and rng.random() < 0.3
        assignee = None if unassigned else f"{municipality}-sw{rng.randrange(self.staff[municipality])}"
        due = None if ended else now + timedelta(days=rng.uniform(-30, 90))
        seq = max(1, round(STATE_MIX[state][1] * self.event_scale * rng.uniform(0.5, 1.5)))
        case_id = self.case_id(i)
        self._case_rows.append((case_id, municipality, state, assignee, opened, updated, seq))
        self.generated.cases += 1
        return (
            case_id, municipality, STATES[state].stage.value, state.value, (not ended) and rng.random() < 0.02,
            assignee, _stamp(opened), _stamp(updated), _stamp(entered), _stamp(entered) if ended else None,
            _stamp(due) if due else None, "monitoring" if due else None, "default", 1, seq,
        )  # fmt: skip

    def tasks(self) -> Iterator[tuple[Any, ...]]:
        """About ``tasks_per_case`` per case, in proportion to its events; the last one or two of an open case open."""
        per_event = self.volume.tasks_per_case / self.volume.events_per_case
        for case_id, municipality, state, assignee, opened, updated, seq in self._case_rows:
            count = max(1, round(seq * per_event * self.rng.uniform(0.5, 1.5)))
            still_open = 0 if state in ENDED else (2 if self.rng.random() < 0.3 else 1)
            for t in range(count):
                yield self._task(case_id, municipality, assignee, opened, updated, seq, t, t >= count - still_open)

    def _task(
        self,
        case_id: str,
        municipality: str,
        case_assignee: str | None,
        opened: datetime,
        updated: datetime,
        seq: int,
        t: int,
        is_open: bool,
    ) -> tuple[Any, ...]:
        rng = self.rng
        (kind, role, command, title_ja, title_en), _ = rng.choices(
            self.task_table, weights=[w for _, w in self.task_table]
        )[0]
        assignee = self._task_assignee(role, municipality, case_assignee)
        opened_seq = min(seq, 1 + t)
        task_opened = opened + (updated - opened) * rng.random()
        self.generated.tasks += 1
        if is_open:
            self.generated.open_tasks += 1
            due = None if rng.random() < 0.05 else self.now + timedelta(days=rng.uniform(-30, 60))
            closed_at, status, closed_seq = None, "open", None
        else:
            due = task_opened + timedelta(days=rng.uniform(7, 30))
            closed_at, closed_seq = _stamp(task_opened + (updated - task_opened) * rng.random()), seq
            status = "done" if rng.random() < 0.9 else "cancelled"
        return (
            f"{case_id}:{opened_seq}:{kind}:{t}", case_id, municipality, kind, title_ja, title_en, role, assignee,
            _stamp(due) if due else None, command, status, opened_seq, closed_seq, _stamp(task_opened), closed_at,
        )  # fmt: skip

    def _task_assignee(self, role: str, municipality: str, case_assignee: str | None) -> str | None:
        rng = self.rng
        if role == "SW":
            return case_assignee if rng.random() < 0.85 else None
        if role in ("ESW", "HHSW"):
            return f"{municipality}-{role.lower()}{rng.randrange(max(1, self.staff[municipality] // 4))}"
        return f"{municipality}-{role.lower()}0" if rng.random() < 0.3 else None  # CSW, MUN: mostly the role's queue
