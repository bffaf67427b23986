"""``connlog_query`` (issue 6, item 6): sysadmins only, a reason always, every query audited,
exact address and network filters, periods and pages."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garde.accounts.models import User
from garde.connlogs.ingest import ingest_parsed
from garde.connlogs.models import Entry
from garde.connlogs.parsers import ParsedLine
from garde.connlogs.queries import ConnlogsForbiddenError, connlog_query
from garde.core.errors import GardeError
from garde.core.models import AuditEvent
from garde.core.roles import ALL_ROLES, Role

pytestmark = pytest.mark.django_db(databases=["default", "connlogs"])

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
OTHER_ROLES = sorted(ALL_ROLES - {Role.SYSADMIN})


def event(
    ts: str = "2025-03-01T08:00:00+00:00",
    *,
    account: str | None = "alice",
    ip: str | None = "192.0.2.10",
    service: str = "sshd",
    kind: str = "login",
    port: int | None = 22,
    session: str | None = None,
) -> ParsedLine:
    """A parsed connection event; ``ip`` must already be in the parsers' normal form."""
    fields = {"ts": ts, "service": service, "event": kind, "account": account, "ip": ip}
    return ParsedLine(
        ts=datetime.fromisoformat(ts),
        service=service,
        event=kind,
        account=account,
        ip=ip,
        port=port,
        session=session,
        raw=json.dumps(fields),
    )


def entries_add(*events: ParsedLine) -> list[int]:
    """Ingest ``events`` (one batch, today's segment) and return their sequence numbers."""
    batch = ingest_parsed(list(events), source="test", now=NOW)
    assert batch.first_seq is not None
    assert batch.last_seq is not None
    return list(range(batch.first_seq, batch.last_seq + 1))


@pytest.fixture
def sysadmin(make_user: Callable[..., User]) -> User:
    return make_user("sysadmin", email="admin@inherent.example")


def queried() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="connlogs.queried").order_by("id"))


def test_a_sysadmin_query_returns_the_rows_and_is_audited_with_reason_filter_and_count(
    sysadmin: User,
) -> None:
    # given
    alice_1, _bob, alice_2 = entries_add(
        event("2025-03-01T08:00:00+00:00", account="alice"),
        event("2025-03-01T08:05:00+00:00", account="bob"),
        event("2025-03-01T08:10:00.000001+00:00", account="alice", ip="2001:db8::1"),
    )
    # when
    result = connlog_query(actor=sysadmin, reason="  Réquisition PJ-2025-0042  ", account="alice")
    # then
    assert [entry.seq for entry in result.rows] == [alice_1, alice_2]
    assert result.total == 2
    assert result.rows[1].ts == datetime(2025, 3, 1, 8, 10, 0, 1, tzinfo=UTC)
    (audit,) = queried()
    assert audit.actor == sysadmin
    assert audit.actor_roles == "sysadmin"
    assert audit.details == {
        "reason": "Réquisition PJ-2025-0042",
        "filter": {"account": "alice", "ip": None, "from": None, "to": None},
        "rows": 2,
        "total": 2,
        "offset": 0,
    }


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_is_refused_and_nothing_is_audited(
    role: str, make_user: Callable[..., User]
) -> None:
    # given
    entries_add(event())
    user = make_user(role)
    # when
    with pytest.raises(ConnlogsForbiddenError) as refused:
        connlog_query(actor=user, reason="Réquisition PJ-1")
    # then
    assert refused.value.code == "connlogs_forbidden"
    assert refused.value.status == 403
    assert queried() == []


def test_a_sysadmin_whose_account_is_disabled_is_refused(sysadmin: User) -> None:
    # given
    sysadmin.is_active = False
    sysadmin.save(update_fields=["is_active"])
    # when / then
    with pytest.raises(ConnlogsForbiddenError):
        connlog_query(actor=sysadmin, reason="Réquisition PJ-1")
    assert queried() == []


@pytest.mark.parametrize("reason", ["", "   \n\t", "x" * 501])
def test_a_query_without_a_usable_reason_is_refused_and_nothing_is_audited(
    reason: str, sysadmin: User
) -> None:
    # given
    entries_add(event())
    # when
    with pytest.raises(GardeError) as refused:
        connlog_query(actor=sysadmin, reason=reason, account="alice")
    # then
    assert refused.value.field == "reason"
    assert refused.value.status == 400
    assert queried() == []


def test_a_reason_of_500_characters_is_accepted(sysadmin: User) -> None:
    # when
    connlog_query(actor=sysadmin, reason="x" * 500)
    # then
    assert queried()[0].details["reason"] == "x" * 500


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"ip": "10.0.0.300"}, "ip"),
        ({"ip": "10.0.0.0/33"}, "ip"),
        ({"ip": "not an address"}, "ip"),
        ({"account": "a" * 256}, "account"),
        (
            {"start": datetime(2025, 3, 2, tzinfo=UTC), "end": datetime(2025, 3, 1, tzinfo=UTC)},
            "end",
        ),
        ({"start": datetime(2025, 3, 1)}, "start"),  # noqa: DTZ001 - the naive time is the point
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_an_invalid_filter_is_refused_naming_the_field_and_nothing_is_audited(
    arguments: dict[str, object], field: str, sysadmin: User
) -> None:
    # when
    with pytest.raises(GardeError) as refused:
        connlog_query(actor=sysadmin, reason="Réquisition PJ-1", **arguments)  # type: ignore[arg-type]
    # then
    assert refused.value.field == field
    assert queried() == []


def test_the_period_includes_its_start_and_excludes_its_end(sysadmin: User) -> None:
    # given
    _before, at_start, inside, _at_end = entries_add(
        event("2025-03-01T07:59:59.999999+00:00"),
        event("2025-03-01T08:00:00+00:00"),
        event("2025-03-01T09:30:00+01:00"),
        event("2025-03-01T09:00:00+00:00"),
    )
    # when
    result = connlog_query(
        actor=sysadmin,
        reason="Réquisition PJ-7",
        start=datetime(2025, 3, 1, 8, tzinfo=UTC),
        end=datetime(2025, 3, 1, 9, tzinfo=UTC),
    )
    # then
    assert [entry.seq for entry in result.rows] == [at_start, inside]
    assert queried()[0].details["filter"] == {
        "account": None,
        "ip": None,
        "from": "2025-03-01T08:00:00+00:00",
        "to": "2025-03-01T09:00:00+00:00",
    }


def test_rows_come_in_connection_time_order_page_by_page(sysadmin: User) -> None:
    # given: ingested out of order
    late, early, middle = entries_add(
        event("2025-03-01T10:00:00+00:00"),
        event("2025-03-01T08:00:00+00:00"),
        event("2025-03-01T09:00:00+00:00"),
    )
    # when
    first = connlog_query(actor=sysadmin, reason="R", limit=2)
    second = connlog_query(actor=sysadmin, reason="R", limit=2, offset=2)
    # then
    assert ([e.seq for e in first.rows], first.total) == ([early, middle], 3)
    assert ([e.seq for e in second.rows], second.total) == ([late], 3)
    assert [(a.details["rows"], a.details["offset"]) for a in queried()] == [(2, 0), (1, 2)]


V4_ADDRESSES = [
    "10.1.15.255",
    "10.1.16.0",
    "10.1.16.7",
    "10.1.31.255",
    "10.1.32.0",
    "10.1.160.1",  # shares the text "10.1.16" with 10.1.16.0/20 and is outside it
    "110.1.16.1",  # ends with the text "10.1.16.1"
    "10.10.16.1",
    "192.0.2.1",
    "192.0.2.17",
    "192.0.2.31",
    "192.0.2.32",
    "::ffff:10.1.16.5",  # an IPv6 address, even if it maps 10.1.16.5
]


@pytest.mark.parametrize(
    ("network", "expected"),
    [
        ("10.1.16.0/20", ["10.1.16.0", "10.1.16.7", "10.1.31.255"]),
        ("10.1.16.9/20", ["10.1.16.0", "10.1.16.7", "10.1.31.255"]),  # host bits ignored
        ("10.1.16.0/24", ["10.1.16.0", "10.1.16.7"]),
        ("10.0.0.0/8", [a for a in V4_ADDRESSES[:8] if a.startswith("10.")]),
        ("10.1.16.1", []),
        ("10.1.16.7", ["10.1.16.7"]),
        ("10.1.16.7/32", ["10.1.16.7"]),
        ("192.0.2.16/28", ["192.0.2.17", "192.0.2.31"]),
        ("0.0.0.0/0", [a for a in V4_ADDRESSES if ":" not in a]),
        ("::ffff:10.1.16.5", ["::ffff:10.1.16.5"]),
        ("::ffff:0:0/96", ["::ffff:10.1.16.5"]),
    ],
)
def test_an_ipv4_address_or_network_matches_exactly(
    network: str, expected: list[str], sysadmin: User
) -> None:
    # given
    entries_add(*(event(ip=address) for address in V4_ADDRESSES))
    # when
    result = connlog_query(actor=sysadmin, reason="R", ip=network, limit=1000)
    # then
    assert sorted(entry.ip or "" for entry in result.rows) == sorted(expected)
    assert result.total == len(expected)


V6_ADDRESSES = [
    "2001:db8::1",
    "2001:db8:0:1::5",
    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
    "2001:db9::1",
    "2001:0:0:5::1",  # compressed after the network part
    "2001::5:1:2:3:4",  # 2001:0:0:5:1:2:3:4, compressed inside the network part
    "2001::6:1:2:3:4",
    "fe80::1",
    "10.0.0.1",
]


@pytest.mark.parametrize(
    ("network", "expected"),
    [
        (
            "2001:db8::/32",
            ["2001:db8::1", "2001:db8:0:1::5", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"],
        ),
        ("2001:db8::/64", ["2001:db8::1"]),
        ("2001:0:0:5::/64", ["2001:0:0:5::1", "2001::5:1:2:3:4"]),
        ("2001::/16", [a for a in V6_ADDRESSES if a.startswith("2001:")]),
        ("2001:DB8:0:0:0:0:0:1", ["2001:db8::1"]),  # any spelling of the address
        ("2001:db8::1/128", ["2001:db8::1"]),
        ("::/0", [a for a in V6_ADDRESSES if ":" in a]),
        ("fe80::/10", ["fe80::1"]),
    ],
)
def test_an_ipv6_address_or_network_matches_exactly(
    network: str, expected: list[str], sysadmin: User
) -> None:
    # given
    entries_add(*(event(ip=address) for address in V6_ADDRESSES))
    # when
    result = connlog_query(actor=sysadmin, reason="R", ip=network, limit=1000)
    # then
    assert sorted(entry.ip or "" for entry in result.rows) == sorted(expected)
    assert result.total == len(expected)


def test_an_ipv6_network_pages_after_the_exact_test(sysadmin: User) -> None:
    # given: matching and non-matching candidates interleaved
    seqs = entries_add(
        *(event(f"2025-03-01T08:00:0{i}+00:00", ip=ip) for i, ip in enumerate(V6_ADDRESSES))
    )
    inside = [seq for seq, ip in zip(seqs, V6_ADDRESSES, strict=True) if ip.startswith("2001:")]
    # when
    page = connlog_query(actor=sysadmin, reason="R", ip="2001::/16", limit=2, offset=2)
    # then
    assert [entry.seq for entry in page.rows] == inside[2:4]
    assert page.total == len(inside)


SAMPLE = [
    *V4_ADDRESSES,
    *V6_ADDRESSES,
    "0.0.0.0",  # noqa: S104 - an address stored in a log, not one bound to
    "255.255.255.255",
    "10.1.16.128",
    "172.16.5.4",
    "::",
    "::1",
    "2001:db8:1234:5678:9abc:def0:1234:5678",
    "2001:db8:1234:5678::",
    "2001:db8:1234::5678",
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    base=st.sampled_from(sorted(set(SAMPLE))),
    v4_prefix=st.integers(min_value=0, max_value=32),
    v6_prefix=st.integers(min_value=0, max_value=128),
)
def test_any_network_around_a_stored_address_matches_what_ipaddress_says(
    sysadmin: User, base: str, v4_prefix: int, v6_prefix: int
) -> None:
    # given (once: hypothesis runs the examples in one test)
    if not Entry.objects.exists():
        entries_add(*(event(ip=address) for address in sorted(set(SAMPLE))))
    address = ipaddress.ip_address(base)
    network = ipaddress.ip_network(
        f"{base}/{v4_prefix if address.version == 4 else v6_prefix}", strict=False
    )
    # when
    result = connlog_query(actor=sysadmin, reason="R", ip=str(network), limit=1000)
    # then
    expected = sorted(a for a in set(SAMPLE) if ipaddress.ip_address(a) in network)
    assert sorted(entry.ip or "" for entry in result.rows) == expected
