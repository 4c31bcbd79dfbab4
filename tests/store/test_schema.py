"""The schema module finds every table module by itself: each table of the models is registered on import."""

from __future__ import annotations

import store.schema
from store.models import Base


def test_every_module_of_the_store_but_the_migration_command_is_imported() -> None:
    names = {m.__name__ for m in store.schema.TABLE_MODULES}
    assert {"store.models", "store.appointments", "store.sessions", "store.policies", "store.retention"} <= names
    assert not names & store.schema.NOT_TABLE_MODULES


def test_every_table_is_declared_in_an_imported_module() -> None:
    declared_in = {mapper.class_.__table__.name: mapper.class_.__module__ for mapper in Base.registry.mappers}
    modules = {m.__name__ for m in store.schema.TABLE_MODULES}
    assert set(declared_in) == set(Base.metadata.tables)
    assert set(declared_in.values()) <= modules
