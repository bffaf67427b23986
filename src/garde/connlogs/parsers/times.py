"""Timestamps of the input formats: RFC 3339, RFC 3164 (no zone, no year) and ISO 8601 as syslog
daemons write it. Times without a zone are read in ``settings.GARDE_CONNLOGS_LOCAL_TZ``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone as django_timezone

from garde.connlogs.parsers.base import LineRejected

DEFAULT_LOCAL_TZ = "Europe/Paris"
# A year-less timestamp up to this far ahead of now is taken as this year's (clock skew between
# the sending host and this one), not as last year's.
FUTURE_TOLERANCE = timedelta(days=1)

_fromisoformat = datetime.fromisoformat


def rfc3339(text: str, field: str) -> datetime:
    """An RFC 3339 date-time (``T``, ``t`` or a space between date and time; ``Z`` or
    ``±hh:mm``; any number of fractional digits, kept to the microsecond) as aware UTC."""
    # fromisoformat also takes ISO 8601 forms RFC 3339 excludes (+0100, +01, ,5, no seconds):
    # its result stands only if the separators are where RFC 3339 puts them (positions 4, 7,
    # 10, 13 and 16 in one slice, then the fraction's dot or the zone, then the zone's form).
    try:
        moment = _fromisoformat(text)
    except ValueError:
        pass
    else:
        if (
            moment.tzinfo is not None
            and text[4:17:3] == "--T::"
            and (text[20].isdigit() if text[19] == "." else text[19] in "Z+-")
            and (text[-1] == "Z" or (text[-3] == ":" and text[-6] in "+-"))
        ):
            try:
                return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
            except OverflowError:
                raise LineRejected(f"{field}: not an RFC 3339 timestamp") from None
    return _rfc3339_strict(text, field)


def _rfc3339_strict(text: str, field: str) -> datetime:
    """:func:`rfc3339` the slow way, for the rarer spellings and the reasons of refusal."""
    if text[4:17:3] != "--T::":
        if len(text) >= 19 and text[4:17:3] in ("--t::", "-- ::"):
            return rfc3339(f"{text[:10]}T{text[11:]}", field)
        raise LineRejected(f"{field}: not an RFC 3339 timestamp")
    last = text[-1]
    if last == "Z":
        fraction = text[19:-1]
    elif text[-3] == ":" and text[-6] in "+-" and len(text) >= 25:
        fraction = text[19:-6]
    elif last == "z":
        return rfc3339(text[:-1] + "Z", field)
    else:
        fraction = text[19:]
        if len(text) == 19 or (fraction[0] == "." and fraction[1:].isdigit()):
            raise LineRejected(f"{field}: no UTC offset (Z or ±hh:mm required)")
        raise LineRejected(f"{field}: not an RFC 3339 timestamp")
    if fraction and not (fraction[0] == "." and fraction[1:].isdigit()):
        raise LineRejected(f"{field}: not an RFC 3339 timestamp")
    try:
        moment = _fromisoformat(text)
        return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise LineRejected(f"{field}: not an RFC 3339 timestamp") from None


def local_timezone() -> tzinfo:
    """The zone of timestamps that carry none: ``settings.GARDE_CONNLOGS_LOCAL_TZ``."""
    name = DEFAULT_LOCAL_TZ
    if settings.configured:
        name = getattr(settings, "GARDE_CONNLOGS_LOCAL_TZ", DEFAULT_LOCAL_TZ)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"GARDE_CONNLOGS_LOCAL_TZ: {name!r} is not a known time zone"
        ) from None


MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}


def infer_year(
    month: int, day: int, hour: int, minute: int, second: int, *, zone: tzinfo, now: datetime
) -> datetime:
    """The most recent moment with this month, day and time in ``zone`` that is not later than
    ``now`` + :data:`FUTURE_TOLERANCE`, as aware UTC. 29 February goes back to the last leap
    year. Raises LineRejected if no year fits (an impossible date)."""
    limit = now + FUTURE_TOLERANCE
    year = limit.astimezone(zone).year
    for candidate_year in range(year, year - 9, -1):
        try:
            candidate = datetime(candidate_year, month, day, hour, minute, second, tzinfo=zone)
        except ValueError:
            continue
        if candidate <= limit:
            return candidate.astimezone(UTC)
    raise LineRejected("timestamp: not a valid date")


def _bsd_timestamp(text: str) -> datetime:
    """``Mmm dd hh:mm:ss`` (RFC 3164; the day space- or zero-padded), local time, no year."""
    month = MONTHS.get(text[:3])
    day = text[4:6].lstrip(" ")
    clock = text[7:15]
    if (
        month is None
        or text[3] != " "
        or text[6] != " "
        or not (day.isascii() and day.isdigit())
        or clock[2] != ":"
        or clock[5] != ":"
        or not (clock[:2] + clock[3:5] + clock[6:]).isdigit()
        or not clock.isascii()
    ):
        raise LineRejected("timestamp: not an RFC 3164 or RFC 3339 timestamp")
    hour, minute, second = int(clock[:2]), int(clock[3:5]), int(clock[6:])
    if hour > 23 or minute > 59 or second > 59:
        raise LineRejected("timestamp: not a valid time")
    return infer_year(
        month,
        int(day),
        hour,
        minute,
        second,
        zone=local_timezone(),
        now=django_timezone.now(),
    )


def _iso_timestamp(text: str) -> datetime:
    """An ISO 8601 timestamp as syslog daemons write them (rsyslog's RFC 3339, journalctl's
    ``+0100``); without an offset it is local time."""
    try:
        moment = _fromisoformat(text) if text[:4].isdigit() and text.isascii() else None
    except ValueError:
        moment = None
    if moment is None or len(text) < 19:
        raise LineRejected("timestamp: not an RFC 3164 or RFC 3339 timestamp")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_timezone())
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise LineRejected("timestamp: out of range") from None


def syslog_file_header(line: str) -> tuple[datetime, str]:
    """The timestamp at the start of a syslog line (RFC 3164 or ISO 8601) and what follows."""
    if len(line) > 15 and line[15] == " " and line[:3] in MONTHS:
        return _bsd_timestamp(line[:15]), line[16:]
    stamp, _, rest = line.partition(" ")
    return _iso_timestamp(stamp), rest
