"""Legal-deadline arithmetic (R-01, R-02).

A period of months runs per Regulation (EEC, Euratom) No 1182/71 as the EDPB reads it for GDPR
art. 12(3): from the day of receipt in Europe/Paris, to the same day of the following month (or
that month's last day when the day does not exist), moved to the next working day when it falls
on a Saturday, a Sunday or a French public holiday. The roll-forward is the EDPB's reading (⚠ in
LEGAL-RULES.md); GARDE_DEADLINE_ROLL_FORWARD=0 turns it off.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from garde.core.calendar import add_months

PARIS = ZoneInfo("Europe/Paris")


@cache
def _holidays(subdivision: str | None) -> holidays.HolidayBase:
    calendar: holidays.HolidayBase = holidays.country_holidays("FR", subdiv=subdivision)
    return calendar


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a French public holiday (of GARDE_HOLIDAY_SUBDIVISION, e.g.
    "57" for Moselle, where Good Friday and 26 December are also holidays)."""
    return day.weekday() < 5 and day not in _holidays(settings.GARDE_HOLIDAY_SUBDIVISION)


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def receipt_day(received_at: datetime) -> date:
    """The calendar day of receipt in Paris (a request sent at 23:30 UTC on 30 January was
    received on 31 January in France)."""
    return received_at.astimezone(PARIS).date()


def months_after(received_at: datetime, months: int) -> date:
    """The last day of a period of ``months`` months starting on the day of receipt."""
    end = add_months(receipt_day(received_at), months)
    return next_working_day(end) if settings.GARDE_DEADLINE_ROLL_FORWARD else end


def rights_request_due(received_at: datetime) -> date:
    """GDPR art. 12(3): one month after receipt."""
    return months_after(received_at, 1)


def rights_request_extended_due(received_at: datetime, *, extra_months: int) -> date:
    """GDPR art. 12(3): at most two further months."""
    if not 1 <= extra_months <= 2:
        raise ValueError("an extension is of one or two months")
    return months_after(received_at, 1 + extra_months)
