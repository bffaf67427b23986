"""Line parsers for connection logs: JSON lines, nginx access logs, OpenSSH, syslog.

Each parser takes one line (without its terminator) and returns a :class:`ParsedLine` or raises
:class:`LineRejected` whose ``reason`` names the field at fault ("ip: not an IP address").
:func:`parse_lines` numbers lines, skips blank ones and never raises for a bad line. The formats
and the mapping of each to an entry are specified in docs/connlogs.md ("Input formats").

Every accepted value is ready for the store: ``ts`` is aware UTC, ``ip`` is the ``inet_ntop``
text of the address (IPv6 compressed and lower-case, zone removed), ``port`` is in 0..65535,
and no field holds a NUL character or a lone surrogate. Column widths are the store's business
(``garde.connlogs.ingest.parsed_problem``).

Times without a zone (RFC 3164 and classic syslog files) are read in
``settings.GARDE_CONNLOGS_LOCAL_TZ`` (default "Europe/Paris"); a time without a year is given
the year that makes it the most recent one not later than now (:data:`FUTURE_TOLERANCE` ahead
is allowed for clock skew between hosts).

The JSON-lines parser is the ingest's hot path: it calls the C JSON scanner directly, takes
``datetime.fromisoformat``'s result once string indexing shows the RFC 3339 shape, validates
addresses with ``socket.inet_pton``/``inet_ntop``, tests each value's common shape inline before
any helper, and builds results without the frozen dataclass's ``__init__``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from garde.connlogs.parsers.base import PARSER_ERROR, LineRejected, ParsedLine, ip_normalise
from garde.connlogs.parsers.jsonl import parse_jsonl
from garde.connlogs.parsers.nginx import parse_nginx
from garde.connlogs.parsers.sshd import NOT_A_CONNECTION_EVENT, parse_sshd
from garde.connlogs.parsers.syslog import parse_syslog
from garde.connlogs.parsers.times import FUTURE_TOLERANCE, infer_year, local_timezone

__all__ = [
    "FUTURE_TOLERANCE",
    "NOT_A_CONNECTION_EVENT",
    "PARSERS",
    "PARSER_ERROR",
    "LineRejected",
    "ParsedLine",
    "infer_year",
    "ip_normalise",
    "local_timezone",
    "parse_jsonl",
    "parse_lines",
    "parse_nginx",
    "parse_one",
    "parse_sshd",
    "parse_syslog",
]

logger = logging.getLogger(__name__)

PARSERS: dict[str, Callable[[str], ParsedLine]] = {
    "jsonl": parse_jsonl,
    "nginx": parse_nginx,
    "sshd": parse_sshd,
    "syslog": parse_syslog,
}


def parse_one(parser: Callable[[str], ParsedLine], line: str) -> ParsedLine | LineRejected:
    """``parser(line)``, or the rejection; an unexpected error is logged and becomes a
    rejection too, so one bad line can never stop an ingest or a listener."""
    try:
        return parser(line)
    except LineRejected as rejected:
        return rejected
    except Exception:
        logger.exception("connection-log parser failed on a line")
        return LineRejected(PARSER_ERROR)


def parse_lines(
    fmt: str, lines: Iterable[str], *, start: int = 1
) -> Iterator[tuple[int, ParsedLine | LineRejected]]:
    """(line number from ``start``, result) for each non-blank line of ``lines`` in format
    ``fmt`` (a key of :data:`PARSERS`); a trailing ``\\n`` or ``\\r\\n`` is not part of the
    line. Raises ValueError at once for an unknown format, never for a bad line."""
    try:
        parser = PARSERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(PARSERS)}") from None
    if fmt in ("sshd", "syslog"):
        local_timezone()  # a wrong setting fails here, not as a rejection of every line
    return _numbered(parser, lines, start)


def _numbered(
    parser: Callable[[str], ParsedLine], lines: Iterable[str], start: int
) -> Iterator[tuple[int, ParsedLine | LineRejected]]:
    for number, text in enumerate(lines, start):
        line = text.rstrip("\r\n") if text[-1:] in ("\n", "\r") else text
        if not line or line.isspace():
            continue
        try:
            result: ParsedLine | LineRejected = parser(line)
        except LineRejected as rejected:
            result = rejected
        except Exception:
            logger.exception("connection-log parser failed on line %d", number)
            result = LineRejected(PARSER_ERROR)
        yield number, result
