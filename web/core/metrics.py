"""The API's Prometheus metrics (issue 15, "Metrics"): what ``GET /metrics`` serves (``web/admin/metrics.py``).

Measured as requests go by (``web.core.request_log`` calls ``observe`` once per request):

- ``yorisoi_http_request_duration_seconds``: a histogram by route *template* (``/api/cases/{case_id}``, never the
  path itself: no id reaches a label and the label set stays bounded), method and status class (``2xx``);
- ``yorisoi_commands_total``: commands by name and outcome (accepted, rejected 409, invalid 422, forbidden 403,
  unavailable 503, …), those of the API and of the case page's forms.

Read from the read model at each scrape (``ReadModelGauges``, one query each, ``store.operations``): the dead
letters waiting and the cases they hold, the open and overdue tasks by municipality, the last nightly integrity run.

Every label value comes from a closed set (route templates, commands of the process tables, municipalities), so no
case id, user id or name can become one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Scope

from statemachines.case.engine import CASE
from statemachines.programs.registry import PROGRAMS
from store.db import reading
from store.operations import dead_letters_waiting, last_nightly_integrity_run, tasks_by_municipality

COMMAND_KEY = "yorisoi.command"
"""Where a route notes the command it was sent (``note_command``), for the count once the answer is known."""

COMMANDS = frozenset(
    {"open_consultation", "start_program"}
    | {t.value for t in CASE.triggers}
    | {t.value for p in PROGRAMS for t in p.triggers}
)
"""Every command a request can name; any other name is counted as ``(unknown)``."""

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"
UNKNOWN = "(unknown)"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
OUTCOMES = {
    409: "rejected",
    422: "invalid",
    403: "forbidden",
    503: "unavailable",
    404: "not_found",
    401: "unauthenticated",
}


def method_label(method: str) -> str:
    """The method as a label (and a log field): one of the known methods, else ``OTHER``."""
    return method if method in METHODS else "OTHER"


def note_command(scope: Scope, command: str) -> None:
    """A route's note of the command it was sent: counted by the outcome its answer shows."""
    scope[COMMAND_KEY] = command


def command_outcome(status: int) -> str:
    if 200 <= status < 400:  # the API's 200/201, a page's redirect after the command ran
        return "accepted"
    return OUTCOMES.get(status, "error")


def command_of(scope: Scope, method: str) -> str | None:
    """The command a request sent: as its route noted it, or a page form's ``{command}`` path parameter."""
    noted = scope.get(COMMAND_KEY)
    if noted is None and method == "POST":
        noted = (scope.get("path_params") or {}).get("command")
    if noted is None:
        return None
    return noted if noted in COMMANDS else UNKNOWN


class ApiMetrics:
    """The API's registry: one per app (two apps in one process, as in the tests, count apart)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.latency = Histogram(
            "yorisoi_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template, method and status class",
            ["route", "method", "status_class"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.commands = Counter(
            "yorisoi_commands",
            "Commands sent (API and case page forms), by command and outcome",
            ["command", "outcome"],
            registry=self.registry,
        )
        self._gauges: Collector | None = None

    def observe(self, *, route: str, method: str, status: int, seconds: float, command: str | None) -> None:
        status_class = f"{status // 100}xx"
        self.latency.labels(route=route, method=method_label(method), status_class=status_class).observe(seconds)
        if command is not None:
            self.commands.labels(command=command, outcome=command_outcome(status)).inc()

    def watch(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        """From now on each scrape also reads the read model (the app's lifespan calls it with its store)."""
        self.forget()
        self._gauges = ReadModelGauges(sessions, clock)
        self.registry.register(self._gauges)

    def forget(self) -> None:
        if self._gauges is not None:
            self.registry.unregister(self._gauges)
            self._gauges = None


class ReadModelGauges:
    """The gauges read at scrape time. ``yorisoi_read_model_up`` is 0 (and the others absent) when the read model
    did not answer: a scrape never fails for it."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self._sessions, self._clock = sessions, clock

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("yorisoi_read_model_up", "1 when the read model answered this scrape's queries")
        try:
            with reading(self._sessions) as session:
                found = list(self._read(session))
        except Exception:  # the read model is down: /api/health says which part; the scrape says so too
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *found]

    def _read(self, session: Session) -> Iterable[Metric]:
        letters = dead_letters_waiting(session)
        yield _gauge("yorisoi_dead_letters_waiting", "Dead letters waiting for an operator", letters.waiting)
        yield _gauge("yorisoi_cases_held", "Cases held by a dead letter (they answer 503)", letters.cases_held)
        open_tasks = GaugeMetricFamily("yorisoi_open_tasks", "Open tasks, by municipality", labels=["municipality"])
        overdue = GaugeMetricFamily(
            "yorisoi_overdue_tasks", "Open tasks past their due time, by municipality", labels=["municipality"]
        )
        for row in tasks_by_municipality(session, self._clock()):
            open_tasks.add_metric([row.municipality], row.open)
            overdue.add_metric([row.municipality], row.overdue)
        yield open_tasks
        yield overdue
        run = last_nightly_integrity_run(session)
        if run is not None and run.finished_at is not None:
            yield _gauge(
                "yorisoi_integrity_last_run_finished_timestamp_seconds",
                "When the last nightly integrity check finished (Unix time)",
                run.finished_at.timestamp(),
            )
            yield _gauge("yorisoi_integrity_last_run_cases_checked", "Cases the last nightly run checked", run.checked)
            yield _gauge("yorisoi_integrity_last_run_cases_broken", "Broken chains the last run found", run.broken)


def _gauge(name: str, documentation: str, value: Any) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
