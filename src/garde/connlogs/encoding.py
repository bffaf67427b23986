"""The canonical byte encoding of a connection-log entry, version 1 (docs/connlogs.md).

A leaf of a segment's Merkle tree is ``SHA-256(0x00 || entry_bytes)``, so this encoding is what
the signatures ultimately cover. It is the UTF-8 encoding of the text::

    "v1" F(seq) F(segment_day) F(index) F(ts) F(service) F(event)
         O(account) O(ip) O(port) O(session) F(raw)

where ``F(x) = <n> ":" x`` with ``n`` the number of Unicode code points of ``x`` written in
decimal, and ``O(x)`` is ``"-"`` when the value is absent (null) and ``F(x)`` otherwise. Integers
(``seq``, ``index``, ``port``) are written in decimal without leading zeros; ``segment_day`` is
the ISO date ``YYYY-MM-DD``; ``ts`` is the connection time as an integer number of microseconds
since 1970-01-01T00:00:00Z (negative before). Every field is self-delimiting, so the encoding is
injective: two entries that differ in any field, including their position (``seq``, day and
``index``, which makes a reordered, inserted or moved row fail at the leaf), encode differently.

Code-point lengths rather than byte lengths keep the hot path to one ``str.encode`` per entry;
a verifier in another language counts runes (Go ``utf8.RuneCountInString``) instead of bytes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

VERSION = "v1"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def ts_micros(ts: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    return (ts - EPOCH) // _MICROSECOND


def micros_ts(micros: int) -> datetime:
    """The aware UTC datetime of ``micros`` microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=micros)


def entry_text(
    seq: int,
    segment_day: str,
    index: int,
    ts_us: int,
    service: str,
    event: str,
    account: str | None,
    ip: str | None,
    port: int | None,
    session: str | None,
    raw: str,
) -> str:
    """The encoding as text, before UTF-8 (positional, for the ingest and verify loops)."""
    seq_s = str(seq)
    index_s = str(index)
    ts_s = str(ts_us)
    return (
        f"v1{len(seq_s)}:{seq_s}{len(segment_day)}:{segment_day}{len(index_s)}:{index_s}"
        f"{len(ts_s)}:{ts_s}{len(service)}:{service}{len(event)}:{event}"
        f"{'-' if account is None else f'{len(account)}:{account}'}"
        f"{'-' if ip is None else f'{len(ip)}:{ip}'}"
        f"{'-' if port is None else f'{len(str(port))}:{port}'}"
        f"{'-' if session is None else f'{len(session)}:{session}'}"
        f"{len(raw)}:{raw}"
    )


def entry_bytes(
    *,
    seq: int,
    segment_day: date,
    index: int,
    ts: datetime,
    service: str,
    event: str,
    account: str | None,
    ip: str | None,
    port: int | None,
    session: str | None,
    raw: str,
) -> bytes:
    """The canonical encoding of one entry (the reference form; see the module docstring)."""
    return entry_text(
        seq,
        segment_day.isoformat(),
        index,
        ts_micros(ts),
        service,
        event,
        account,
        ip,
        port,
        session,
        raw,
    ).encode("utf-8")


def entry_decode(data: bytes) -> dict[str, object]:
    """Parse an encoding back into its fields (for tests and external tooling); raises
    ValueError on anything that is not a well-formed version-1 encoding."""
    text = data.decode("utf-8")
    if not text.startswith(VERSION):
        raise ValueError("not a version-1 entry encoding")
    position = len(VERSION)
    values: list[str | None] = []
    while position < len(text):
        if text[position] == "-":
            values.append(None)
            position += 1
            continue
        colon = text.index(":", position)
        digits = text[position:colon]
        if not digits.isdigit() or (len(digits) > 1 and digits[0] == "0"):
            raise ValueError(f"bad length at {position}")
        end = colon + 1 + int(digits)
        if end > len(text):
            raise ValueError("truncated field")
        values.append(text[colon + 1 : end])
        position = end
    names = (
        "seq segment_day index ts service event account ip port session raw".split()  # noqa: SIM905
    )
    if len(values) != len(names):
        raise ValueError(f"expected {len(names)} fields, got {len(values)}")
    fields: dict[str, object] = dict(zip(names, values, strict=True))
    for name in ("seq", "index", "ts", "port"):
        if fields[name] is not None:
            fields[name] = int(str(fields[name]))
    return fields
