"""The ``syslog`` format: RFC 5424 and RFC 3164 messages, as the listener receives them."""

from __future__ import annotations

from datetime import datetime

from garde.connlogs.parsers.base import LineRejected, ParsedLine, check_raw
from garde.connlogs.parsers.jsonl import from_mapping, json_object
from garde.connlogs.parsers.sshd import is_sshd, sshd_line, tag_and_message
from garde.connlogs.parsers.times import rfc3339, syslog_file_header

_CONNLOG_SD_ID = "connlog"
_SD_FIELDS = frozenset({"service", "event", "account", "ip", "port", "session", "ts"})


def _structured_data(text: str) -> tuple[dict[str, dict[str, str]], str]:
    """RFC 5424 STRUCTURED-DATA at the start of ``text``: ({SD-ID: {name: value}}, the rest)."""
    if text[:1] == "-":
        return {}, text[1:]
    elements: dict[str, dict[str, str]] = {}
    position, size = 0, len(text)
    while position < size and text[position] == "[":
        end = position + 1
        while end < size and text[end] not in ' ]="':
            end += 1
        sd_id = text[position + 1 : end]
        if not sd_id or end >= size or text[end] not in " ]":
            raise LineRejected("structured data: malformed SD-ID")
        params: dict[str, str] = {}
        while text[end] == " ":
            equals = text.find('="', end + 1)
            if equals == -1:
                raise LineRejected("structured data: malformed parameter")
            name = text[end + 1 : equals]
            if not name or any(char in name for char in ' ]="'):
                raise LineRejected("structured data: malformed parameter")
            value: list[str] = []
            cursor = equals + 2
            while True:
                if cursor >= size:
                    raise LineRejected("structured data: unterminated parameter value")
                char = text[cursor]
                if char == '"':
                    break
                if char == "\\" and cursor + 1 < size and text[cursor + 1] in '"\\]':
                    cursor += 1
                    char = text[cursor]
                value.append(char)
                cursor += 1
            params.setdefault(name, "".join(value))
            end = cursor + 1
            if end >= size:
                raise LineRejected("structured data: unterminated element")
        if text[end] != "]":
            raise LineRejected("structured data: malformed element")
        elements.setdefault(sd_id, params)
        position = end + 1
    if position == 0:
        raise LineRejected("structured data: neither - nor [")
    return elements, text[position:]


def _connlog_params(elements: dict[str, dict[str, str]]) -> dict[str, str] | None:
    for sd_id, params in elements.items():
        if sd_id == _CONNLOG_SD_ID or sd_id.startswith(_CONNLOG_SD_ID + "@"):
            return {name: value for name, value in params.items() if name in _SD_FIELDS}
    return None


def _syslog_message(
    *,
    ts: datetime | None,
    app: str | None,
    pid: str | None,
    message: str,
    raw: str,
    connlog: dict[str, str] | None = None,
) -> ParsedLine:
    """The event a syslog message carries: connlog structured data, an sshd message, or a JSON
    object (optionally behind ``@cee:``) with the JSON-lines keys; the header gives defaults."""
    if connlog is not None:
        return from_mapping(connlog, raw, ts=ts, service=app)
    if app is not None and is_sshd(app):
        if ts is None:
            raise LineRejected("timestamp: missing")
        return sshd_line(ts, app, pid, message, raw)
    body = message.lstrip()
    if body.startswith("@cee:"):
        body = body[5:].lstrip()
    if body.startswith("{"):
        return from_mapping(json_object(body), raw, ts=ts, service=app)
    raise LineRejected(
        "no connection event: no connlog structured data, no JSON object, not an sshd message"
    )


def _rfc5424(text: str, raw: str) -> ParsedLine:
    header = text.split(" ", 5)
    if len(header) < 6:
        raise LineRejected("RFC 5424 header: too few fields")
    stamp, _host, app, procid, _msgid, rest = header
    ts = None if stamp == "-" else rfc3339(stamp, "timestamp")
    elements, message = _structured_data(rest)
    if message:
        if message[0] != " ":
            raise LineRejected("structured data: no space before the message")
        message = message[1:].removeprefix("\ufeff")
    return _syslog_message(
        ts=ts,
        app=None if app == "-" else app,
        pid=None if procid == "-" else procid,
        message=message,
        raw=raw,
        connlog=_connlog_params(elements),
    )


def _rfc3164(text: str, raw: str) -> ParsedLine:
    ts, rest = syslog_file_header(text)
    tag, pid, message = tag_and_message(rest)
    return _syslog_message(ts=ts, app=tag, pid=pid, message=message, raw=raw)


def parse_syslog(line: str) -> ParsedLine:
    """A syslog message: RFC 5424 (``<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG``) or RFC 3164
    (``<PRI>Mmm dd hh:mm:ss HOST TAG[pid]: MSG``, the PRI optional as in syslog files). The
    service is the APP-NAME or TAG. The event comes from a ``[connlog@…]`` structured-data
    element, an sshd message (APP-NAME/TAG sshd), or a JSON object in MSG."""
    check_raw(line)
    text = line
    if text[:1] == "<":
        close = text.find(">", 1, 5)
        pri = text[1:close]
        if close == -1 or not (pri.isascii() and pri.isdigit()) or int(pri) > 191:
            raise LineRejected("PRI: not <0> to <191>")
        text = text[close + 1 :]
        if text[:2] == "1 ":
            return _rfc5424(text[2:], line)
    return _rfc3164(text, line)
