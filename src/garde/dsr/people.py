"""Finding the people concerned by a breach with the data map (GDPR art. 34, R-36).

The traversal engine goes from one person to their rows; a breach needs the reverse: everyone
whose data sits in the affected stores. :func:`people_search` lists, in every collection of the
chosen datasets that is *affected*, the distinct addresses held in its contact fields.

- A collection is affected when it, its dataset or one of its fields carries one of the
  affected data categories (or a narrower one: ``user.financial`` covers
  ``user.financial.bank_account``). Every row of an affected collection counts: whether a given
  row holds a non-empty value in the affected column is not checked (a wider list, never a
  shorter one).
- A contact field is a top-level field categorised under ``user.contact.email`` (or
  ``user.contact.phone_number`` when phones are asked) or declared with that ``identity``. Only
  those columns are read (:meth:`Connector.contact_values`), page by page (keyset on the value),
  so no table is ever loaded whole.
- An affected collection without a contact field is listed in ``without_contacts``: its people
  are not found by this search (following its references to a collection holding the address
  is not done yet), and the DPO completes the list by an import.

The systems are scanned in parallel, one thread per system as the engine does. A system that
fails, or the time budget running out, does not lose what the others found: the result says
what failed and why. Addresses are compared case-insensitively and returned in lower case.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from garde.dsr.connectors.base import (
    Connector,
    ConnectorError,
    ConnectorUnavailableError,
    contact_kind,
)
from garde.dsr.runtime import DataMap, connectors_open
from garde.dsr.spec import CollectionSpec, DatasetSpec

PAGE_SIZE = 1000
MAX_PEOPLE = 200_000
MAX_WORKERS = 8


def category_covers(affected: str, category: str) -> bool:
    """``category`` is ``affected`` or narrower than it."""
    return category == affected or category.startswith(affected + ".")


@dataclass(frozen=True)
class ScanTarget:
    """One affected collection and the contact fields to list in it."""

    dataset: str
    system: str
    collection: CollectionSpec
    fields: tuple[str, ...]

    @property
    def place(self) -> str:
        return f"{self.system}.{self.collection.name}"


@dataclass(frozen=True)
class ScanFailure:
    system: str
    dataset: str
    collection: str
    reason: str

    @property
    def place(self) -> str:
        return f"{self.system}.{self.collection}"


@dataclass(frozen=True)
class FoundPerson:
    """One address, where it was found (``system.collection``), and in how many contact
    fields of those collections."""

    address: str
    places: tuple[str, ...]
    count: int


@dataclass
class PeopleResult:
    people: list[FoundPerson]
    scanned: list[str]  # places fully listed
    failures: list[ScanFailure]
    without_contacts: list[str]  # affected places holding no contact field
    invalid: int  # values of an e-mail field that are not addresses, left out
    truncated: bool  # more than MAX_PEOPLE addresses: the list stops there
    elapsed_s: float
    statements: int

    @property
    def complete(self) -> bool:
        return not self.failures and not self.truncated

    def addresses(self) -> list[str]:
        return [p.address for p in self.people]

    def fingerprint(self) -> str:
        """A digest of the list, to check a confirmed search found what was shown."""
        return hashlib.sha256("\n".join(self.addresses()).encode()).hexdigest()


def _affected(dataset: DatasetSpec, collection: CollectionSpec, categories: Sequence[str]) -> bool:
    held = [*dataset.data_categories, *collection.data_categories]
    held += [c for f in collection.all_fields() for c in f.data_categories]
    return any(category_covers(a, c) for a in categories for c in held)


def scan_targets(
    data_map: DataMap, categories: Iterable[str], kinds: Iterable[str] = ("email",)
) -> tuple[list[ScanTarget], list[str]]:
    """The affected collections of the data map with their contact fields, and the places of
    the affected collections that hold none."""
    wanted = set(kinds)
    affected = sorted(set(categories))
    targets: list[ScanTarget] = []
    without: list[str] = []
    for dataset in data_map.specs:
        system = data_map.system_name(dataset.fides_key)
        for collection in dataset.collections:
            if not _affected(dataset, collection, affected):
                continue
            fields = tuple(f.name for f in collection.fields if contact_kind(f) in wanted)
            if fields:
                targets.append(ScanTarget(dataset.fides_key, system, collection, fields))
            else:
                without.append(f"{system}.{collection.name}")
    return targets, without


@dataclass
class _Outcome:
    hits: list[tuple[object, str]] = field(default_factory=list)  # (value, place)
    scanned: list[str] = field(default_factory=list)
    failures: list[ScanFailure] = field(default_factory=list)
    statements: int = 0
    closed: bool = False  # set when the budget ran out: a late worker records nothing more
    lock: threading.Lock = field(default_factory=threading.Lock)


def _scan_one(
    connector: Connector, target: ScanTarget, outcome: _Outcome, deadline: float, page: int
) -> None:
    for name in target.fields:
        after: object | None = None
        listed = 0
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError
            values = connector.contact_values(
                target.collection, field=name, limit=page, after=after
            )
            with outcome.lock:
                if outcome.closed:
                    return
                outcome.statements += 1
                outcome.hits.extend((v, target.place) for v in values)
            listed += len(values)
            if len(values) < page or listed > MAX_PEOPLE:
                break
            after = values[-1]


def _scan(
    connector: Connector, targets: list[ScanTarget], deadline: float, page: int, out: _Outcome
) -> _Outcome:
    """The targets of one system, in turn, on this thread. An error ends the scan of its
    collection; an unreachable system or the budget running out ends the system's scan."""

    def fail(rest: Sequence[ScanTarget], reason: str) -> None:
        with out.lock:
            if not out.closed:
                out.failures.extend(
                    ScanFailure(t.system, t.dataset, t.collection.name, reason) for t in rest
                )

    for index, target in enumerate(targets):
        try:
            _scan_one(connector, target, out, deadline, page)
        except TimeoutError:
            fail(targets[index:], "time budget exhausted (the addresses listed before are kept)")
            return out
        except ConnectorUnavailableError as exc:
            fail([target], str(exc))
            fail(targets[index + 1 :], "system unavailable (see the first failure)")
            return out
        except Exception as exc:
            # Any failure of one collection is reported with the result, never raised.
            reason = str(exc) if isinstance(exc, ConnectorError) else f"{type(exc).__name__}: {exc}"
            fail([target], reason)
            continue
        with out.lock:
            if not out.closed:
                out.scanned.append(target.place)
    return out


def _normalise(value: object, kinds: set[str]) -> str | None:
    text = str(value).strip().lower()
    if not text:
        return None
    if "@" in text or kinds == {"email"}:
        try:
            validate_email(text)
        except ValidationError:
            return None
    return text


def _merge(
    outcomes: Sequence[_Outcome], kinds: set[str]
) -> tuple[list[FoundPerson], int, bool, int]:
    places: dict[str, dict[str, int]] = {}
    invalid = 0
    for outcome in outcomes:
        for value, place in outcome.hits:
            address = _normalise(value, kinds)
            if address is None:
                invalid += 1
                continue
            counts = places.setdefault(address, {})
            counts[place] = counts.get(place, 0) + 1
    truncated = len(places) > MAX_PEOPLE
    people = [
        FoundPerson(address, tuple(sorted(counts)), sum(counts.values()))
        for address, counts in sorted(places.items())[:MAX_PEOPLE]
    ]
    return people, invalid, truncated, sum(o.statements for o in outcomes)


def people_search(
    *,
    data_map: DataMap,
    categories: Iterable[str],
    kinds: Iterable[str] = ("email",),
    connectors: Mapping[str, Connector] | None = None,
    time_budget_s: float | None = None,
    page_size: int = PAGE_SIZE,
) -> PeopleResult:
    """The people whose contact address sits in a collection of ``data_map`` affected by
    ``categories`` (fideslang keys). ``connectors`` (keyed by dataset fides_key) default to one
    per system of the data map, opened and closed here."""
    budget = time_budget_s if time_budget_s is not None else settings.GARDE_DSR_TIME_BUDGET_SECONDS
    targets, without = scan_targets(data_map, categories, kinds)
    if connectors is None:
        with connectors_open(data_map) as opened:
            return _run(targets, without, set(kinds), opened, budget, page_size)
    return _run(targets, without, set(kinds), connectors, budget, page_size)


def _run(
    targets: list[ScanTarget],
    without: list[str],
    kinds: set[str],
    connectors: Mapping[str, Connector],
    budget: float,
    page_size: int,
) -> PeopleResult:
    started = time.monotonic()
    deadline = started + budget
    failures: list[ScanFailure] = []
    groups: dict[int, tuple[Connector, list[ScanTarget]]] = {}
    for target in targets:
        connector = connectors.get(target.dataset)
        if connector is None:
            failures.append(
                ScanFailure(target.system, target.dataset, target.collection.name, "no system")
            )
            continue
        groups.setdefault(id(connector), (connector, []))[1].append(target)
    outcomes: list[_Outcome] = []
    executor = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="dsr-people")
    try:
        futures: dict[Future[_Outcome], tuple[list[ScanTarget], _Outcome]] = {}
        for connector, group in groups.values():
            outcome = _Outcome()
            outcomes.append(outcome)
            futures[executor.submit(_scan, connector, group, deadline, page_size, outcome)] = (
                group,
                outcome,
            )
        pending = set(futures)
        while pending:
            _done, pending = wait(
                pending, timeout=max(deadline - time.monotonic(), 0), return_when=FIRST_COMPLETED
            )
            if pending and time.monotonic() >= deadline:
                for future in pending:
                    group, outcome = futures[future]
                    with outcome.lock:
                        outcome.closed = True
                        settled = set(outcome.scanned) | {f.place for f in outcome.failures}
                        outcome.failures.extend(
                            ScanFailure(
                                t.system,
                                t.dataset,
                                t.collection.name,
                                f"time budget of {budget:g} s exhausted",
                            )
                            for t in group
                            if t.place not in settled
                        )
                pending = set()
    finally:
        # A worker still running past the budget finishes on its own; nobody waits for it.
        executor.shutdown(wait=False, cancel_futures=True)
    snapshot: list[_Outcome] = []
    for outcome in outcomes:
        with outcome.lock:
            snapshot.append(
                _Outcome(
                    hits=list(outcome.hits),
                    scanned=list(outcome.scanned),
                    failures=list(outcome.failures),
                    statements=outcome.statements,
                )
            )
    people, invalid, truncated, statements = _merge(snapshot, kinds)
    return PeopleResult(
        people=people,
        scanned=sorted(p for o in snapshot for p in o.scanned),
        failures=failures + [f for o in snapshot for f in o.failures],
        without_contacts=without,
        invalid=invalid,
        truncated=truncated,
        elapsed_s=time.monotonic() - started,
        statements=statements,
    )


__all__ = [
    "MAX_PEOPLE",
    "PAGE_SIZE",
    "FoundPerson",
    "PeopleResult",
    "ScanFailure",
    "ScanTarget",
    "category_covers",
    "people_search",
    "scan_targets",
]
