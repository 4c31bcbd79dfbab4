"""The monthly reports (支援状況調査) as an application service: months, and the regeneration of a range of them.

``regenerate`` recomputes a range of months and, asked to, compares each with the version submitted last: what the
command-line entry (``deploy/reports_cli.py``, which alone may read the settings) runs. The pages and the exports of
``web/reports`` use the same month arithmetic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from store.reports import MonthlyReport, ReportRepository, Submitted, differences


def figure_value(value: float | None) -> str | int | float:
    """A count as an integer (4, not 4.0), a ratio as it is, nothing as an empty cell."""
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else value


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (``YYYY-MM``), both included; empty when ``last`` comes first."""
    fy, fm = (int(p) for p in first.split("-"))
    ly, lm = (int(p) for p in last.split("-"))
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(fy * 12 + fm - 1, ly * 12 + lm)]


def months_back(month: str, count: int) -> list[str]:
    """The ``count`` months up to ``month``, oldest first."""
    year, mon = (int(p) for p in month.split("-"))
    first = year * 12 + mon - 1 - (count - 1)
    return months_between(f"{first // 12:04d}-{first % 12 + 1:02d}", month)


def _verdict(report: MonthlyReport, versions: list[Submitted]) -> tuple[str, bool]:
    """What the submitted versions say against the regeneration, and whether the standing (latest) one differs."""
    if not versions:
        return "未提出", False
    parts = []
    for v in versions:
        same = v.hash == report.hash
        parts.append(f"第{v.version}版 {v.hash[:12]} {'一致' if same else '不一致'}")
    latest = versions[-1]
    if latest.hash == report.hash:
        return "、".join(parts), False
    changed = ", ".join(
        f"{d.label_ja.strip()} {figure_value(d.submitted)}→{figure_value(d.now)}"
        for d in differences(latest.report, report)
    )
    definitions = ""
    if latest.report.definitions != report.definitions:
        definitions = f"集計定義 {latest.report.definitions}→{report.definitions}; "
    return "、".join(parts) + f"（差分: {definitions}{changed or '目安値・人口など'}）", True


def regenerate(
    sessions: sessionmaker[Session],
    municipality: str,
    months: Sequence[str],
    *,
    verify_submitted: bool,
    say: Callable[[str], None],
) -> int:
    """Regenerate each month, one line of progress per month; 1 when, asked to verify, a month's latest submitted
    version no longer has the regenerated hash (earlier versions, superseded by a 修正報告, are listed only)."""
    differing = []
    for index, month in enumerate(months, start=1):
        started = time.monotonic()
        with sessions.begin() as session:
            repo = ReportRepository(session)
            report = repo.monthly(municipality, month)
            versions = repo.submitted(municipality, month) if verify_submitted else []
        line = f"[{index}/{len(months)}] {month} … hash {report.hash} （{time.monotonic() - started:.1f}秒）"
        if verify_submitted:
            verdict, differs = _verdict(report, versions)
            line += f" 提出: {verdict}"
            if differs:
                differing.append(month)
        say(line)
    if verify_submitted:
        if differing:
            say(f"提出済みの報告と異なる月: {', '.join(differing)}")
            return 1
        say("提出済みの報告はすべて再集計と一致しました。")
    return 0
