"""Traversal: from a person's identities to every row reachable across the datasets.

:func:`access_plan` turns datasets into a graph of collections once: identity fields are the
roots, references the edges (fideslang ``direction``: "to" on ``A.f -> B.k`` means A's rows give
the keys to look up B where ``k`` is in A's ``f`` values; "from" the reverse, B's rows give the
keys to look up A where ``f`` is in B's ``k`` values; no direction, both ways). The plan orders
the reachable collections in levels, each collection after every collection that feeds it.

:func:`access_run` executes a plan level by level: one query per collection and batch of keys
(all its lookup fields OR-ed together), the systems of a level in parallel threads, each
connector used by one thread at a time. A failed system or an exhausted time budget does not
lose what was already found: the result says what failed, why, and what was still returned.

:func:`erasure_dry_run` and :func:`erasure_apply` mask or delete rows by primary key; the dry
run reads the targeted rows and reports the change without writing anything.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from garde.dsr.connectors.base import (
    Connector,
    ConnectorError,
    ConnectorUnavailableError,
    PrimaryKey,
    Row,
    primary_key_fields,
)
from garde.dsr.spec import CollectionSpec, DatasetSpec

BATCH_SIZE = 500  # keys per statement: well under SQLite's and PostgreSQL's parameter limits
MAX_WORKERS = 8


class CollectionAddress(NamedTuple):
    dataset: str
    collection: str

    def __str__(self) -> str:
        return f"{self.dataset}:{self.collection}"


class Edge(NamedTuple):
    """Rows of ``source`` give values of ``source_field``; look up ``target`` by
    ``target_field`` in those values."""

    source: CollectionAddress
    source_field: str
    target: CollectionAddress
    target_field: str


class IdentityInput(NamedTuple):
    field: str  # dotted path of the identity field in the collection
    identity: str  # identity type, e.g. "email"


@dataclass(frozen=True)
class PlanNode:
    address: CollectionAddress
    collection: CollectionSpec
    identity_inputs: tuple[IdentityInput, ...]
    inputs: tuple[Edge, ...]  # from collections of earlier levels only


@dataclass(frozen=True)
class Plan:
    """The reachable collections in execution order, and what was left out and why."""

    identities: frozenset[str]
    levels: tuple[tuple[CollectionAddress, ...], ...]
    nodes: Mapping[CollectionAddress, PlanNode]
    unreachable: tuple[CollectionAddress, ...]
    # Edges dropped to break a cycle of references, and references to nothing known.
    dropped_edges: tuple[Edge, ...] = ()
    warnings: tuple[str, ...] = ()

    def order(self) -> list[CollectionAddress]:
        return [address for level in self.levels for address in level]


FailureKind = Literal["error", "unavailable", "no_connector", "timeout"]


@dataclass(frozen=True)
class Failure:
    dataset: str
    collection: str
    kind: FailureKind
    reason: str


@dataclass
class AccessResult:
    data: dict[str, dict[str, list[Row]]]
    failures: list[Failure]
    elapsed_s: float
    statements: int = 0  # retrieve calls issued: one per collection and batch of keys

    @property
    def complete(self) -> bool:
        return not self.failures

    def counts(self) -> dict[str, dict[str, int]]:
        return {ds: {c: len(rows) for c, rows in cs.items()} for ds, cs in self.data.items()}


class PlanError(ValueError):
    """The datasets cannot be planned (duplicate keys)."""


# --- planning ------------------------------------------------------------------------------


def _references(datasets: Sequence[DatasetSpec]) -> tuple[list[Edge], list[str]]:
    known = {(d.fides_key, c.name): c for d in datasets for c in d.collections}
    edges: list[Edge] = []
    warnings: list[str] = []
    for dataset in datasets:
        for collection in dataset.collections:
            here = CollectionAddress(dataset.fides_key, collection.name)
            for spec_field in collection.all_fields():
                for ref in spec_field.references:
                    other = known.get((ref.dataset, ref.collection))
                    if other is None or other.field_at(ref.field) is None:
                        warnings.append(
                            f"{here}.{spec_field.dotted}: reference to unknown "
                            f"{ref.dataset}:{ref.collection}.{ref.field} ignored"
                        )
                        continue
                    there = CollectionAddress(ref.dataset, ref.collection)
                    if ref.direction in ("to", None):
                        edges.append(Edge(here, spec_field.dotted, there, ref.field))
                    if ref.direction in ("from", None):
                        edges.append(Edge(there, ref.field, here, spec_field.dotted))
    return edges, warnings


def access_plan(datasets: Sequence[DatasetSpec], identities: Iterable[str]) -> Plan:
    """Plan the traversal of ``datasets`` from the identity types given.

    A collection is reachable when an identity field of a given type, or a chain of references
    from one, leads to it. Levels follow the references; where references form a cycle, the edge
    into the collection nearest to an identity root is dropped (listed in ``dropped_edges``).
    """
    identity_types = frozenset(identities)
    keys = [d.fides_key for d in datasets]
    if len(set(keys)) != len(keys):
        raise PlanError("each dataset may be given only once")
    collections = {
        CollectionAddress(d.fides_key, c.name): c for d in datasets for c in d.collections
    }
    identity_inputs = {
        address: tuple(
            IdentityInput(f.dotted, f.identity)
            for f in collection.all_fields()
            if f.identity is not None and f.identity in identity_types
        )
        for address, collection in collections.items()
    }
    edges, warnings = _references(datasets)
    outgoing: dict[CollectionAddress, list[Edge]] = {}
    for edge in edges:
        outgoing.setdefault(edge.source, []).append(edge)

    # Breadth-first from the roots: reachability, and the depth used to break cycles.
    depth: dict[CollectionAddress, int] = {a: 0 for a, ins in identity_inputs.items() if ins}
    queue = deque(sorted(depth))
    while queue:
        current = queue.popleft()
        for edge in outgoing.get(current, []):
            if edge.target not in depth:
                depth[edge.target] = depth[current] + 1
                queue.append(edge.target)

    live = [e for e in edges if e.source in depth and e.target in depth and e.source != e.target]
    incoming: dict[CollectionAddress, set[Edge]] = {a: set() for a in depth}
    for edge in live:
        incoming[edge.target].add(edge)

    # Kahn's algorithm by levels; a blocked remainder is a cycle, broken at its shallowest node.
    levels: list[tuple[CollectionAddress, ...]] = []
    done: set[CollectionAddress] = set()
    dropped: list[Edge] = []
    inputs: dict[CollectionAddress, list[Edge]] = {a: [] for a in depth}
    while len(done) < len(depth):
        ready = sorted(
            a for a in depth if a not in done and all(e.source in done for e in incoming[a])
        )
        if not ready:
            blocked = min((a for a in depth if a not in done), key=lambda a: (depth[a], a))
            for edge in sorted(incoming[blocked]):
                if edge.source not in done:
                    incoming[blocked].discard(edge)
                    dropped.append(edge)
            continue
        for address in ready:
            inputs[address] = sorted(incoming[address])
        levels.append(tuple(ready))
        done.update(ready)

    nodes = {
        address: PlanNode(
            address=address,
            collection=collections[address],
            identity_inputs=identity_inputs[address],
            inputs=tuple(inputs[address]),
        )
        for address in depth
    }
    unreachable = tuple(sorted(a for a in collections if a not in depth))
    return Plan(
        identities=identity_types,
        levels=tuple(levels),
        nodes=nodes,
        unreachable=unreachable,
        dropped_edges=tuple(dropped),
        warnings=tuple(warnings),
    )


# --- execution -----------------------------------------------------------------------------


def field_value(row: Mapping[str, Any], dotted: str) -> object:
    """The value at a dotted path in a row (nested objects are dicts); None when absent."""
    value: object = row
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _as_values(value: object) -> list[object]:
    if isinstance(value, list | tuple | set | frozenset):
        return [v for v in value if v is not None]
    return [] if value is None else [value]


def _hashable(value: object) -> object:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _lookups_for(
    node: PlanNode,
    identities: Mapping[str, object],
    found: Mapping[CollectionAddress, list[Row]],
) -> dict[str, list[object]]:
    """Field -> distinct values to look the collection up by, in a stable order."""
    lookups: dict[str, dict[object, object]] = {}
    for identity_input in node.identity_inputs:
        for value in _as_values(identities.get(identity_input.identity)):
            lookups.setdefault(identity_input.field, {})[_hashable(value)] = value
    for edge in node.inputs:
        for row in found.get(edge.source, []):
            for value in _as_values(field_value(row, edge.source_field)):
                lookups.setdefault(edge.target_field, {})[_hashable(value)] = value
    return {name: list(values.values()) for name, values in lookups.items() if values}


def _batches(lookups: Mapping[str, list[object]], size: int) -> list[dict[str, list[object]]]:
    """Split the (field, value) pairs into batches of at most ``size`` values."""
    batches: list[dict[str, list[object]]] = []
    current: dict[str, list[object]] = {}
    count = 0
    for name, values in lookups.items():
        for value in values:
            if count == size:
                batches.append(current)
                current, count = {}, 0
            current.setdefault(name, []).append(value)
            count += 1
    if current:
        batches.append(current)
    return batches


def _row_key(collection: CollectionSpec, row: Row) -> object:
    keys = primary_key_fields(collection)
    if keys:
        return tuple(_hashable(row.get(k)) for k in keys)
    return tuple(sorted((k, repr(v)) for k, v in row.items()))


@dataclass
class _Task:
    node: PlanNode
    batches: list[dict[str, list[object]]]


@dataclass
class _TaskOutcome:
    rows: dict[CollectionAddress, list[Row]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    statements: int = 0
    unavailable: bool = False
    # Closed by the caller when the time budget runs out: a late worker then records nothing,
    # and what it had recorded before is kept.
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def _run_tasks(
    connector: Connector, tasks: list[_Task], deadline: float, outcome: _TaskOutcome
) -> _TaskOutcome:
    """The collections of one level on one connector, in turn, on this thread."""
    for index, task in enumerate(tasks):
        if outcome.closed:
            break
        address = task.node.address
        if outcome.unavailable or time.monotonic() > deadline:
            kind: FailureKind = "unavailable" if outcome.unavailable else "timeout"
            for rest in tasks[index:]:
                reason = (
                    "system unavailable (see the first failure)"
                    if outcome.unavailable
                    else "time budget exhausted before this collection was queried"
                )
                outcome.failures.append(
                    Failure(rest.node.address.dataset, rest.node.address.collection, kind, reason)
                )
            break
        rows: dict[object, Row] = {}
        try:
            for batch in task.batches:
                with outcome.lock:
                    outcome.statements += 1
                for row in connector.retrieve_many(task.node.collection, lookups=batch):
                    rows.setdefault(_row_key(task.node.collection, row), row)
        except ConnectorUnavailableError as exc:
            outcome.unavailable = True
            outcome.failures.append(
                Failure(address.dataset, address.collection, "unavailable", str(exc))
            )
            continue
        except Exception as exc:
            # Any failure of one system is reported with the rest of the result, never raised.
            reason = str(exc) if isinstance(exc, ConnectorError) else f"{type(exc).__name__}: {exc}"
            outcome.failures.append(Failure(address.dataset, address.collection, "error", reason))
            continue
        with outcome.lock:
            if not outcome.closed:
                outcome.rows[address] = list(rows.values())
    return outcome


def access_run(
    plan: Plan,
    *,
    identities: Mapping[str, object],
    connectors: Mapping[str, Connector],
    time_budget_s: float = 30,
    batch_size: int = BATCH_SIZE,
) -> AccessResult:
    """Fetch every row the plan reaches from ``identities`` (type -> value, or a list of values).

    ``connectors`` are keyed by dataset ``fides_key``; the same connector object may serve
    several datasets. Every reachable collection appears in ``data`` (possibly with no rows)
    unless it failed, in which case it is listed in ``failures``; a collection whose inputs
    all failed is queried with what remains, or skipped if nothing does.
    """
    started = time.monotonic()
    deadline = started + time_budget_s
    found: dict[CollectionAddress, list[Row]] = {}
    failures: list[Failure] = []
    statements = 0
    down: set[int] = set()  # id() of connectors found unreachable
    executor = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="dsr-access")
    try:
        for level_index, level in enumerate(plan.levels):
            groups: dict[int, tuple[Connector, list[_Task]]] = {}
            for address in level:
                node = plan.nodes[address]
                connector = connectors.get(address.dataset)
                if connector is None:
                    failures.append(
                        Failure(
                            address.dataset,
                            address.collection,
                            "no_connector",
                            "no system is connected for this dataset",
                        )
                    )
                    continue
                if id(connector) in down:
                    failures.append(
                        Failure(
                            address.dataset,
                            address.collection,
                            "unavailable",
                            "system unavailable (see the first failure)",
                        )
                    )
                    continue
                lookups = _lookups_for(node, identities, found)
                if not lookups:
                    found[address] = []  # nothing leads to it for this person: no query
                    continue
                task = _Task(node, _batches(lookups, batch_size))
                groups.setdefault(id(connector), (connector, []))[1].append(task)

            futures: dict[Future[_TaskOutcome], tuple[int, list[_Task], _TaskOutcome]] = {}
            for key, (connector, tasks) in groups.items():
                shared = _TaskOutcome()
                future = executor.submit(_run_tasks, connector, tasks, deadline, shared)
                futures[future] = (key, tasks, shared)
            pending = set(futures)
            while pending:
                remaining = deadline - time.monotonic()
                finished, pending = wait(
                    pending, timeout=max(remaining, 0), return_when=FIRST_COMPLETED
                )
                for future in finished:
                    key, _tasks, _shared = futures[future]
                    outcome = future.result()
                    found.update(outcome.rows)
                    failures.extend(outcome.failures)
                    statements += outcome.statements
                    if outcome.unavailable:
                        down.add(key)
                if pending and time.monotonic() >= deadline:
                    for future in pending:
                        future.cancel()
                        _key, tasks, shared = futures[future]
                        with shared.lock:
                            shared.closed = True
                            found.update(shared.rows)
                            failures.extend(shared.failures)
                            statements += shared.statements
                            settled = set(shared.rows) | {
                                CollectionAddress(f.dataset, f.collection) for f in shared.failures
                            }
                        for task in tasks:
                            if task.node.address in settled:
                                continue
                            failures.append(
                                Failure(
                                    task.node.address.dataset,
                                    task.node.address.collection,
                                    "timeout",
                                    f"time budget of {time_budget_s:g} s exhausted",
                                )
                            )
                    pending = set()
            if time.monotonic() >= deadline:
                for later in plan.levels[level_index + 1 :]:
                    failures.extend(
                        Failure(
                            a.dataset,
                            a.collection,
                            "timeout",
                            f"time budget of {time_budget_s:g} s exhausted before this level",
                        )
                        for a in later
                    )
                break
    finally:
        # Threads still running past the budget finish on their own; nobody waits for them.
        executor.shutdown(wait=False, cancel_futures=True)

    data: dict[str, dict[str, list[Row]]] = {}
    for address in plan.order():
        if address in found:
            data.setdefault(address.dataset, {})[address.collection] = found[address]
    return AccessResult(
        data=data,
        failures=failures,
        elapsed_s=time.monotonic() - started,
        statements=statements,
    )


# --- erasure -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureAction:
    """Mask ``updates`` (field -> new value) on, or delete (``updates`` None), the rows of one
    collection named by their primary keys."""

    dataset: str
    collection: CollectionSpec
    primary_keys: tuple[PrimaryKey, ...]
    updates: Mapping[str, object] | None = None

    @property
    def is_delete(self) -> bool:
        return self.updates is None


@dataclass(frozen=True)
class PlannedChange:
    """One row an action would touch: its key, and per masked field (old value, new value);
    ``deleted`` rows list every field with its current value as the old one."""

    dataset: str
    collection: str
    primary_key: Mapping[str, object]
    deleted: bool
    fields: Mapping[str, tuple[object, object]]


def primary_keys_of(collection: CollectionSpec, rows: Iterable[Row]) -> tuple[PrimaryKey, ...]:
    """The primary keys of ``rows``, as ``mask``/``delete`` take them."""
    keys = primary_key_fields(collection)
    if not keys:
        raise ConnectorError(
            f"collection {collection.name!r} declares no primary key: its rows cannot be "
            "targeted one by one"
        )
    return tuple({k: row[k] for k in keys} for row in rows)


def _targeted_rows(connector: Connector, action: ErasureAction) -> list[Row]:
    if not action.primary_keys:
        return []
    columns = sorted(action.primary_keys[0])
    first = columns[0]
    wanted = {tuple(_hashable(key[c]) for c in columns) for key in action.primary_keys}
    rows = connector.retrieve(
        action.collection,
        lookup_field=first,
        values=[key[first] for key in action.primary_keys],
    )
    return [r for r in rows if tuple(_hashable(r.get(c)) for c in columns) in wanted]


def erasure_dry_run(
    actions: Sequence[ErasureAction], *, connectors: Mapping[str, Connector]
) -> list[PlannedChange]:
    """What :func:`erasure_apply` would change, read from the systems; writes nothing."""
    changes: list[PlannedChange] = []
    for action in actions:
        connector = connectors[action.dataset]
        for row in _targeted_rows(connector, action):
            key = {c: row[c] for c in sorted(action.primary_keys[0])}
            fields: dict[str, tuple[object, object]]
            if action.updates is None:
                fields = {name: (value, None) for name, value in row.items()}
            else:
                fields = {name: (row.get(name), new) for name, new in action.updates.items()}
            changes.append(
                PlannedChange(
                    dataset=action.dataset,
                    collection=action.collection.name,
                    primary_key=key,
                    deleted=action.is_delete,
                    fields=fields,
                )
            )
    return changes


def erasure_apply(
    actions: Sequence[ErasureAction], *, connectors: Mapping[str, Connector]
) -> list[tuple[ErasureAction, int]]:
    """Apply each action (one transaction per action and system); rows changed per action."""
    applied: list[tuple[ErasureAction, int]] = []
    for action in actions:
        connector = connectors[action.dataset]
        if action.updates is None:
            count = connector.delete(action.collection, primary_keys=action.primary_keys)
        else:
            count = connector.mask(
                action.collection, primary_keys=action.primary_keys, updates=action.updates
            )
        applied.append((action, count))
    return applied


__all__ = [
    "BATCH_SIZE",
    "AccessResult",
    "CollectionAddress",
    "Edge",
    "ErasureAction",
    "Failure",
    "Plan",
    "PlanError",
    "PlanNode",
    "PlannedChange",
    "access_plan",
    "access_run",
    "erasure_apply",
    "erasure_dry_run",
    "field_value",
    "primary_keys_of",
]
