"""The ``sshd`` format: OpenSSH's connection events in auth.log or syslog lines."""

from __future__ import annotations

import re
from datetime import datetime

from garde.connlogs.parsers.base import (
    LineRejected,
    ParsedLine,
    check_raw,
    ip_value,
    new_line,
    port_value,
)
from garde.connlogs.parsers.times import syslog_file_header

SSHD_SERVICE = "sshd"

_SSHD_ACCEPTED = re.compile(r"Accepted \S+ for (.*?) from (\S+) port (\d+)(?: .*)?")
_SSHD_FAILED = re.compile(r"Failed \S+ for (?:invalid user )?(.*?) from (\S+) port (\d+)(?: .*)?")
_SSHD_INVALID = re.compile(r"Invalid user (.*?) from (\S+) port (\d+)(?: .*)?")
_SSHD_DISCONNECTED = re.compile(r"Disconnected from user (.*?) (\S+) port (\d+)")
_SSHD_RECEIVED = re.compile(r"Received disconnect from (\S+?)(?: port (\d+))?: ?\d+: .*")
_SSHD_RECEIVED_OLD = re.compile(r"Received disconnect from (\S+): \d+: .*")
_SSHD_SESSION = re.compile(
    r"pam_unix\(sshd:session\): session (opened|closed) for user (\S+?)(?:\(uid=\d+\))?"
    r"(?: by .*)?"
)
NOT_A_CONNECTION_EVENT = "not a connection event"


def is_sshd(tag: str) -> bool:
    # OpenSSH 9.8 moved sessions to "sshd-session", 10.0 authentication to "sshd-auth".
    return tag == "sshd" or tag.startswith("sshd-")


# (prefix, pattern of (account, ip, port), event)
_SSHD_MESSAGES = (
    ("Accepted ", _SSHD_ACCEPTED, "login"),
    ("Failed ", _SSHD_FAILED, "failure"),
    ("Invalid user ", _SSHD_INVALID, "failure"),
    ("Disconnected from user ", _SSHD_DISCONNECTED, "logout"),
)


def _sshd_event(message: str) -> tuple[str, str | None, str | None, str | None]:
    """(event, account, ip, port text) of an sshd message, or LineRejected."""
    for prefix, pattern, event in _SSHD_MESSAGES:
        if message.startswith(prefix):
            match = pattern.fullmatch(message)
            if match is None:
                break
            return event, match[1], match[2], match[3]
    else:
        # A disconnection before authentication ends no session.
        if message.startswith("Received disconnect ") and not message.endswith("[preauth]"):
            match = _SSHD_RECEIVED.fullmatch(message)
            if match and (match[2] is not None or ":" not in match[1]):
                return "logout", None, match[1], match[2]
            match = _SSHD_RECEIVED_OLD.fullmatch(message)
            if match:
                return "logout", None, match[1], None
        match = _SSHD_SESSION.fullmatch(message)
        if match:
            event = "session_start" if match[1] == "opened" else "session_end"
            return event, match[2], None, None
    raise LineRejected(NOT_A_CONNECTION_EVENT)


def sshd_line(ts: datetime, tag: str, pid: str | None, message: str, raw: str) -> ParsedLine:
    event, account, ip, port = _sshd_event(message)
    return new_line(
        ts,
        SSHD_SERVICE,
        event,
        account or None,
        ip_value(ip),
        port_value(port),
        f"{tag}[{pid}]" if pid else None,
        raw,
    )


def tag_and_message(text: str) -> tuple[str, str | None, str]:
    """(TAG, pid or None, message) of ``[HOSTNAME ]TAG[[pid]]: message``, the part of an
    RFC 3164 line after its timestamp; the hostname is optional."""
    first, _, after = text.partition(" ")
    if first.endswith(":"):  # no HOSTNAME, straight to the TAG
        tag_text, message = first[:-1], after
    else:
        tag_text, separator, message = after.partition(": ")
        if not separator:
            if not after.endswith(":"):
                raise LineRejected("RFC 3164: no TAG")
            tag_text, message = after[:-1], ""
    if not tag_text or " " in tag_text:
        raise LineRejected("RFC 3164: no TAG")
    if tag_text.endswith("]") and "[" in tag_text:
        tag, _, pid = tag_text[:-1].partition("[")
        return tag, pid or None, message
    return tag_text, None, message


def parse_sshd(line: str) -> ParsedLine:
    """An OpenSSH line from auth.log or syslog (``timestamp host sshd[pid]: message``, the
    timestamp RFC 3164 or ISO 8601): logins, failures, logouts and PAM sessions; the session is
    ``sshd[pid]``. Other sshd messages are rejected as "not a connection event"."""
    check_raw(line)
    ts, rest = syslog_file_header(line)
    try:
        tag, pid, message = tag_and_message(rest)
    except LineRejected:
        raise LineRejected("not an sshd line") from None
    if not is_sshd(tag):
        raise LineRejected("not an sshd line")
    return sshd_line(ts, tag, pid, message, line)
