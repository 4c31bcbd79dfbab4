"""``python -m statemachines describe`` prints the processes as JSON; ``diagram`` prints the Mermaid diagram."""

from __future__ import annotations

import argparse
import json
import sys

from statemachines.describe import describe, diagram


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m statemachines", description=__doc__)
    parser.add_argument("what", choices=["describe", "diagram"])
    args = parser.parse_args(argv)
    if args.what == "describe":
        json.dump(describe(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(diagram())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
