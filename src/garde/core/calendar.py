"""Calendar arithmetic shared by legal deadlines and retention periods."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import TypeVar

When = TypeVar("When", date, datetime)


def add_months(when: When, months: int) -> When:
    """``when`` plus ``months`` calendar months; a day that does not exist in the target month
    becomes that month's last day (31 January + 1 month = 28 or 29 February)."""
    month_index = when.month - 1 + months
    year = when.year + month_index // 12
    month = month_index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def add_period(when: When, *, count: int, unit: str) -> When:
    """``when`` plus ``count`` days, months or years (unit: "days", "months", "years")."""
    from datetime import timedelta

    if unit == "days":
        return when + timedelta(days=count)
    if unit == "months":
        return add_months(when, count)
    if unit == "years":
        return add_months(when, 12 * count)
    raise ValueError(f"unknown period unit {unit!r}")


def subtract_period(when: When, *, count: int, unit: str) -> When:
    """The earliest instant whose period of ``count`` ``unit`` ends at or before ``when``; used
    to turn "kept N units from the anchor" into a cut-off."""
    return add_period(when, count=-count, unit=unit)
