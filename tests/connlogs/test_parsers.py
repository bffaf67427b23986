"""Issue 6, ingest: the line parsers (JSON lines, nginx, OpenSSH, syslog RFC 5424 / RFC 3164)."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings
from hypothesis import strategies as st

from garde.connlogs.parsers import (
    PARSER_ERROR,
    PARSERS,
    LineRejected,
    ParsedLine,
    ip_normalise,
    parse_jsonl,
    parse_lines,
    parse_nginx,
    parse_sshd,
    parse_syslog,
)

# 1 March 2026, 10:00 UTC = 11:00 in Paris (winter time): the clock of the year-less formats.
NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
ACCEPTED = "Accepted password for a from 192.0.2.1 port 1 ssh2"


def utc(
    year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def rejection(parser: Callable[[str], ParsedLine], line: str) -> str:
    with pytest.raises(LineRejected) as caught:
        parser(line)
    return caught.value.reason


@pytest.fixture
def clock() -> Iterator[None]:
    """The year-less formats read at NOW."""
    with time_machine.travel(NOW, tick=False):
        yield


# --- JSON lines ------------------------------------------------------------------------------


def test_jsonl_reads_every_key_and_keeps_unknown_ones_only_in_raw() -> None:
    # given
    line = (
        '{"ts": "2026-03-01T11:22:33.123456+01:00", "service": "imap", "event": "login", '
        '"account": "alice@example.com", "ip": "2001:DB8:0:0:0:0:0:1", "port": "993", '
        '"session": "s-42", "tls": "1.3"}'
    )

    # when
    parsed = parse_jsonl(line)

    # then
    assert parsed == ParsedLine(
        ts=utc(2026, 3, 1, 10, 22, 33, 123456),
        service="imap",
        event="login",
        account="alice@example.com",
        ip="2001:db8::1",
        port=993,
        session="s-42",
        raw=line,
    )
    assert parsed.ts.tzinfo is UTC


def test_jsonl_missing_null_and_empty_optional_keys_are_none() -> None:
    # given
    line = (
        '{"ts": "2026-03-01T10:00:00Z", "service": "ftp", "event": "logout", "ip": null, '
        '"account": ""}'
    )

    # when
    parsed = parse_jsonl(line)

    # then
    assert parsed == ParsedLine(
        ts=utc(2026, 3, 1, 10, 0, 0),
        service="ftp",
        event="logout",
        account=None,
        ip=None,
        port=None,
        session=None,
        raw=line,
    )


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        ("2026-03-01T10:00:00Z", utc(2026, 3, 1, 10, 0, 0)),
        ("2026-03-01t10:00:00z", utc(2026, 3, 1, 10, 0, 0)),
        ("2026-03-01 10:00:00Z", utc(2026, 3, 1, 10, 0, 0)),
        ("2026-03-01T10:00:00.5Z", utc(2026, 3, 1, 10, 0, 0, 500000)),
        # more than six fractional digits: kept to the microsecond
        ("2026-03-01T10:00:00.123456789Z", utc(2026, 3, 1, 10, 0, 0, 123456)),
        ("2026-03-01T10:00:00-05:30", utc(2026, 3, 1, 15, 30, 0)),
        ("2026-03-01T00:30:00+01:00", utc(2026, 2, 28, 23, 30, 0)),
        ("2026-03-01T10:00:00-00:00", utc(2026, 3, 1, 10, 0, 0)),
    ],
)
def test_jsonl_timestamps_are_rfc_3339_converted_to_utc(ts: str, expected: datetime) -> None:
    # given
    line = json.dumps({"ts": ts, "service": "s", "event": "login"})

    # when
    parsed = parse_jsonl(line)

    # then
    assert parsed.ts == expected
    assert parsed.ts.tzinfo is UTC


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not json", "not a JSON object"),
        ('["ts"]', "not a JSON object"),
        ('{"ts": ', "not valid JSON (Expecting value at column 8)"),
        ('{"ts": "2026-03-01T10:00:00Z"} trailing', "not valid JSON (text after the object)"),
        ('{"service": "s", "event": "e"}', "ts: missing"),
        ('{"ts": 1772359200, "service": "s", "event": "e"}', "ts: not a string"),
        (
            '{"ts": "2026-03-01T10:00:00", "service": "s", "event": "e"}',
            "ts: no UTC offset (Z or ±hh:mm required)",
        ),
        (
            '{"ts": "2026-03-01T10:00:00.25", "service": "s", "event": "e"}',
            "ts: no UTC offset (Z or ±hh:mm required)",
        ),
        ('{"ts": "2026-03-01", "service": "s", "event": "e"}', "ts: not an RFC 3339 timestamp"),
        (
            '{"ts": "2026-03-01T10:00:00+0100", "service": "s", "event": "e"}',
            "ts: not an RFC 3339 timestamp",
        ),
        (
            '{"ts": "20260301T100000Z", "service": "s", "event": "e"}',
            "ts: not an RFC 3339 timestamp",
        ),
        (
            '{"ts": "2026-03-01T10:00Z", "service": "s", "event": "e"}',
            "ts: not an RFC 3339 timestamp",
        ),
        (
            '{"ts": "2026-02-30T10:00:00Z", "service": "s", "event": "e"}',
            "ts: not an RFC 3339 timestamp",
        ),
        (
            '{"ts": "2026-03-01T10:00:00,5Z", "service": "s", "event": "e"}',
            "ts: not an RFC 3339 timestamp",
        ),
        (
            '{"ts": "2026-03-01T10:00:00.Z", "service": "s", "event": "e"}',
            "ts: not an RFC 3339 timestamp",
        ),
        ('{"ts": "2026-03-01T10:00:00Z", "event": "e"}', "service: missing"),
        ('{"ts": "2026-03-01T10:00:00Z", "service": "", "event": "e"}', "service: empty"),
        ('{"ts": "2026-03-01T10:00:00Z", "service": 7, "event": "e"}', "service: not a string"),
        ('{"ts": "2026-03-01T10:00:00Z", "service": "s"}', "event: missing"),
        ('{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": ""}', "event: empty"),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", "account": 12}',
            "account: not a string",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", "ip": "192.0.2.256"}',
            "ip: not an IP address",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", "ip": "host.example"}',
            "ip: not an IP address",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", "ip": 3221225985}',
            "ip: not a string",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", "port": 65536}',
            "port: not an integer between 0 and 65535",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", "port": -1}',
            "port: not an integer between 0 and 65535",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", "port": true}',
            "port: not an integer between 0 and 65535",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", "port": 22.0}',
            "port: not an integer between 0 and 65535",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", "port": "22a"}',
            "port: not an integer between 0 and 65535",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", "session": []}',
            "session: not a string",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", "account": "a\\u0000"}',
            "account: contains a NUL character",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s\\ud800", "event": "e"}',
            "service: not valid Unicode text",
        ),
        (
            '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e"}\x00',
            "line contains a NUL character",
        ),
    ],
)
def test_jsonl_rejections_name_the_field(line: str, reason: str) -> None:
    # when
    refused = rejection(parse_jsonl, line)

    # then
    assert refused == reason


def test_jsonl_line_with_surrounding_blanks_is_read() -> None:
    # given
    line = '  {"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e"}  '

    # when
    parsed = parse_jsonl(line)

    # then
    assert (parsed.service, parsed.event, parsed.raw) == ("s", "e", line)


def test_jsonl_lone_surrogate_in_the_line_itself_is_refused() -> None:
    # given: a line read with errors="surrogateescape" from bytes that are not UTF-8
    line = b'{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "\xff"}'.decode(
        "utf-8", "surrogateescape"
    )

    # when
    refused = rejection(parse_jsonl, line)

    # then
    assert refused == "line is not valid Unicode text"


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"),
        ("fe80::1%eth0", "fe80::1"),
        ("::1", "::1"),
        ("::", "::"),
        ("::FFFF:192.0.2.1", "::ffff:192.0.2.1"),
    ],
)
def test_addresses_are_normalised(text: str, expected: str) -> None:
    assert ip_normalise(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "192.0.2", "192.0.2.1.5", "192.0.2.256", "2001:db8::g", "[2001:db8::1]", "1.2.3.4\x00"],
)
def test_non_addresses_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        ip_normalise(text)


@given(st.ip_addresses(v=6))
def test_ipv6_normalisation_is_the_compressed_form_of_the_same_address(
    address: ipaddress.IPv6Address,
) -> None:
    # when
    normalised = ip_normalise(address.exploded.upper())

    # then
    assert ipaddress.ip_address(normalised) == address
    assert ip_normalise(normalised) == normalised
    if address.ipv4_mapped is None:
        assert normalised == address.compressed


# --- properties --------------------------------------------------------------------------------

offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
moments = st.datetimes(
    min_value=datetime(1971, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2099, 12, 31),  # noqa: DTZ001
    timezones=offsets,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)
extra_keys = st.dictionaries(
    st.text().filter(
        lambda key: key not in {"ts", "service", "event", "account", "ip", "port", "session"}
    ),
    json_values,
    max_size=4,
)


@settings(max_examples=300)
@given(
    moment=moments,
    zulu=st.booleans(),
    address=st.ip_addresses(),
    port=st.integers(min_value=0, max_value=65535),
    port_as_text=st.booleans(),
    extra=extra_keys,
    ensure_ascii=st.booleans(),
)
def test_any_json_object_with_valid_fields_round_trips_ts_ip_and_port(
    moment: datetime,
    zulu: bool,
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    port: int,
    port_as_text: bool,
    extra: dict[str, object],
    ensure_ascii: bool,
) -> None:
    # given
    stamp = (
        moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if zulu else moment.isoformat()
    )
    fields = {
        **extra,
        "ts": stamp,
        "service": "imap",
        "event": "login",
        "ip": str(address),
        "port": str(port) if port_as_text else port,
    }
    line = json.dumps(fields, ensure_ascii=ensure_ascii)

    # when
    parsed = parse_jsonl(line)

    # then
    assert parsed.ts == moment
    assert parsed.ts.tzinfo is UTC
    assert ipaddress.ip_address(parsed.ip or "") == address
    assert parsed.port == port
    assert parsed.raw == line
    # a blank before the object takes the general path, not the inline one: same result
    assert parse_jsonl(" " + line) == dataclasses.replace(parsed, raw=" " + line)


@settings(max_examples=300)
@given(fmt=st.sampled_from(sorted(PARSERS)), lines=st.lists(st.text(), max_size=5))
def test_parse_lines_never_raises_on_arbitrary_text(fmt: str, lines: list[str]) -> None:
    # when
    results = list(parse_lines(fmt, lines))

    # then: every line is read or refused for a reason, none trips a parser
    assert all(isinstance(result, ParsedLine | LineRejected) for _, result in results)
    assert LineRejected(PARSER_ERROR) not in [result for _, result in results]
    assert [number for number, _ in results] == sorted({number for number, _ in results})


prefixes = st.sampled_from(
    [
        "",
        "{",
        '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e", ',
        "<13>1 2026-03-01T10:00:00Z host sshd 12 - ",
        "<13>1 2026-03-01T10:00:00Z host app - - [connlog@32473 ",
        "<13>Mar  1 10:00:00 host sshd[12]: ",
        "Mar  1 10:00:00 host sshd[12]: Accepted password for ",
        "Mar  1 10:00:00 host sshd[12]: Received disconnect from ",
        '192.0.2.1 - - [01/Mar/2026:10:00:00 +0100] "GET / HTTP/1.1" ',
    ]
)


@settings(max_examples=500)
@given(fmt=st.sampled_from(sorted(PARSERS)), prefix=prefixes, rest=st.text())
def test_parse_lines_never_raises_on_text_that_starts_well(
    fmt: str, prefix: str, rest: str
) -> None:
    # when
    with time_machine.travel(NOW, tick=False):
        [(number, result)] = list(parse_lines(fmt, [prefix + rest + "x"]))

    # then
    assert number == 1
    assert isinstance(result, ParsedLine | LineRejected)
    assert result != LineRejected(PARSER_ERROR)
    if isinstance(result, ParsedLine):
        assert result.ts.tzinfo is UTC
        assert result.service
        assert result.event


def test_a_parser_failure_becomes_a_rejection_and_the_next_lines_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given
    def fragile(line: str) -> ParsedLine:
        if line == "boom":
            raise RuntimeError("bug")
        return parse_jsonl(line)

    monkeypatch.setitem(PARSERS, "jsonl", fragile)
    good = '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e"}'

    # when
    results = list(parse_lines("jsonl", ["boom", good]))

    # then
    assert results == [(1, LineRejected(PARSER_ERROR)), (2, parse_jsonl(good))]


# --- parse_lines -------------------------------------------------------------------------------


def test_parse_lines_numbers_from_start_skips_blank_lines_and_strips_line_ends() -> None:
    # given
    good = '{"ts": "2026-03-01T10:00:00Z", "service": "s", "event": "e"}'
    lines = [good + "\r\n", "\n", "   \n", "oops\n", good]

    # when
    results = list(parse_lines("jsonl", lines, start=10))

    # then
    assert [(number, type(result).__name__) for number, result in results] == [
        (10, "ParsedLine"),
        (13, "LineRejected"),
        (14, "ParsedLine"),
    ]
    assert results[0][1] == parse_jsonl(good)
    assert results[1][1] == LineRejected("not a JSON object")


def test_parse_lines_refuses_an_unknown_format_at_once() -> None:
    with pytest.raises(ValueError, match="unknown format 'csv'"):
        parse_lines("csv", [])


# --- nginx -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # combined, authenticated request
        (
            '192.0.2.7 - bob [01/Mar/2026:11:22:33 +0100] "GET /admin HTTP/1.1" 200 512 '
            '"https://example.com/" "Mozilla/5.0 (X11)"',
            ("request", "bob", "192.0.2.7", utc(2026, 3, 1, 10, 22, 33)),
        ),
        # combined, refused credentials
        (
            '2001:DB8::7 - mallory [01/Mar/2026:05:00:00 -0500] "POST /login HTTP/2.0" 401 0 '
            '"-" "curl/8.5"',
            ("failure", "mallory", "2001:db8::7", utc(2026, 3, 1, 10, 0, 0)),
        ),
        # main (combined + X-Forwarded-For), forbidden, no user
        (
            '192.0.2.8 - - [01/Mar/2026:10:00:00 +0000] "GET /x HTTP/1.1" 403 9 "-" "agent" '
            '"203.0.113.9"',
            ("failure", None, "192.0.2.8", utc(2026, 3, 1, 10, 0, 0)),
        ),
        # common log format, escaped quote in the request
        (
            '192.0.2.9 - - [01/Mar/2026:10:00:00 +0000] "GET /\\x22a HTTP/1.1" 404 -',
            ("request", None, "192.0.2.9", utc(2026, 3, 1, 10, 0, 0)),
        ),
    ],
)
def test_nginx_lines(line: str, expected: tuple[str, str | None, str, datetime]) -> None:
    # when
    parsed = parse_nginx(line)

    # then
    assert (parsed.event, parsed.account, parsed.ip, parsed.ts) == expected
    assert (parsed.service, parsed.port, parsed.session, parsed.raw) == ("nginx", None, None, line)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("GET / HTTP/1.1", "not an nginx combined or main log line"),
        (
            '192.0.2.1 - - [01/Mar/2026:10:00:00] "GET / HTTP/1.1" 200 1 "-" "a"',
            "not an nginx combined or main log line",
        ),
        (
            '192.0.2.1 - - [01/Foo/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "a"',
            "ts: unknown month",
        ),
        (
            '192.0.2.1 - - [30/Feb/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "a"',
            "ts: not a valid date and time",
        ),
        (
            'unix: - - [01/Mar/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "a"',
            "ip: not an IP address",
        ),
    ],
)
def test_nginx_rejections(line: str, reason: str) -> None:
    assert rejection(parse_nginx, line) == reason


# --- OpenSSH ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Accepted password for alice from 192.0.2.1 port 51234 ssh2",
            ("login", "alice", "192.0.2.1", 51234),
        ),
        (
            "Accepted publickey for deploy from 2001:db8::5 port 40022 ssh2: ED25519 SHA256:abcdef",
            ("login", "deploy", "2001:db8::5", 40022),
        ),
        (
            "Failed password for root from 203.0.113.4 port 3333 ssh2",
            ("failure", "root", "203.0.113.4", 3333),
        ),
        (
            "Failed password for invalid user admin from 203.0.113.4 port 3334 ssh2",
            ("failure", "admin", "203.0.113.4", 3334),
        ),
        (
            "Invalid user oracle from 203.0.113.4 port 3335",
            ("failure", "oracle", "203.0.113.4", 3335),
        ),
        (
            "Disconnected from user alice 192.0.2.1 port 51234",
            ("logout", "alice", "192.0.2.1", 51234),
        ),
        (
            "Received disconnect from 192.0.2.1 port 51234:11: disconnected by user",
            ("logout", None, "192.0.2.1", 51234),
        ),
        (
            "Received disconnect from 2001:db8::5: 11: disconnected by user",
            ("logout", None, "2001:db8::5", None),
        ),
        (
            "pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)",
            ("session_start", "alice", None, None),
        ),
        (
            "pam_unix(sshd:session): session opened for user bob by (uid=0)",
            ("session_start", "bob", None, None),
        ),
        (
            "pam_unix(sshd:session): session closed for user alice",
            ("session_end", "alice", None, None),
        ),
    ],
)
def test_sshd_connection_events(
    clock: object, message: str, expected: tuple[str, str | None, str | None, int | None]
) -> None:
    # given
    line = f"Mar  1 11:00:00 web1 sshd[4242]: {message}"

    # when
    parsed = parse_sshd(line)

    # then
    assert (parsed.event, parsed.account, parsed.ip, parsed.port) == expected
    assert parsed.service == "sshd"
    assert parsed.session == "sshd[4242]"
    assert parsed.ts == utc(2026, 3, 1, 10, 0, 0)
    assert parsed.raw == line


@pytest.mark.parametrize(
    ("line", "ts", "session"),
    [
        # rsyslog's RFC 3339 file format: the zone is in the line
        (
            f"2025-07-14T09:00:00.250000+02:00 web1 sshd[77]: {ACCEPTED}",
            utc(2025, 7, 14, 7, 0, 0, 250000),
            "sshd[77]",
        ),
        # journalctl -o short-iso: +hhmm
        (
            f"2025-07-14T09:00:00+0200 web1 sshd[77]: {ACCEPTED}",
            utc(2025, 7, 14, 7, 0, 0),
            "sshd[77]",
        ),
        # journalctl -o short: zero-padded day; OpenSSH 9.8's sshd-session
        (
            f"Feb 05 09:00:00 web1 sshd-session[78]: {ACCEPTED}",
            utc(2026, 2, 5, 8, 0, 0),
            "sshd-session[78]",
        ),
        # no hostname
        (
            f"Feb  5 09:00:00 sshd[79]: {ACCEPTED}",
            utc(2026, 2, 5, 8, 0, 0),
            "sshd[79]",
        ),
    ],
)
def test_sshd_header_variants(clock: object, line: str, ts: datetime, session: str) -> None:
    # when
    parsed = parse_sshd(line)

    # then
    assert (parsed.ts, parsed.session, parsed.event) == (ts, session, "login")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (
            "Mar  1 10:00:00 web1 sshd[1]: Server listening on 0.0.0.0 port 22.",
            "not a connection event",
        ),
        (
            "Mar  1 10:00:00 web1 sshd[1]: Connection closed by authenticating user root "
            "203.0.113.4 port 1 [preauth]",
            "not a connection event",
        ),
        (
            "Mar  1 10:00:00 web1 sshd[1]: Disconnected from invalid user admin 203.0.113.4 "
            "port 1 [preauth]",
            "not a connection event",
        ),
        (
            "Mar  1 10:00:00 web1 sshd[1]: Received disconnect from 203.0.113.4 port 1:11: "
            "Bye Bye [preauth]",
            "not a connection event",
        ),
        ("Mar  1 10:00:00 web1 sshd[1]: Accepted password for alice", "not a connection event"),
        (
            "Mar  1 10:00:00 web1 CRON[9]: pam_unix(cron:session): session opened for user "
            "root(uid=0) by (uid=0)",
            "not an sshd line",
        ),
        ("Mar  1 10:00:00 web1 sshd[1] no colon", "not an sshd line"),
        (
            "Mar  1 10:00:00 web1 sshd[1]: Accepted password for a from gateway.example port 1",
            "ip: not an IP address",
        ),
        (
            "Mar  1 10:00:00 web1 sshd[1]: Accepted password for a from 192.0.2.1 port 70000 ssh2",
            "port: not an integer between 0 and 65535",
        ),
        ("Mar 32 10:00:00 web1 sshd[1]: x", "timestamp: not a valid date"),
        ("Mar 1 10:00:00 web1 sshd[1]: x", "timestamp: not an RFC 3164 or RFC 3339 timestamp"),
        ("Mar  1 25:00:00 web1 sshd[1]: x", "timestamp: not a valid time"),
        ("Feb 30 10:00:00 web1 sshd[1]: x", "timestamp: not a valid date"),
        ("yesterday web1 sshd[1]: x", "timestamp: not an RFC 3164 or RFC 3339 timestamp"),
    ],
)
def test_sshd_rejections(clock: object, line: str, reason: str) -> None:
    assert rejection(parse_sshd, line) == reason


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        # a moment ago
        ("Mar  1 10:59:59", utc(2026, 3, 1, 9, 59, 59)),
        # New Year's Eve: last year's
        ("Dec 31 23:59:59", utc(2025, 12, 31, 22, 59, 59)),
        # up to a day ahead is clock skew, this year's
        ("Mar  2 10:00:00", utc(2026, 3, 2, 9, 0, 0)),
        # further ahead: last year's
        ("Mar  3 12:00:00", utc(2025, 3, 3, 11, 0, 0)),
        # 29 February: the last leap year's
        ("Feb 29 12:00:00", utc(2024, 2, 29, 11, 0, 0)),
        # summer time in Paris: UTC+2
        ("Jul 14 12:00:00", utc(2025, 7, 14, 10, 0, 0)),
    ],
)
def test_year_less_timestamps_take_the_most_recent_past_year_in_paris(
    clock: object, stamp: str, expected: datetime
) -> None:
    # when
    parsed = parse_sshd(f"{stamp} web1 sshd[1]: Accepted password for a from 192.0.2.1 port 1 ssh2")

    # then
    assert parsed.ts == expected


def test_zone_less_timestamps_follow_the_local_zone_setting(
    clock: object, settings: object
) -> None:
    # given
    settings.GARDE_CONNLOGS_LOCAL_TZ = "America/New_York"  # type: ignore[attr-defined]
    line = "Feb 20 12:00:00 web1 sshd[1]: Accepted password for a from 192.0.2.1 port 1 ssh2"

    # when
    parsed = parse_sshd(line)

    # then: EST is UTC-5
    assert parsed.ts == utc(2026, 2, 20, 17, 0, 0)


def test_a_wrong_local_zone_setting_fails_at_once_not_line_by_line(settings: object) -> None:
    # given
    settings.GARDE_CONNLOGS_LOCAL_TZ = "Mars/Olympus_Mons"  # type: ignore[attr-defined]

    # when / then
    with pytest.raises(ImproperlyConfigured, match="'Mars/Olympus_Mons' is not a known time zone"):
        parse_lines("sshd", [])


# --- syslog ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # RFC 5424, sshd: the message is read as OpenSSH's
        (
            "<38>1 2026-03-01T10:00:00.123Z web1 sshd 4242 - - "
            "Accepted publickey for alice from 192.0.2.1 port 51234 ssh2",
            ParsedLine(
                ts=utc(2026, 3, 1, 10, 0, 0, 123000),
                service="sshd",
                event="login",
                account="alice",
                ip="192.0.2.1",
                port=51234,
                session="sshd[4242]",
                raw="",
            ),
        ),
        # RFC 5424, connlog structured data (escaped quote), another SD element ignored
        (
            '<134>1 2026-03-01T11:00:00+01:00 mail dovecot - login [origin ip="198.51.100.1"]'
            '[connlog@32473 event="login" account="a\\"b" ip="2001:db8::9" port="993" '
            'session="x1"] user logged in',
            ParsedLine(
                ts=utc(2026, 3, 1, 10, 0, 0),
                service="dovecot",
                event="login",
                account='a"b',
                ip="2001:db8::9",
                port=993,
                session="x1",
                raw="",
            ),
        ),
        # RFC 5424, JSON message after a BOM; its ts and service win over the header's
        (
            '<134>1 2026-03-01T11:00:00+01:00 relay app - - - \ufeff{"ts": "2026-03-01T09:59:00Z", '
            '"service": "vpn", "event": "session_start", "account": "c", "ip": "192.0.2.3", '
            '"port": 1194}',
            ParsedLine(
                ts=utc(2026, 3, 1, 9, 59, 0),
                service="vpn",
                event="session_start",
                account="c",
                ip="192.0.2.3",
                port=1194,
                session=None,
                raw="",
            ),
        ),
        # RFC 5424, nil timestamp: the JSON carries it
        (
            '<134>1 - relay vpn - - - {"ts": "2026-03-01T09:00:00Z", "event": "logout"}',
            ParsedLine(
                ts=utc(2026, 3, 1, 9, 0, 0),
                service="vpn",
                event="logout",
                account=None,
                ip=None,
                port=None,
                session=None,
                raw="",
            ),
        ),
        # RFC 3164, sshd
        (
            "<38>Mar  1 11:00:00 web1 sshd[99]: Disconnected from user alice 192.0.2.1 port 51234",
            ParsedLine(
                ts=utc(2026, 3, 1, 10, 0, 0),
                service="sshd",
                event="logout",
                account="alice",
                ip="192.0.2.1",
                port=51234,
                session="sshd[99]",
                raw="",
            ),
        ),
        # RFC 3164 without PRI (a syslog file), without hostname, CEE-tagged JSON
        (
            "Mar  1 11:00:00 radiusd[7]: "
            '@cee: {"event": "failure", "account": "d", "ip": "192.0.2.4"}',
            ParsedLine(
                ts=utc(2026, 3, 1, 10, 0, 0),
                service="radiusd",
                event="failure",
                account="d",
                ip="192.0.2.4",
                port=None,
                session=None,
                raw="",
            ),
        ),
    ],
)
def test_syslog_messages(clock: object, line: str, expected: ParsedLine) -> None:
    # when
    parsed = parse_syslog(line)

    # then
    assert parsed == dataclasses.replace(expected, raw=line)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("<192>1 2026-03-01T10:00:00Z h app - - - {}", "PRI: not <0> to <191>"),
        ("<x>1 2026-03-01T10:00:00Z h app - - - {}", "PRI: not <0> to <191>"),
        ("<13>1 2026-03-01T10:00:00Z h app", "RFC 5424 header: too few fields"),
        (
            "<13>1 2026-03-01T10:00:00 h app - - - {}",
            "timestamp: no UTC offset (Z or ±hh:mm required)",
        ),
        (
            '<13>1 2026-03-01T10:00:00Z h app - - [connlog event="x',
            "structured data: unterminated parameter value",
        ),
        (
            '<13>1 2026-03-01T10:00:00Z h app - - [connlog event="x"',
            "structured data: unterminated element",
        ),
        (
            "<13>1 2026-03-01T10:00:00Z h app - - [connlog event=x] m",
            "structured data: malformed parameter",
        ),
        ("<13>1 2026-03-01T10:00:00Z h app - - {} m", "structured data: neither - nor ["),
        (
            '<13>1 2026-03-01T10:00:00Z h app - - [connlog event="x"]m',
            "structured data: no space before the message",
        ),
        (
            "<13>1 2026-03-01T10:00:00Z h app - - - hello",
            "no connection event: no connlog structured data, no JSON object, not an sshd message",
        ),
        (
            "<13>1 - h sshd 1 - - Accepted password for a from 192.0.2.1 port 1 ssh2",
            "timestamp: missing",
        ),
        ('<13>1 - h app - - - {"event": "login"}', "ts: missing"),
        ('<13>1 2026-03-01T10:00:00Z h - - - - {"event": "login"}', "service: missing"),
        ('<13>1 2026-03-01T10:00:00Z h app - - [connlog@1 account="a"]', "event: missing"),
        (
            "<38>Mar  1 11:00:00 web1 sshd[1]: Server listening on :: port 22.",
            "not a connection event",
        ),
        ("<13>Mar  1 11:00:00 web1 free text without a tag", "RFC 3164: no TAG"),
        (
            '<13>Mar  1 11:00:00 web1 app: {"event": "login", "ip": "999.1.1.1"}',
            "ip: not an IP address",
        ),
    ],
)
def test_syslog_rejections(clock: object, line: str, reason: str) -> None:
    assert rejection(parse_syslog, line) == reason
