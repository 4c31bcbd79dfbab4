"""Every module that declares tables, imported so ``create_schema`` (and later Alembic) sees them all.

A new table module adds one import line here.
"""

from __future__ import annotations

from store import (
    access_log,
    appointments,
    crypto,
    institutions,
    models,
    notifications,
    people,
    policies,
    programs,
    reports,
    retention,
    sessions,
    throttle,
)

TABLE_MODULES = (
    models,
    notifications,
    appointments,
    institutions,
    programs,
    reports,
    people,
    access_log,
    throttle,
    sessions,
    crypto,
    retention,
    policies,
)
