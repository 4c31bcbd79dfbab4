"""Server-side time to download each 帳票 as PDF (issue 14's target: p95 ≤ 500 ms per form).

Run: ``make bench-forms`` (or ``python -m bench.forms --rounds 30``). The stack of ``bench.pages`` (a real dev server
and worker, the demo world); one case is walked from 相談受付 to 終結 by the demo script (``deploy.demo``) and given a
ハローワーク支援要請, then each form is downloaded over HTTP with a page session: the Temporal queries, the names, the
typst render and the access log together. Results go to ``bench/results/forms.json`` and a table on stdout.
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

from bench.pages import login, measure, running_app
from deploy.demo import DEMO_SCRIPT
from store.accounts import DEMO_PASSWORD

TARGET_MS = 500.0
RESULTS = Path(__file__).parent / "results" / "forms.json"
FORMS = ("intake", "assessment", "plan", "progress", "evaluation", "hello_work", "decision-work_readiness")
HELLO_WORK = [
    ("consent", {"consented_on": "2026-04-02", "policy_version": "2025-04", "signed_by_client": True}),
    ("send_request", {"office_id": "hw-city-a", "sent_on": "2026-04-03"}),
]


async def token(http: httpx.AsyncClient, user: str) -> dict[str, str]:
    response = await http.post("/api/auth/token", data={"username": user, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def walked_case(http: httpx.AsyncClient) -> str:
    """A case with every form's records: the demo script to 終結, after a ハローワーク支援要請 once C1 is signed."""
    users = {user: await token(http, user) for user in ("sw1", "csw1", "esw1", "mun1")}
    body = {"municipality": "city-a", "client": {"name": "寄添 花子", "name_kana": "よりそい はなこ"}}
    case_id: str = (await http.post("/api/cases", json=body, headers=users["sw1"])).json()["case_id"]
    for step, (user, command, payload) in enumerate(DEMO_SCRIPT):
        sent = await http.post(
            f"/api/cases/{case_id}/commands", json={"command": command, "payload": payload}, headers=users[user]
        )
        assert sent.status_code == 200, (command, sent.text)
        if step == 1:  # C1 signed: the ハローワーク支援要請 may start
            await _hello_work(http, case_id, users["esw1"])
    return case_id


async def _hello_work(http: httpx.AsyncClient, case_id: str, esw: dict[str, str]) -> None:
    started = await http.post(f"/api/cases/{case_id}/programs", json={"program": "hello_work"}, headers=esw)
    enrolment = started.json()["enrolment"]["enrolment_id"]
    for command, payload in HELLO_WORK:
        url = f"/api/cases/{case_id}/programs/{enrolment}/commands"
        sent = await http.post(url, json={"command": command, "payload": payload}, headers=esw)
        assert sent.status_code == 200, (command, sent.text)


async def run(rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_app(tmp, "bench-forms", lambda sessions: None) as (app, _):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                case_id = await walked_case(http)
                await login(http, "sw1")
                results = {}
                for form in FORMS:
                    results[form] = await measure(http, f"/cases/{case_id}/forms/{form}.pdf", rounds)
                    print(f"{form:26} {results[form]}", flush=True)
    return {
        "measured_at": datetime.now(UTC).isoformat(),
        "rounds": rounds,
        "target_ms": TARGET_MS,
        "forms": results,
        "all_within_target": all(r["p95_ms"] <= TARGET_MS for r in results.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    report = asyncio.run(run(args.rounds))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n{'form':26} {'p50 ms':>8} {'p95 ms':>8}  (target p95 ≤ {TARGET_MS:.0f} ms)")
    for name, figures in report["forms"].items():
        print(f"{name:26} {figures['p50_ms']:>8} {figures['p95_ms']:>8}")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
