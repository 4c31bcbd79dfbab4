"""Regenerate monthly reports from the event log, with progress:
``python -m deploy.reports_cli regenerate --municipality X --from 2025-04 --to 2026-03 [--verify-submitted]``.

A month's report is counted from every event up to its end, so a year of months on a national store takes a while:
each month prints a line as it is done (``[3/12] 2025-06 … hash …``). With ``--verify-submitted`` each month's
submitted versions are compared with the regeneration and the command exits 1 when the standing (latest) version of
some month no longer has the regenerated hash, naming the figures that changed (a correction recorded after the
month was reported, or a changed 目安値 or population).

The work is ``services.reports.regenerate``; this entry only reads the settings (the database), which only the
composition roots may do.
"""

from __future__ import annotations

import argparse
import re

from services.reports import months_between, regenerate
from settings import Settings
from store.db import make_engine, session_factory

MONTH = re.compile(r"^20[0-9]{2}-(0[1-9]|1[0-2])$")


def _month(value: str) -> str:
    if not MONTH.fullmatch(value):
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM): {value!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.reports_cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    again = commands.add_parser("regenerate", help="regenerate a range of months, one progress line per month")
    again.add_argument("--municipality", required=True, help="the municipality's id (e.g. city-a)")
    again.add_argument("--from", dest="first", type=_month, required=True, metavar="YYYY-MM")
    again.add_argument("--to", dest="last", type=_month, required=True, metavar="YYYY-MM")
    again.add_argument(
        "--verify-submitted", action="store_true", help="compare with the submitted versions; exit 1 on a difference"
    )
    args = parser.parse_args(argv)
    months = months_between(args.first, args.last)
    if not months:
        parser.error("--to comes before --from")
    engine = make_engine(Settings().effective_database_url)
    try:
        return regenerate(
            session_factory(engine),
            args.municipality,
            months,
            verify_submitted=args.verify_submitted,
            say=lambda line: print(line, flush=True),
        )
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
