"""What every parser returns and the checks the formats share (see ``garde.connlogs.parsers``)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

# The reason given for a line on which a parser failed unexpectedly (a bug, logged).
PARSER_ERROR = "unreadable line (parser error, logged)"


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One connection event read from a line, validated and normalised (see
    ``garde.connlogs.parsers``); ``raw`` is the line itself, which is all that keeps unknown
    keys."""

    ts: datetime
    service: str
    event: str
    account: str | None
    ip: str | None
    port: int | None
    session: str | None
    raw: str


class LineRejected(ValueError):  # noqa: N818 - the name is the shared interface's
    """A line that is not a connection event this format can read; ``reason`` says why and,
    when one field is at fault, starts with its name."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __repr__(self) -> str:
        return f"LineRejected({self.reason!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LineRejected) and other.reason == self.reason

    def __hash__(self) -> int:
        return hash(self.reason)


# Building a frozen slotted dataclass through its __init__ costs one object.__setattr__ call per
# field; setting the slots through their descriptors halves that on the hot path.
_new_object = object.__new__
_slots = cast(Any, ParsedLine)
_set_ts = _slots.ts.__set__
_set_service = _slots.service.__set__
_set_event = _slots.event.__set__
_set_account = _slots.account.__set__
_set_ip = _slots.ip.__set__
_set_port = _slots.port.__set__
_set_session = _slots.session.__set__
_set_raw = _slots.raw.__set__


if tuple(field.name for field in fields(ParsedLine)) != (
    "ts",
    "service",
    "event",
    "account",
    "ip",
    "port",
    "session",
    "raw",
):  # pragma: no cover - a reminder for whoever adds a field
    raise ImportError("ParsedLine's fields changed: update new_line")


def new_line(
    ts: datetime,
    service: str,
    event: str,
    account: str | None,
    ip: str | None,
    port: int | None,
    session: str | None,
    raw: str,
) -> ParsedLine:
    line: ParsedLine = _new_object(ParsedLine)
    _set_ts(line, ts)
    _set_service(line, service)
    _set_event(line, event)
    _set_account(line, account)
    _set_ip(line, ip)
    _set_port(line, port)
    _set_session(line, session)
    _set_raw(line, raw)
    return line


# --- shared field checks -------------------------------------------------------------------

_AF_INET = socket.AF_INET
_AF_INET6 = socket.AF_INET6
_inet_pton = socket.inet_pton
_inet_ntop = socket.inet_ntop


def ip_normalise(text: str) -> str:
    """The canonical text of an IPv4 or IPv6 address (``inet_ntop``: dotted quad; IPv6
    compressed, lower-case, ``::ffff:a.b.c.d`` for IPv4-mapped), without an IPv6 zone
    (``%eth0``). Raises ValueError if ``text`` is not an address."""
    try:
        if ":" not in text:
            return _inet_ntop(_AF_INET, _inet_pton(_AF_INET, text))
        if "%" in text:
            text = text.partition("%")[0]
        return _inet_ntop(_AF_INET6, _inet_pton(_AF_INET6, text))
    except (OSError, ValueError):
        # OSError from inet_pton; ValueError for an embedded NUL or a lone surrogate.
        raise ValueError(f"not an IP address: {text!r}") from None


def ip_value(value: object) -> str | None:
    if value is None or value == "":
        return None
    if type(value) is not str:
        raise LineRejected("ip: not a string")
    try:
        return ip_normalise(value)
    except ValueError:
        raise LineRejected("ip: not an IP address") from None


def port_value(value: object) -> int | None:
    if value is None or value == "":
        return None
    if type(value) is str:
        if not (value.isascii() and value.isdigit() and len(value) <= 5):
            raise LineRejected("port: not an integer between 0 and 65535")
        value = int(value)
    elif type(value) is not int:  # a bool is not an int here, on purpose
        raise LineRejected("port: not an integer between 0 and 65535")
    if not 0 <= value <= 65535:
        raise LineRejected("port: not an integer between 0 and 65535")
    return value


def optional_text(value: object, field: str) -> str | None:
    if value is None or value == "":
        return None
    if type(value) is not str:
        raise LineRejected(f"{field}: not a string")
    return value


def required_text(value: object, field: str) -> str:
    if value is None:
        raise LineRejected(f"{field}: missing")
    if type(value) is not str:
        raise LineRejected(f"{field}: not a string")
    if not value:
        raise LineRejected(f"{field}: empty")
    return value


def check_raw(raw: str) -> None:
    """PostgreSQL text cannot hold NUL, and UTF-8 cannot encode a lone surrogate (a line read
    with ``surrogateescape``): refuse both here rather than fail a whole batch later."""
    if "\x00" in raw:
        raise LineRejected("line contains a NUL character")
    if not raw.isascii():
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            raise LineRejected("line is not valid Unicode text") from None


def check_escaped(line: ParsedLine) -> None:
    """JSON escapes (``\\u0000``, ``\\ud800``) can put what :func:`check_raw` refuses into a
    decoded value; only called when the raw line holds a ``\\u`` escape."""
    for field in ("service", "event", "account", "session"):
        value = getattr(line, field)
        if value is None:
            continue
        if "\x00" in value:
            raise LineRejected(f"{field}: contains a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise LineRejected(f"{field}: not valid Unicode text") from None
