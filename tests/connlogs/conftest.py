"""Fixtures of the connection-log store tests: entries to ingest at a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from garde.connlogs.ingest import ingest_parsed
from garde.connlogs.parsers import ParsedLine

DAY1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def parsed(n: int, *, start: datetime = DAY1, account: str = "alice") -> list[ParsedLine]:
    """``n`` distinct login events, one second apart from ``start``."""
    return [
        ParsedLine(
            ts=start + timedelta(seconds=i, microseconds=i),
            service="sshd",
            event="login",
            account=f"{account}{i}",
            ip=f"192.0.2.{i % 250}",
            port=40000 + i,
            session=None if i % 3 else f"sshd[{i}]",
            raw=f'{{"n": {i}}}',
        )
        for i in range(n)
    ]


@pytest.fixture
def three_days() -> None:
    """Three segments (1, 2, 3 March 2026) of 5, 7 and 3 entries; the first two closed."""
    ingest_parsed(parsed(5), source="t", now=DAY1)
    ingest_parsed(
        parsed(7, start=DAY1 + timedelta(days=1)), source="t", now=DAY1 + timedelta(days=1)
    )
    ingest_parsed(
        parsed(3, start=DAY1 + timedelta(days=2)), source="t", now=DAY1 + timedelta(days=2)
    )
