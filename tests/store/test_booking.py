"""The booking checks (store/booking.py) that need no database: the holiday calendar of 行政機関.

The checks inside a booking's transaction (the lock per staff member, the appointments around a slot, a retried
booking) are exercised through :class:`AppointmentRepository` in tests/store/test_appointments.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from store.booking import japanese_holiday


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        pytest.param(date(2026, 11, 23), True, id="勤労感謝の日"),
        pytest.param(date(2026, 5, 6), True, id="振替休日"),
        pytest.param(date(2026, 9, 22), True, id="国民の休日"),
        pytest.param(date(2026, 12, 29), True, id="年末"),
        pytest.param(date(2027, 1, 3), True, id="年始"),
        pytest.param(date(2026, 11, 24), False, id="平日"),
        pytest.param(date(2027, 1, 4), False, id="仕事始め"),
    ],
)
def test_japanese_holidays_include_substitutes_and_the_year_end(day: date, closed: bool) -> None:
    assert japanese_holiday(day) is closed
