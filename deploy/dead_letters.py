"""Dead letters, for operations: ``python -m deploy.dead_letters list`` and ``retry [--case-id ID]``.

A projection that failed every try holds its case (or enrolment): the workflow keeps the event and refuses new
commands (503 ``projection_failed``), ``/api/health`` counts it under ``projections``, and an OPS task says which
case and seq. Once the cause is fixed (the database has room again, a constraint or trigger was corrected, a bug
was deployed away), ``retry`` has each held workflow try its event again: exit status 0 when every one went
through, 1 when one failed again (its new dead letter stays), 2 on a usage error. The work is
``services.dead_letters``; this entry only reads the settings.
"""

from __future__ import annotations

import argparse
import asyncio

from deploy.connect import connect_temporal, data_keys
from services.dead_letters import retry, waiting
from settings import Settings
from store.db import make_engine, session_factory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.dead_letters", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the dead letters waiting, oldest first")
    again = commands.add_parser("retry", help="have each held workflow try its event again")
    again.add_argument("--case-id", help="only this case's (default: every one waiting)")
    args = parser.parse_args(argv)
    settings = Settings()
    engine = make_engine(settings.effective_database_url)
    sessions = session_factory(engine)
    try:
        if args.command == "list":
            letters = waiting(sessions)
            for w in letters:
                when = w.failed_at.isoformat(timespec="seconds")
                print(f"{when}  {w.kind:<7} {w.workflow_id}  seq {w.seq}  {w.error_type}: {w.error}")
            print(f"{len(letters)} waiting")
            return 0

        async def retried() -> int:
            client = await connect_temporal(settings, data_keys(settings, sessions))
            results = await retry(client, sessions, args.case_id)
            for r in results:
                verdict = "projected" if r.projected else f"NOT projected ({r.why})"
                print(f"{r.letter.workflow_id}  seq {r.letter.seq}: {verdict}")
            print(f"{sum(r.projected for r in results)} of {len(results)} projected")
            return 0 if all(r.projected for r in results) else 1

        return asyncio.run(retried())
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
