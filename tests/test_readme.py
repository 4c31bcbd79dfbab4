"""The README shows the process as the code defines it, and names exactly the two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

from statemachines.describe import diagram

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_the_readme_diagram_is_the_generated_one() -> None:
    block = re.search(r"<!-- diagram:start -->\n```mermaid\n(.*?)```\n<!-- diagram:end -->", README, re.S)
    assert block is not None
    assert block.group(1) == diagram(), "run: python -m statemachines diagram, and paste it into README.md"


def test_the_readme_names_the_two_commands() -> None:
    commands = re.findall(r"^make (\w+)", README, re.M)
    assert commands == ["run", "test"]
