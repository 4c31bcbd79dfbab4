"""The house rules of design.md, read from the source with ``ast``: who may import whom, and no clocks or dice.

The layers, lowest first (README, "How it is built"):
``statemachines/kernel`` (the engine: tables, guards, outcomes, events, rules, roles, permissions) imports nothing of
the project; ``statemachines/case`` the kernel; ``statemachines/policy`` (sensitivity, retention, statistics,
scheduling, institutions) the kernel and the case; ``statemachines/programs`` the kernel and the policies, never the
case's internals; ``workflows/`` only statemachines/ (the sandbox re-imports workflow files, and a settings read
inside it fails); ``workflows/activity_refs`` (the name, input and result type of each activity) only statemachines/,
so that ``activities/`` may import it, and nothing else of workflows/, to declare its activities by the same
reference the workflows call them by; ``activities/`` statemachines/, store/ and those references; ``store/``
statemachines/; ``services/`` (the application services) statemachines/, workflows/ and store/; ``web/core`` those
and services/; the feature folders of ``web/`` all of these and each other; nothing imports api.py or worker.py;
settings.py is read only by the composition roots (api.py, worker.py, deploy/). The process definition and the
workflows never read the clock, draw random numbers or make uuid4s of their own: workflows get them from
``workflow.now()`` / ``workflow.uuid4()``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("statemachines", "workflows", "activities", "store", "services", "web", "deploy", "bench")
MODULES = ("api", "worker", "settings")
PROJECT = frozenset(PACKAGES + MODULES)

_PROCESS = frozenset(
    {"statemachines", "statemachines.kernel", "statemachines.case", "statemachines.policy", "statemachines.programs"}
)
_WORKFLOWS = frozenset({"workflows", "workflows.activity_refs"})
ALLOWED: dict[str, frozenset[str]] = {
    "statemachines.kernel": frozenset({"statemachines.kernel"}),
    "statemachines.case": frozenset({"statemachines.kernel", "statemachines.case"}),
    "statemachines.policy": frozenset({"statemachines.kernel", "statemachines.case", "statemachines.policy"}),
    "statemachines.programs": frozenset({"statemachines.kernel", "statemachines.policy", "statemachines.programs"}),
    "statemachines": _PROCESS,
    "workflows.activity_refs": _PROCESS | {"workflows.activity_refs"},
    "workflows": _PROCESS | _WORKFLOWS,
    "activities": _PROCESS | {"workflows.activity_refs", "store", "activities"},
    "store": _PROCESS | {"store"},
    "services": _PROCESS | _WORKFLOWS | {"store", "services"},
    "web.core": _PROCESS | _WORKFLOWS | {"store", "services", "web.core"},
    "web": _PROCESS | _WORKFLOWS | {"store", "services", "web.core", "web"},
    "deploy": _PROCESS | _WORKFLOWS | {"activities", "store", "services", "deploy", "settings"},
    # bench/ measures the whole system as `make run` starts it: like tests/, it may start the composition roots
    "bench": _PROCESS
    | _WORKFLOWS
    | {"activities", "store", "services", "deploy", "bench", "settings", "api", "worker"},
}
"""For each layer, the only project packages it may import."""

NEVER_IMPORTED = frozenset({"api", "worker"})
SETTINGS_READERS = frozenset({"api", "worker", "deploy", "bench"})
HARNESSES = frozenset({"bench"})  # start the composition roots to measure them
DETERMINISTIC = ("statemachines", "workflows")

BANNED_CALLS = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
        "time.time_ns",
        "uuid.uuid1",
        "uuid.uuid4",
    }
)
BANNED_MODULES = frozenset({"random", "secrets"})


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str  # absolute dotted name

    @property
    def top(self) -> str:
        return self.module.split(".")[0]

    @property
    def target(self) -> str:
        """The layer imported: ``statemachines.kernel`` for ``statemachines.kernel.roles``."""
        return _most_specific(self.module.split("."))

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line} imports {self.module}"


def source_files() -> list[Path]:
    """Every .py file of the project that exists today (web/ and api.py may still be empty or missing)."""
    files: list[Path] = []
    for package in PACKAGES:
        folder = ROOT / package
        if folder.is_dir():
            files.extend(p for p in sorted(folder.rglob("*.py")) if "__pycache__" not in p.parts)
    files.extend(ROOT / f"{m}.py" for m in MODULES if (ROOT / f"{m}.py").is_file())
    return files


def _most_specific(parts: tuple[str, ...] | list[str]) -> str:
    """The layer of a dotted name's parts: ``statemachines.case`` for ``statemachines/case/...``, else its top."""
    if len(parts) > 1 and ".".join(parts[:2]) in ALLOWED:
        return ".".join(parts[:2])
    return parts[0]


def layer(path: Path) -> str:
    """The layer (a package, a sub-package named in ALLOWED, or a top-level module) a file belongs to."""
    relative = path.relative_to(ROOT)
    if len(relative.parts) == 1:
        return relative.stem
    return _most_specific(relative.parts[:-1] if len(relative.parts) > 2 else relative.parts[:1])


def _package_of(path: Path) -> list[str]:
    """The dotted package a file's relative imports start from (its folder, for __init__.py too)."""
    return list(path.relative_to(ROOT).parts[:-1])


def imports_in(path: Path, tree: ast.AST) -> Iterator[Import]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield Import(path, node.lineno, node.module or "")
                continue
            package = _package_of(path)
            base = package[: len(package) - (node.level - 1)]
            if node.module:
                yield Import(path, node.lineno, ".".join([*base, node.module]))
            else:
                for alias in node.names:
                    yield Import(path, node.lineno, ".".join([*base, alias.name]))


def parsed(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse``, asked again when CPython 3.11.7 reports "AST constructor recursion depth mismatch": its AST
    state is shared by the interpreter's threads, and a thread an earlier test left running (a worker's, a
    server's) that builds an AST at the same moment trips the check (CPython gh-106905).
    The source is not at fault: the same text parses the next time."""
    for _ in range(PARSE_TRIES - 1):
        try:
            return ast.parse(source, filename=filename)
        except SystemError as exc:
            if "recursion depth mismatch" not in str(exc):
                raise
    return ast.parse(source, filename=filename)


PARSE_TRIES = 5


def project_imports(path: Path) -> list[Import]:
    tree = parsed(path.read_text(encoding="utf-8"), filename=str(path))
    return [i for i in imports_in(path, tree) if i.top in PROJECT]


def all_project_imports() -> list[Import]:
    return [i for path in source_files() for i in project_imports(path)]


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the dotted name it was imported as."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.expr) -> list[str] | None:
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    names.append(node.id)
    return names[::-1]


def nondeterminism(source: str, filename: str = "<source>") -> list[str]:
    """Each use of the wall clock, randomness or uuid1/uuid4 in ``source``, as ``filename:line name``."""
    tree = parsed(source, filename=filename)
    aliases = _aliases(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found.extend(f"{filename}:{node.lineno} import {m}" for m in modules if m.split(".")[0] in BANNED_MODULES)
            continue
        if not isinstance(node, ast.Attribute | ast.Name):
            continue
        parts = _dotted(node)
        if parts is None:
            continue
        root = parts[0]
        resolved = ".".join([aliases.get(root, root), *parts[1:]])
        imported = root in aliases
        clock_or_uuid = resolved in BANNED_CALLS and (isinstance(node, ast.Attribute) or imported)
        dice = isinstance(node, ast.Name) and imported and aliases[root].split(".")[0] in BANNED_MODULES
        if clock_or_uuid or dice:
            found.append(f"{filename}:{node.lineno} {resolved}")
    return found


# --- the checker itself --------------------------------------------------------------------------------------------


def test_the_checker_finds_the_clock_dice_and_uuid4_however_they_were_imported() -> None:
    source = "\n".join(
        [
            "import datetime as dt",
            "from datetime import date",
            "from datetime import datetime",
            "from time import time",
            "import uuid",
            "from random import choice",
            "a = dt.datetime.now()",
            "b = date.today()",
            "c = datetime.utcnow()",
            "d = time()",
            "e = uuid.uuid4()",
            "f = choice([1, 2])",
        ]
    )
    assert nondeterminism(source, "x.py") == [
        "x.py:6 import random",
        "x.py:7 datetime.datetime.now",
        "x.py:8 datetime.date.today",
        "x.py:9 datetime.datetime.utcnow",
        "x.py:10 time.time",
        "x.py:11 uuid.uuid4",
        "x.py:12 random.choice",
    ]


def test_the_checker_allows_the_workflow_s_own_clock_and_datetime_time() -> None:
    source = "\n".join(
        [
            "from datetime import datetime, time, timedelta",
            "from temporalio import workflow",
            "a = workflow.now()",
            "b = workflow.uuid4()",
            "c = workflow.random().random()",
            "d = time(0)",
            "e = datetime.combine(a.date(), d) + timedelta(days=1)",
            "def f(now: datetime) -> datetime:",
            "    return now",
        ]
    )
    assert nondeterminism(source) == []


def test_relative_imports_resolve_to_their_package() -> None:
    path = ROOT / "workflows" / "case_workflow.py"
    tree = parsed("from . import search_attributes\nfrom ..store import db\nfrom .messages import X\n")
    found = list(imports_in(path, tree))
    assert [i.module for i in found] == ["workflows.search_attributes", "store", "workflows.messages"]
    assert [i.top for i in found] == ["workflows", "store", "workflows"]


def layer_violations(imports: list[Import]) -> list[str]:
    return [i.where() for i in imports if layer(i.path) in ALLOWED and i.target not in ALLOWED[layer(i.path)]]


def composition_root_violations(imports: list[Import]) -> list[str]:
    return [i.where() for i in imports if i.top in NEVER_IMPORTED and layer(i.path) not in HARNESSES]


def settings_violations(imports: list[Import]) -> list[str]:
    return [i.where() for i in imports if i.top == "settings" and layer(i.path) not in SETTINGS_READERS]


def test_the_rules_flag_imports_against_the_layering() -> None:
    fake = [
        Import(ROOT / "workflows" / "bad.py", 3, "store.db"),
        Import(ROOT / "workflows" / "bad.py", 4, "settings"),
        Import(ROOT / "workflows" / "bad.py", 5, "statemachines.case.engine"),
        Import(ROOT / "statemachines" / "kernel" / "x.py", 1, "workflows.messages"),
        Import(ROOT / "statemachines" / "kernel" / "y.py", 2, "statemachines.case.record"),
        Import(ROOT / "statemachines" / "programs" / "p" / "z.py", 3, "statemachines.case.engine"),
        Import(ROOT / "statemachines" / "programs" / "p" / "z.py", 4, "statemachines.kernel.outcomes"),
        Import(ROOT / "services" / "s.py", 1, "web.core.deps"),
        Import(ROOT / "web" / "core" / "d.py", 1, "web.cases.api"),
        Import(ROOT / "web" / "cases" / "api.py", 1, "web.core.deps"),
        Import(ROOT / "web" / "app.py", 2, "worker"),
        Import(ROOT / "worker.py", 5, "settings"),
        Import(ROOT / "deploy" / "run.py", 1, "settings"),
    ]
    assert layer_violations(fake) == [
        "workflows/bad.py:3 imports store.db",
        "workflows/bad.py:4 imports settings",
        "statemachines/kernel/x.py:1 imports workflows.messages",
        "statemachines/kernel/y.py:2 imports statemachines.case.record",
        "statemachines/programs/p/z.py:3 imports statemachines.case.engine",
        "services/s.py:1 imports web.core.deps",
        "web/core/d.py:1 imports web.cases.api",
        "web/app.py:2 imports worker",
    ]
    assert composition_root_violations(fake) == ["web/app.py:2 imports worker"]
    assert settings_violations(fake) == ["workflows/bad.py:4 imports settings"]


# --- the rules, on the project as it is ----------------------------------------------------------------------------


def test_there_is_source_to_check() -> None:
    layers = {layer(p) for p in source_files()}
    assert set(ALLOWED) <= layers


@pytest.mark.parametrize("package", list(ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(package: str) -> None:
    imports = [i for i in all_project_imports() if layer(i.path) == package]
    assert layer_violations(imports) == [], f"{package}/ may import only {sorted(ALLOWED[package])}"


def test_nothing_imports_api_or_worker() -> None:
    assert composition_root_violations(all_project_imports()) == []


def test_settings_is_imported_only_by_the_composition_roots() -> None:
    assert settings_violations(all_project_imports()) == []


@pytest.mark.parametrize("package", DETERMINISTIC)
def test_the_process_and_the_workflows_never_read_the_clock_or_draw_random_numbers(package: str) -> None:
    offending = [
        hit
        for path in source_files()
        if layer(path) == package
        for hit in nondeterminism(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert offending == []
