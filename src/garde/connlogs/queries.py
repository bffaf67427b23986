"""Reading the connection logs: administrators only, always with a reason, always audited.

The policy restricts access to the connection logs to "nos Administrateurs": every read goes
through :func:`connlog_query` (or, for a requisition file, ``garde.connlogs.export``), which
refuses anyone without the ``sysadmin`` role, refuses a query without a reason, and writes a
``connlogs.queried`` event (reason, filter, rows returned) to the audit trail of the main database.

Filters, all optional and combined with AND:

- ``account``: the account identifier, exact;
- ``ip``: an address (exact) or a network in CIDR notation (``10.1.0.0/16``, ``2001:db8::/32``);
  IPv4 and IPv6 are distinct families: ``::ffff:10.1.2.3`` is not in ``10.0.0.0/8``;
- ``start`` (inclusive) and ``end`` (exclusive): the connection time.

Addresses are stored as normalised text (``garde.connlogs.parsers``), so an IPv4 network is
matched exactly in SQL by textual prefixes (at most 128 ``LIKE 'a.b.c.%'`` terms). IPv6 text is
compressed (``::``), so no prefix is reliable beyond the leading non-zero groups: SQL narrows the
candidates with those groups and each candidate address is then tested exactly in Python.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.accounts.models import User
from garde.accounts.selectors import user_roles
from garde.connlogs.models import ACCOUNT_MAX, Entry, SignedHead
from garde.core.errors import GardeError, PermissionDeniedError
from garde.core.roles import Role
from garde.core.services import audit_record

REASON_MAX = 500
LIMIT_MAX = 1000
ITERATOR_CHUNK = 5000

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
AddressCheck = Callable[[str | None], bool]


class ConnlogsForbiddenError(PermissionDeniedError):
    """The actor does not hold the ``sysadmin`` role."""

    code = "connlogs_forbidden"


@dataclass(frozen=True)
class ConnlogFilter:
    """A validated filter. ``network`` is set for an ``ip`` filter (a single address is a /32 or
    /128 network); ``as_dict()`` is what the audit trail and export manifests record."""

    account: str | None
    ip: str | None
    network: Network | None
    start: datetime | None
    end: datetime | None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "account": self.account,
            "ip": self.ip,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


@dataclass(frozen=True)
class QueryResult:
    rows: list[Entry]
    total: int


def connlog_check_actor(actor: User | None) -> User:
    """``actor`` if they hold the ``sysadmin`` role, else :class:`ConnlogsForbiddenError`."""
    if actor is None or Role.SYSADMIN not in user_roles(actor):
        raise ConnlogsForbiddenError(
            _("Seuls les administrateurs systèmes peuvent consulter les journaux de connexion.")
        )
    return actor


def connlog_check_reason(reason: str | None) -> str:
    """The reason, stripped; refused (field ``reason``) when blank or too long."""
    reason = (reason or "").strip()
    if not reason:
        raise GardeError(
            _("Indiquez le motif de la consultation (par exemple la référence de la réquisition)."),
            field="reason",
        )
    if len(reason) > REASON_MAX:
        raise GardeError(
            _("Le motif ne doit pas dépasser %(max)d caractères.") % {"max": REASON_MAX},
            field="reason",
        )
    return reason


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        raise GardeError(_("Indiquez un fuseau horaire pour cette date."), field=field)
    return value


def connlog_filter_build(
    *,
    account: str | None = None,
    ip: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> ConnlogFilter:
    """Validate filter values; blank strings mean "no filter"."""
    account = (account or "").strip() or None
    if account is not None and len(account) > ACCOUNT_MAX:
        raise GardeError(
            _("L'identifiant de compte ne doit pas dépasser %(max)d caractères.")
            % {"max": ACCOUNT_MAX},
            field="account",
        )
    ip = (ip or "").strip() or None
    network: Network | None = None
    if ip is not None:
        try:
            network = ipaddress.ip_network(ip, strict=False)
        except ValueError:
            raise GardeError(
                _("Adresse IP ou réseau CIDR invalide : %(ip)s") % {"ip": ip}, field="ip"
            ) from None
        ip = str(network) if "/" in ip else str(network.network_address)
    start, end = _aware(start, "start"), _aware(end, "end")
    if start is not None and end is not None and end <= start:
        raise GardeError(_("La fin de la période doit suivre son début."), field="end")
    return ConnlogFilter(account=account, ip=ip, network=network, start=start, end=end)


def _address_texts(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> set[str]:
    """The texts an address may be stored as: the parsers normalise with ``inet_ntop``, which
    differs from ``ipaddress`` for some IPv6 forms (``::ffff:1.2.3.4``)."""
    family = socket.AF_INET if address.version == 4 else socket.AF_INET6
    return {str(address), socket.inet_ntop(family, address.packed)}


def _ipv4_condition(network: ipaddress.IPv4Network) -> Q:
    """Matches exactly the dotted-quad texts of ``network``: the octets its prefix fixes as a
    textual prefix, and the values a partly fixed octet may take one by one (at most 128)."""
    octets = str(network.network_address).split(".")
    whole, rest = divmod(network.prefixlen, 8)
    fixed = octets[:whole]
    if rest == 0:
        condition = Q(ip__startswith=".".join(fixed) + ".") if fixed else Q()
    else:
        first = int(octets[whole])
        texts = [".".join([*fixed, str(v)]) for v in range(first, first + 2 ** (8 - rest))]
        if whole == 3:  # the last octet: whole addresses, not prefixes
            condition = Q(ip__in=texts)
        else:
            condition = reduce(or_, (Q(ip__startswith=text + ".") for text in texts))
    return condition & Q(ip__contains=".") & ~Q(ip__contains=":")


def _ipv6_prefix(network: ipaddress.IPv6Network) -> str:
    """The leading groups of ``network`` fixed by its prefix and non-zero: ``inet_ntop`` never
    compresses those, so every address of the network starts with them."""
    groups = network.network_address.exploded.split(":")
    prefix = []
    for group in groups[: network.prefixlen // 16]:
        if int(group, 16) == 0:
            break
        prefix.append(format(int(group, 16), "x"))
    return ":".join(prefix) + ":" if prefix else ""


def _ip_condition(
    network: Network,
) -> tuple[Q, AddressCheck | None]:
    """SQL condition on ``Entry.ip``, and a Python test to apply to candidates (None when the
    SQL condition is already exact)."""
    if network.num_addresses == 1:
        return Q(ip__in=sorted(_address_texts(network.network_address))), None
    if isinstance(network, ipaddress.IPv4Network):
        return _ipv4_condition(network), None

    def inside(text: str | None) -> bool:
        if text is None:
            return False
        try:
            return ipaddress.ip_address(text) in network
        except ValueError:
            return False

    prefix = _ipv6_prefix(network)
    condition = Q(ip__startswith=prefix) if prefix else Q(ip__contains=":")
    return condition, inside


def connlog_entries(
    flt: ConnlogFilter,
) -> tuple[QuerySet[Entry], AddressCheck | None]:
    """Entries matching ``flt`` in reading order (connection time, then sequence), and the
    exact address test still to apply in Python (IPv6 networks only). Callers check the actor
    and the reason; this reads without auditing."""
    entries = Entry.objects.all()
    if flt.account is not None:
        entries = entries.filter(account=flt.account)
    if flt.start is not None:
        entries = entries.filter(ts__gte=flt.start)
    if flt.end is not None:
        entries = entries.filter(ts__lt=flt.end)
    check: AddressCheck | None = None
    if flt.network is not None:
        condition, check = _ip_condition(flt.network)
        entries = entries.filter(condition)
    return entries.order_by("ts", "seq"), check


def connlog_iter(flt: ConnlogFilter) -> Iterator[Entry]:
    """Every entry matching ``flt``, streamed in reading order (for exports)."""
    entries, check = connlog_entries(flt)
    for entry in entries.iterator(chunk_size=ITERATOR_CHUNK):
        if check is None or check(entry.ip):
            yield entry


def _page(flt: ConnlogFilter, *, limit: int, offset: int) -> QueryResult:
    entries, check = connlog_entries(flt)
    if check is None:
        return QueryResult(rows=list(entries[offset : offset + limit]), total=entries.count())
    matching = [
        seq
        for seq, ip in entries.values_list("seq", "ip").iterator(chunk_size=ITERATOR_CHUNK)
        if check(ip)
    ]
    page = matching[offset : offset + limit]
    by_seq = Entry.objects.in_bulk(page)
    return QueryResult(rows=[by_seq[seq] for seq in page], total=len(matching))


def connlog_query(
    *,
    actor: User,
    reason: str,
    account: str | None = None,
    ip: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
    request: HttpRequest | None = None,
    extra: dict[str, Any] | None = None,
) -> QueryResult:
    """One page of the entries matching the filter, with the total count.

    Refused with :class:`ConnlogsForbiddenError` unless ``actor`` holds ``sysadmin``, and with a
    ``GardeError`` on field ``reason`` without a reason; a refused query reads nothing and
    writes nothing. An accepted one writes ``connlogs.queried`` (``reason``, ``filter``,
    ``rows`` returned, ``total``, ``offset``, plus ``extra``) in the main database before
    returning."""
    connlog_check_actor(actor)
    reason = connlog_check_reason(reason)
    flt = connlog_filter_build(account=account, ip=ip, start=start, end=end)
    if not 1 <= limit <= LIMIT_MAX:
        raise GardeError(
            _("La taille de page doit être comprise entre 1 et %(max)d.") % {"max": LIMIT_MAX},
            field="limit",
        )
    if offset < 0:
        raise GardeError(_("Le décalage ne peut pas être négatif."), field="offset")
    result = _page(flt, limit=limit, offset=offset)
    with transaction.atomic(using="default"):
        audit_record(
            action="connlogs.queried",
            actor=actor,
            request=request,
            details={
                "reason": reason,
                "filter": flt.as_dict(),
                "rows": len(result.rows),
                "total": result.total,
                "offset": offset,
                **(extra or {}),
            },
        )
    return result


def connlog_heads_latest(*, limit: int = 5) -> list[SignedHead]:
    """The most recent signed heads, newest segment first: public integrity data, no entry."""
    return list(SignedHead.objects.order_by("-segment_day", "-size", "-id")[:limit])
