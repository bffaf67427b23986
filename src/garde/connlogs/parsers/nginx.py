"""The ``nginx`` format: access-log lines in the ``combined`` or ``main`` format."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from garde.connlogs.parsers.base import LineRejected, ParsedLine, check_raw, ip_value, new_line
from garde.connlogs.parsers.times import MONTHS

NGINX_SERVICE = "nginx"

# log_format combined '$remote_addr - $remote_user [$time_local] "$request" $status
#     $body_bytes_sent "$http_referer" "$http_user_agent"'; nginx's default "main" adds
# ' "$http_x_forwarded_for"'. The common log format (no referer, no agent) is accepted too.
# nginx escapes '"' as \x22; Apache-style \" escapes are accepted as well.
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_NGINX = re.compile(
    r"(?P<addr>\S+) - (?P<user>.*?) "
    r"\[(?P<day>\d\d)/(?P<month>[A-Z][a-z]{2})/(?P<year>\d{4}):"
    r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d) (?P<offset>[+-]\d{4})\] "
    rf"{_QUOTED} (?P<status>\d{{3}}) (?:\d+|-)"
    rf"(?: {_QUOTED} {_QUOTED}(?: {_QUOTED})?)?",
    re.ASCII,
)
NGINX_FAILURE_STATUSES = frozenset({401, 403})


def parse_nginx(line: str) -> ParsedLine:
    """An nginx access-log line in the ``combined`` or ``main`` format: ``ip`` from
    ``$remote_addr``, ``account`` from ``$remote_user`` ("-" is None), ``ts`` from
    ``[$time_local]``; event "failure" for status 401 or 403, "request" otherwise."""
    check_raw(line)
    match = _NGINX.fullmatch(line)
    if match is None:
        raise LineRejected("not an nginx combined or main log line")
    month = MONTHS.get(match["month"])
    if month is None:
        raise LineRejected("ts: unknown month")
    offset = match["offset"]
    minutes = int(offset[1:3]) * 60 + int(offset[3:5])
    try:
        zone = timezone(timedelta(minutes=-minutes if offset[0] == "-" else minutes))
        ts = datetime(
            int(match["year"]),
            month,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"]),
            tzinfo=zone,
        ).astimezone(UTC)
    except (ValueError, OverflowError):
        raise LineRejected("ts: not a valid date and time") from None
    user = match["user"]
    event = "failure" if int(match["status"]) in NGINX_FAILURE_STATUSES else "request"
    return new_line(
        ts,
        NGINX_SERVICE,
        event,
        None if user in ("-", "") else user,
        ip_value(match["addr"]),
        None,
        None,
        line,
    )
