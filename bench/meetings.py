"""Server-side time to print a 支援調整会議's agenda packet of 30 cases (issue 14 item 2): one PDF page per case.

Run: ``make bench-meetings`` (or ``python -m bench.meetings --cases 30 --rounds 10``). The stack of ``bench.pages`` (a
real dev server and worker, the demo world); ``--cases`` cases are walked by the demo script (``deploy.demo``) to
their plan put on the agenda (T13), a sitting of A市 takes them all on its agenda, and its packet is downloaded over
HTTP with a page session: a Temporal query per case, the names, the typst render of every page and an access-log line
per case together. Results go to ``bench/results/meetings.json`` and a line on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.forms import token
from bench.pages import login, measure, running_app
from deploy.demo import DEMO_SCRIPT

TARGET_MS = 3000.0  # 30 pages: 100 ms a page
RESULTS = Path(__file__).parent / "results" / "meetings.json"
TO_AGENDA = DEMO_SCRIPT[: [command for _, command, _ in DEMO_SCRIPT].index("put_on_agenda") + 1]
MEMBERS = [
    {"organisation": "A市 自立相談支援機関", "role_label": "主任相談支援員"},
    {"organisation": "A市 福祉課", "is_municipal_official": True},
    {"organisation": "社会福祉協議会"},
]


async def waiting_case(http: httpx.AsyncClient, users: dict[str, dict[str, str]], n: int) -> str:
    body = {"municipality": "city-a", "client": {"name": f"会議 太郎{n}", "name_kana": "かいぎ たろう"}}
    case_id: str = (await http.post("/api/cases", json=body, headers=users["sw1"])).json()["case_id"]
    for user, command, payload in TO_AGENDA:
        sent = await http.post(
            f"/api/cases/{case_id}/commands", json={"command": command, "payload": payload}, headers=users[user]
        )
        assert sent.status_code == 200, (command, sent.text)
    return case_id


async def sitting_of(http: httpx.AsyncClient, cases: int) -> str:
    """A sitting of A市 with ``cases`` plans on its agenda."""
    users = {user: await token(http, user) for user in ("sw1", "csw1")}
    case_ids = [await waiting_case(http, users, n) for n in range(cases)]
    body = {"municipality": "city-a", "held_on": "2026-12-10", "members": MEMBERS}
    created = await http.post("/api/meetings", json=body, headers=users["csw1"])
    meeting_id: str = created.json()["sitting"]["meeting_id"]
    added = await http.post(f"/api/meetings/{meeting_id}/agenda", json={"case_ids": case_ids}, headers=users["csw1"])
    assert added.status_code == 200, added.text
    return meeting_id


async def run(cases: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_app(tmp, "bench-meetings", lambda sessions: None) as (app, _):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as http:
                meeting_id = await sitting_of(http, cases)
                await login(http, "csw1")
                packet = await measure(http, f"/meetings/{meeting_id}/packet.pdf", rounds)
    return {
        "measured_at": datetime.now(UTC).isoformat(),
        "cases": cases,
        "rounds": rounds,
        "target_ms": TARGET_MS,
        "packet": packet,
        "within_target": packet["p95_ms"] <= TARGET_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    report = asyncio.run(run(args.cases, args.rounds))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    figures = report["packet"]
    print(f"packet of {report['cases']} cases: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms", end="")
    print(f" (target p95 ≤ {TARGET_MS:.0f} ms); written to {RESULTS}")


if __name__ == "__main__":
    main()
