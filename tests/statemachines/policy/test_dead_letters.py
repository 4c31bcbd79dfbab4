"""What a dead letter keeps of an error: the line that says what went wrong, never a value the error quoted."""

from __future__ import annotations

import pytest

from statemachines.policy.dead_letters import ERROR_CHARS, sanitized

NAME = "寄添 花子"


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        (
            "(raised as a result of Query-invoked autoflush; consider using a session.no_autoflush block)\n"
            f"(sqlite3.IntegrityError) poison\n[SQL: INSERT INTO case_events VALUES (?)]\n[parameters: ('{NAME}',)]",
            "(sqlite3.IntegrityError) poison",
        ),
        (
            f"(psycopg.errors.UniqueViolation) duplicate key DETAIL: Key (name)=({NAME}) already exists. [SQL: ...]",
            "(psycopg.errors.UniqueViolation) duplicate key",
        ),
        (
            f"(psycopg.errors.DataError) bad value [parameters: {{'name': '{NAME}'}}]",
            "(psycopg.errors.DataError) bad value",
        ),
        ("", ""),
    ],
    ids=["sqlite with SQLAlchemy's notes", "postgresql detail", "parameters", "empty"],
)
def test_a_dead_letter_keeps_what_went_wrong_and_no_value(message: str, kept: str) -> None:
    assert sanitized(message) == kept
    assert NAME not in sanitized(message)


def test_a_long_error_is_cut() -> None:
    assert len(sanitized("x" * 10_000)) == ERROR_CHARS
