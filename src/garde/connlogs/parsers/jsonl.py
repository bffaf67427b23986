"""The ``jsonl`` format: one JSON object per line with the issue's keys; the ingest's hot path."""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from garde.connlogs.parsers.base import (
    LineRejected,
    ParsedLine,
    check_escaped,
    check_raw,
    ip_value,
    new_line,
    optional_text,
    port_value,
    required_text,
)
from garde.connlogs.parsers.times import rfc3339

_AF_INET = socket.AF_INET
_AF_INET6 = socket.AF_INET6
_inet_pton = socket.inet_pton
_inet_ntop = socket.inet_ntop
_fromisoformat = datetime.fromisoformat

# The C scanner, called directly: json.loads() adds two regular-expression passes per line.
_scan_json = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def json_object(text: str) -> dict[str, Any]:
    """The JSON object ``text`` holds (blanks around it allowed), or why it holds none."""
    if text.lstrip()[:1] != "{":
        raise LineRejected("not a JSON object")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":
            raise LineRejected("not valid JSON (text after the object)") from None
        raise LineRejected(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise LineRejected("not valid JSON (nested too deeply)") from None
    return cast(dict[str, Any], value)


def from_mapping(
    values: Mapping[str, Any],
    raw: str,
    *,
    ts: datetime | None = None,
    service: str | None = None,
) -> ParsedLine:
    """A line from the issue's keys; ``ts`` and ``service`` are defaults from an enclosing
    header (syslog), used when the key is missing or null."""
    stamp = values.get("ts")
    if stamp is not None:
        if type(stamp) is not str:
            raise LineRejected("ts: not a string")
        ts = rfc3339(stamp, "ts")
    elif ts is None:
        raise LineRejected("ts: missing")
    named = values.get("service")
    line = new_line(
        ts,
        required_text(service if named is None else named, "service"),
        required_text(values.get("event"), "event"),
        optional_text(values.get("account"), "account"),
        ip_value(values.get("ip")),
        port_value(values.get("port")),
        optional_text(values.get("session"), "session"),
        raw,
    )
    if "\\u" in raw:
        check_escaped(line)
    return line


def parse_jsonl(line: str) -> ParsedLine:
    """One JSON object per line with the keys ``ts`` (RFC 3339, with an offset), ``service``,
    ``event`` (both required), ``account``, ``ip``, ``port`` (an integer or a numeric string)
    and ``session`` (optional: missing, null or empty is None). Other keys stay in ``raw``.

    This is the ingest's hot path: the common line (one object, no blanks around it, a ``Z``
    timestamp, string values) is read inline; anything else goes the general way
    (:func:`from_mapping`), which also words the reasons of refusal."""
    if "\x00" in line or not line.isascii():
        check_raw(line)
    try:
        values, end = _scan_json(line, 0)
    except (StopIteration, ValueError, RecursionError):
        return from_mapping(json_object(line), line)
    if end != len(line) or type(values) is not dict:
        return from_mapping(json_object(line), line)
    get = values.get
    stamp = get("ts")
    service = get("service")
    event = get("event")
    if type(stamp) is not str or type(service) is not str or type(event) is not str:
        return from_mapping(values, line)
    if not service or not event:
        return from_mapping(values, line)
    try:
        ts = _fromisoformat(stamp)
    except ValueError:
        return from_mapping(values, line)
    # As in rfc3339, fromisoformat's result stands when the text has RFC 3339's shape.
    if not (
        ts.tzinfo is UTC
        and stamp[-1] == "Z"
        and stamp[4:17:3] == "--T::"
        and (stamp[19] == "Z" or (stamp[19] == "." and stamp[20].isdigit()))
    ):
        ts = rfc3339(stamp, "ts")
    account = get("account")
    if type(account) is not str or not account:
        account = optional_text(account, "account")
    ip = get("ip")
    if ip is not None:
        if type(ip) is str and ip and "%" not in ip:
            try:
                if ":" in ip:
                    ip = _inet_ntop(_AF_INET6, _inet_pton(_AF_INET6, ip))
                else:
                    ip = _inet_ntop(_AF_INET, _inet_pton(_AF_INET, ip))
            except (OSError, ValueError):
                raise LineRejected("ip: not an IP address") from None
        else:
            ip = ip_value(ip)
    port = get("port")
    if type(port) is not int or not 0 <= port <= 65535:
        port = port_value(port)
    session = get("session")
    if type(session) is not str or not session:
        session = optional_text(session, "session")
    parsed = new_line(ts, service, event, account, ip, port, session, line)
    if "\\u" in line:
        check_escaped(parsed)
    return parsed
