"""R-01/R-02: one month after receipt, per Regulation 1182/71, in Europe/Paris, rolled to the
next working day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from garde.core.deadlines import (
    PARIS,
    is_working_day,
    rights_request_due,
    rights_request_extended_due,
)

UTC = ZoneInfo("UTC")


def paris(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return datetime(y, m, d, hour, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # 31 January, leap year: 29 February 2028 is a Tuesday
        (paris(2028, 1, 31), date(2028, 2, 29)),
        # 31 January, common year: 28 February 2027 is a Sunday -> Monday 1 March
        (paris(2027, 1, 31), date(2027, 3, 1)),
        # 31 January 2026: 28 February is a Saturday -> Monday 2 March
        (paris(2026, 1, 31), date(2026, 3, 2)),
        # 31 March: 30 April 2026 is a Thursday
        (paris(2026, 3, 31), date(2026, 4, 30)),
        # lands on 14 July (Tuesday, national day) -> Wednesday 15 July
        (paris(2026, 6, 14), date(2026, 7, 15)),
        # lands on a Sunday (1 March 2026) -> Monday 2 March
        (paris(2026, 2, 1), date(2026, 3, 2)),
        # lands on Easter Monday 2027 (29 March) -> Tuesday 30 March
        (paris(2027, 2, 28), date(2027, 3, 30)),
        # lands on 1 May 2026 (Friday) -> Monday 4 May
        (paris(2026, 4, 1), date(2026, 5, 4)),
        # received on a Saturday: the clock still starts that day
        (paris(2026, 11, 28), date(2026, 12, 28)),
        # 31 December -> 31 January 2027 is a Sunday -> Monday 1 February
        (paris(2026, 12, 31), date(2027, 2, 1)),
        # 23:30 UTC on 30 January is 31 January in Paris
        (datetime(2026, 1, 30, 23, 30, tzinfo=UTC), date(2026, 3, 2)),
        # 22:30 UTC on 30 June is 00:30 on 1 July in Paris (summer time) -> 1 August (Saturday)
        (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), date(2026, 8, 3)),
    ],
)
def test_r01_due_dates(received: datetime, due: date) -> None:
    assert rights_request_due(received) == due


def test_r01_roll_forward_can_be_turned_off(settings: object) -> None:
    settings.GARDE_DEADLINE_ROLL_FORWARD = False  # type: ignore[attr-defined]
    assert rights_request_due(paris(2027, 1, 31)) == date(2027, 2, 28)


def test_r01_alsace_moselle_holidays_are_configurable(settings: object) -> None:
    # Good Friday (26 March 2027) is a holiday in Moselle only; Easter Monday everywhere.
    settings.GARDE_HOLIDAY_SUBDIVISION = "57"  # type: ignore[attr-defined]
    assert rights_request_due(paris(2027, 2, 26)) == date(2027, 3, 30)
    settings.GARDE_HOLIDAY_SUBDIVISION = None  # type: ignore[attr-defined]
    assert rights_request_due(paris(2027, 2, 26)) == date(2027, 3, 26)


def test_r02_extension_of_two_months_at_most() -> None:
    assert rights_request_extended_due(paris(2026, 1, 31), extra_months=2) == date(2026, 4, 30)
    with pytest.raises(ValueError, match="one or two months"):
        rights_request_extended_due(paris(2026, 1, 31), extra_months=3)


@given(
    st.datetimes(
        # hypothesis takes naive bounds and adds the time zone itself
        min_value=datetime(2020, 1, 1),  # noqa: DTZ001
        max_value=datetime(2040, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    )
)
def test_r01_due_is_a_working_day_about_a_month_later(received: datetime) -> None:
    due = rights_request_due(received)
    day = received.astimezone(PARIS).date()
    assert is_working_day(due)
    assert day + timedelta(days=28) <= due <= day + timedelta(days=31 + 5)


def test_an_unknown_holiday_subdivision_is_reported_at_start_up(settings: object) -> None:
    from garde.core.checks import holiday_subdivision_check

    settings.GARDE_HOLIDAY_SUBDIVISION = "67"  # type: ignore[attr-defined]
    assert [m.id for m in holiday_subdivision_check()] == ["garde.E001"]
    settings.GARDE_HOLIDAY_SUBDIVISION = "57"  # type: ignore[attr-defined]
    assert holiday_subdivision_check() == []
