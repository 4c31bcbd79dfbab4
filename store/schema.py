"""Every module of the read model's package, imported so that ``create_schema`` and Alembic see every table.

A table is declared in a module of ``store/``, usually beside its repository (``store/sessions.py`` holds
``sessions``); nothing lists them by hand: every module of ``store/`` is imported here (the package's sub-packages,
the migrations, are not), so a new table module is found by being there.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import store

NOT_TABLE_MODULES = frozenset({"store.schema", "store.migrate"})  # this module, and the migration command


def _table_modules() -> tuple[ModuleType, ...]:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(store.__path__, prefix="store.")
        if not info.ispkg and info.name not in NOT_TABLE_MODULES
    )
    return tuple(importlib.import_module(name) for name in names)


TABLE_MODULES = _table_modules()
