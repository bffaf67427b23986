"""Traversal engine on Fides' example: the plan, exact rows on SQLite and PostgreSQL, one
statement per collection and batch, partial failures, the time budget, erasure and dry run."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from garde.dsr.connectors.base import Connector, PrimaryKey, Row
from garde.dsr.connectors.postgres import PostgresConnector
from garde.dsr.connectors.sqlite import SQLiteConnector
from garde.dsr.engine import (
    CollectionAddress,
    ErasureAction,
    Failure,
    access_plan,
    access_run,
    erasure_apply,
    erasure_dry_run,
    primary_keys_of,
)
from garde.dsr.spec import CollectionSpec, DatasetSpec, FieldSpec, Reference
from tests.dsr.fides_fixture import (
    EXAMPLE_KEY,
    EXTENDED_KEY,
    FIDES_COUNTS,
    example_datasets,
    extended_datasets,
    fides_sqlite_script,
    postgres_fides_database,
)

EMAIL = "customer-1@example.com"


def _a(collection: str, dataset: str = EXAMPLE_KEY) -> CollectionAddress:
    return CollectionAddress(dataset, collection)


class CountingConnector(Connector):
    """Wraps a connector and records every retrieve call: (collection, number of keys)."""

    def __init__(self, inner: Connector, *, delay_s: float = 0) -> None:
        super().__init__("")
        self.inner = inner
        self.delay_s = delay_s
        self.calls: list[tuple[str, int]] = []

    def test_connection(self) -> None:
        self.inner.test_connection()

    def retrieve_many(
        self, collection: CollectionSpec, *, lookups: Mapping[str, Sequence[object]]
    ) -> list[Row]:
        self.calls.append((collection.name, sum(len(v) for v in lookups.values())))
        time.sleep(self.delay_s)
        return self.inner.retrieve_many(collection, lookups=lookups)

    def mask(
        self,
        collection: CollectionSpec,
        *,
        primary_keys: Sequence[PrimaryKey],
        updates: Mapping[str, object],
    ) -> int:
        return self.inner.mask(collection, primary_keys=primary_keys, updates=updates)

    def delete(self, collection: CollectionSpec, *, primary_keys: Sequence[PrimaryKey]) -> int:
        return self.inner.delete(collection, primary_keys=primary_keys)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "fides.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(fides_sqlite_script())
    connection.close()
    return path


def _scalar_rows(path: Path, query: str, *params: object) -> set[Any]:
    """Run a hand-written query; ``{C}`` stands for the customer id of the e-mail given."""
    query = query.replace("{C}", "(SELECT id FROM customer WHERE email = ?)")
    connection = sqlite3.connect(path)
    try:
        return {row[0] for row in connection.execute(query, params)}
    finally:
        connection.close()


def _dump_all_sqlite(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    connection = sqlite3.connect(path)
    try:
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {
            t: sorted(connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)  # noqa: S608
            for t in tables
        }
    finally:
        connection.close()


# --- plan ----------------------------------------------------------------------------------


def test_plan_levels_follow_reference_directions() -> None:
    plan = access_plan(example_datasets(), {"email"})
    assert plan.levels == (
        (_a("customer"), _a("employee"), _a("report"), _a("visit")),
        (_a("login"), _a("orders"), _a("payment_card"), _a("service_request")),
        (_a("address"), _a("order_item")),
        (_a("product"),),
    )
    assert plan.unreachable == ()
    assert plan.dropped_edges == ()
    address_inputs = {
        (e.source.collection, e.source_field) for e in plan.nodes[_a("address")].inputs
    }
    assert address_inputs == {
        ("customer", "address_id"),
        ("employee", "address_id"),
        ("orders", "shipping_address_id"),
        ("payment_card", "billing_address_id"),
    }


def test_plan_leaves_out_collections_no_identity_reaches() -> None:
    plan = access_plan(extended_datasets(), {"email"})
    assert plan.unreachable == (_a("loyalty", EXTENDED_KEY),)
    only_loyalty = access_plan(extended_datasets(), {"loyalty_id"})
    assert only_loyalty.levels == ((_a("loyalty", EXTENDED_KEY),),)
    assert len(only_loyalty.unreachable) == 11


def test_plan_breaks_a_reference_cycle_at_the_shallowest_collection() -> None:
    # given: a <-> b with no direction, b -> c, c -> a: a cycle reachable from a's identity
    def f(name: str, *refs: Reference, identity: str | None = None) -> FieldSpec:
        return FieldSpec(name=name, path=(name,), identity=identity, references=refs)

    dataset = DatasetSpec(
        fides_key="d",
        name="d",
        collections=(
            CollectionSpec("a", (f("email", identity="email"), f("id"))),
            CollectionSpec("b", (f("a_id", Reference("d", "a", "id")), f("c_id"))),
            CollectionSpec(
                "c",
                (
                    f("id", Reference("d", "b", "c_id", "from")),
                    f("a_id", Reference("d", "a", "id", "to")),
                ),
            ),
        ),
    )
    # when
    plan = access_plan([dataset], {"email"})
    # then
    assert plan.levels == ((_a("a", "d"),), (_a("b", "d"),), (_a("c", "d"),))
    assert [(e.source.collection, e.target.collection) for e in plan.dropped_edges] == [
        ("b", "a"),
        ("c", "a"),
    ]


def test_plan_warns_about_references_to_unknown_collections() -> None:
    dataset = DatasetSpec(
        fides_key="d",
        name="d",
        collections=(
            CollectionSpec(
                "a",
                (
                    FieldSpec("email", ("email",), identity="email"),
                    FieldSpec("x", ("x",), references=(Reference("elsewhere", "t", "id", "to"),)),
                ),
            ),
        ),
    )
    plan = access_plan([dataset], {"email"})
    assert plan.warnings == ("d:a.x: reference to unknown elsewhere:t.id ignored",)


# --- access on SQLite ----------------------------------------------------------------------


def test_sqlite_access_returns_fides_counts_and_exact_rows(sqlite_db: Path) -> None:
    # given
    plan = access_plan(example_datasets(), {"email"})
    # when
    result = access_run(
        plan,
        identities={"email": EMAIL},
        connectors={EXAMPLE_KEY: SQLiteConnector(str(sqlite_db))},
    )
    # then
    assert result.failures == []
    assert result.counts() == {EXAMPLE_KEY: FIDES_COUNTS}
    data = result.data[EXAMPLE_KEY]
    assert {r["id"] for r in data["orders"]} == _scalar_rows(
        sqlite_db,
        "SELECT id FROM orders WHERE customer_id = {C}",
        EMAIL,
    )
    assert {r["id"] for r in data["login"]} == _scalar_rows(
        sqlite_db,
        "SELECT id FROM login WHERE customer_id = {C}",
        EMAIL,
    )
    assert {r["id"] for r in data["address"]} == _scalar_rows(
        sqlite_db,
        """SELECT address_id FROM customer WHERE email = ?
            UNION SELECT shipping_address_id FROM orders WHERE customer_id = {C}
            UNION SELECT billing_address_id FROM payment_card WHERE customer_id = {C}""",
        EMAIL,
        EMAIL,
        EMAIL,
    )
    assert {r["product_id"] for r in data["order_item"]} == {r["id"] for r in data["product"]}
    assert data["customer"] == [
        {
            "address_id": 1,
            "created": "2020-04-01 11:47:42",
            "email": EMAIL,
            "id": 1,
            "name": "John Customer",
        }
    ]


def test_one_statement_per_collection_and_batch_not_per_row(sqlite_db: Path) -> None:
    # given: batches of 2 keys, and the SQLite trace of every statement actually sent
    inner = SQLiteConnector(str(sqlite_db))
    sent: list[str] = []
    inner._connect().set_trace_callback(sent.append)
    counting = CountingConnector(inner)
    plan = access_plan(example_datasets(), {"email"})
    # when
    result = access_run(
        plan, identities={"email": EMAIL}, connectors={EXAMPLE_KEY: counting}, batch_size=2
    )
    # then: one statement per (collection, batch); each batch at most 2 keys
    assert result.counts() == {EXAMPLE_KEY: FIDES_COUNTS}
    assert len(sent) == len(counting.calls) == result.statements
    keys_per_collection: dict[str, int] = {}
    for name, keys in counting.calls:
        assert keys <= 2
        keys_per_collection[name] = keys_per_collection.get(name, 0) + keys
    expected_batches = sum(math.ceil(k / 2) for k in keys_per_collection.values())
    assert len(counting.calls) == expected_batches
    # orders 3 ids -> order_item in 2 batches; login's 6 rows came from 1 statement
    assert [c for c in counting.calls if c[0] == "order_item"] == [
        ("order_item", 2),
        ("order_item", 1),
    ]
    assert [c for c in counting.calls if c[0] == "login"] == [("login", 1)]
    total_rows = sum(FIDES_COUNTS.values())
    assert len(sent) < total_rows


def test_default_batch_is_one_statement_per_collection(sqlite_db: Path) -> None:
    counting = CountingConnector(SQLiteConnector(str(sqlite_db)))
    result = access_run(
        access_plan(example_datasets(), {"email"}),
        identities={"email": EMAIL},
        connectors={EXAMPLE_KEY: counting},
    )
    assert sorted(name for name, _ in counting.calls) == sorted(FIDES_COUNTS)
    assert result.statements == 11


def test_custom_identity_reaches_the_extended_dataset(sqlite_db: Path) -> None:
    plan = access_plan(extended_datasets(), {"email", "loyalty_id"})
    result = access_run(
        plan,
        identities={"email": EMAIL, "loyalty_id": "CH-2"},
        connectors={
            EXAMPLE_KEY: SQLiteConnector(str(sqlite_db)),
            EXTENDED_KEY: SQLiteConnector(str(sqlite_db)),
        },
    )
    assert result.failures == []
    assert result.data[EXTENDED_KEY] == {
        "loyalty": [
            {"id": "CH-2", "name": "John Customer", "points": 200, "tier": "Cookie Connoisseur"}
        ]
    }
    assert result.counts()[EXAMPLE_KEY] == FIDES_COUNTS


def test_a_failing_system_gives_a_partial_result(sqlite_db: Path, tmp_path: Path) -> None:
    # given: the extended dataset's system points to a database that does not exist
    plan = access_plan(extended_datasets(), {"email", "loyalty_id"})
    # when
    result = access_run(
        plan,
        identities={"email": EMAIL, "loyalty_id": "CH-2"},
        connectors={
            EXAMPLE_KEY: SQLiteConnector(str(sqlite_db)),
            EXTENDED_KEY: SQLiteConnector(str(tmp_path / "gone" / "loyalty.sqlite3")),
        },
    )
    # then
    assert not result.complete
    assert [(f.dataset, f.collection, f.kind) for f in result.failures] == [
        (EXTENDED_KEY, "loyalty", "unavailable")
    ]
    assert "cannot open the SQLite database" in result.failures[0].reason
    assert result.counts() == {EXAMPLE_KEY: FIDES_COUNTS}


def test_a_missing_connector_is_reported(sqlite_db: Path) -> None:
    result = access_run(
        access_plan(extended_datasets(), {"email", "loyalty_id"}),
        identities={"email": EMAIL, "loyalty_id": "CH-2"},
        connectors={EXAMPLE_KEY: SQLiteConnector(str(sqlite_db))},
    )
    assert result.failures == [
        Failure(EXTENDED_KEY, "loyalty", "no_connector", "no system is connected for this dataset")
    ]
    assert result.counts() == {EXAMPLE_KEY: FIDES_COUNTS}


def test_time_budget_stops_the_request_and_keeps_what_was_found(sqlite_db: Path) -> None:
    # given: every statement takes 0.15 s, the budget is 0.25 s
    slow = CountingConnector(SQLiteConnector(str(sqlite_db)), delay_s=0.15)
    plan = access_plan(example_datasets(), {"email"})
    # when
    result = access_run(
        plan, identities={"email": EMAIL}, connectors={EXAMPLE_KEY: slow}, time_budget_s=0.25
    )
    # then
    assert result.elapsed_s < 0.6
    assert {f.kind for f in result.failures} == {"timeout"}
    found = set(result.data.get(EXAMPLE_KEY, {}))
    failed = {f.collection for f in result.failures}
    assert found
    assert found | failed == set(FIDES_COUNTS)
    assert not found & failed
    assert "product" in failed


class RendezVousConnector(CountingConnector):
    """On its first read, waits until every other system of the rendez-vous has started its own
    first read: it only gets through if the systems are read at the same time."""

    def __init__(self, inner: Connector, *, barrier: threading.Barrier) -> None:
        super().__init__(inner)
        self.barrier = barrier
        self.met = False

    def retrieve_many(
        self, collection: CollectionSpec, *, lookups: Mapping[str, Sequence[object]]
    ) -> list[Row]:
        if not self.met:
            self.barrier.wait()  # BrokenBarrierError after the timeout if read one after another
            self.met = True
        return super().retrieve_many(collection, lookups=lookups)


def test_systems_of_a_level_run_in_parallel(sqlite_db: Path) -> None:
    # given two systems, each with a collection at level 0, that only answer once both are asked
    plan = access_plan(extended_datasets(), {"loyalty_id"})
    assert plan.levels == ((_a("loyalty", EXTENDED_KEY),),)
    plan = access_plan(extended_datasets(), {"email", "loyalty_id"})
    barrier = threading.Barrier(2, timeout=10)
    connectors: dict[str, Connector] = {
        EXAMPLE_KEY: RendezVousConnector(SQLiteConnector(str(sqlite_db)), barrier=barrier),
        EXTENDED_KEY: RendezVousConnector(SQLiteConnector(str(sqlite_db)), barrier=barrier),
    }
    # when
    result = access_run(
        plan, identities={"email": EMAIL, "loyalty_id": "CH-1"}, connectors=connectors
    )
    # then both met: the two systems were read at the same time, and nothing failed
    assert result.failures == []
    assert all(c.met for c in connectors.values() if isinstance(c, RendezVousConnector))
    assert not barrier.broken


# --- erasure and dry run -------------------------------------------------------------------


def _erasure_actions(result_data: Mapping[str, Mapping[str, list[Row]]]) -> list[ErasureAction]:
    dataset = example_datasets()[0]
    customer = dataset.collection("customer")
    login = dataset.collection("login")
    assert customer is not None
    assert login is not None
    rows = result_data[EXAMPLE_KEY]
    return [
        ErasureAction(
            EXAMPLE_KEY,
            customer,
            primary_keys_of(customer, rows["customer"]),
            {"name": None, "email": "erased@invalid"},
        ),
        ErasureAction(EXAMPLE_KEY, login, primary_keys_of(login, rows["login"])),
    ]


def test_sqlite_dry_run_changes_nothing_and_apply_changes_exactly_that(sqlite_db: Path) -> None:
    # given
    connector = SQLiteConnector(str(sqlite_db))
    result = access_run(
        access_plan(example_datasets(), {"email"}),
        identities={"email": EMAIL},
        connectors={EXAMPLE_KEY: connector},
    )
    actions = _erasure_actions(result.data)
    before = _dump_all_sqlite(sqlite_db)
    # when
    changes = erasure_dry_run(actions, connectors={EXAMPLE_KEY: connector})
    # then: the dry run reports and writes nothing
    assert _dump_all_sqlite(sqlite_db) == before
    assert changes[0].collection == "customer"
    assert changes[0].primary_key == {"id": 1}
    assert changes[0].fields == {
        "name": ("John Customer", None),
        "email": (EMAIL, "erased@invalid"),
    }
    assert sorted(int(str(c.primary_key["id"])) for c in changes[1:]) == [1, 2, 3, 4, 5, 6]
    assert all(c.deleted and c.collection == "login" for c in changes[1:])
    # when
    applied = erasure_apply(actions, connectors={EXAMPLE_KEY: connector})
    # then: exactly the reported change, nothing else
    assert [count for _, count in applied] == [1, 6]
    after = _dump_all_sqlite(sqlite_db)
    assert {t: after[t] for t in after if t not in ("customer", "login")} == {
        t: before[t] for t in before if t not in ("customer", "login")
    }
    assert after["customer"] == sorted(
        [(1, "erased@invalid", None, "2020-04-01 11:47:42", 1), *before["customer"][1:]], key=repr
    )
    assert after["login"] == [r for r in before["login"] if r[1] != 1]


def test_collection_without_primary_key_cannot_be_targeted() -> None:
    visit = example_datasets()[0].collection("visit")
    assert visit is not None
    with pytest.raises(Exception, match="declares no primary key"):
        primary_keys_of(visit, [{"email": EMAIL, "last_visit": None}])


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_fides_database() as url:
        yield url


def _pg_scalars(url: str, query: str, *params: object) -> set[Any]:
    import psycopg

    """Run a hand-written query; ``{C}`` stands for the customer id of the e-mail given."""
    query = query.replace("{C}", "(SELECT id FROM customer WHERE email = %s)")
    with psycopg.connect(url) as connection:
        return {row[0] for row in connection.execute(query.encode(), params)}


@pytest.mark.integration
def test_postgres_access_matches_fides_and_hand_written_sql(pg_url: str) -> None:
    # given
    plan = access_plan(example_datasets(), {"email"})
    connector = PostgresConnector(pg_url)
    connector.test_connection()  # connect outside the timing
    # when
    result = access_run(plan, identities={"email": EMAIL}, connectors={EXAMPLE_KEY: connector})
    # then
    print(f"access on the Fides example (PostgreSQL): {result.elapsed_s * 1000:.1f} ms")  # noqa: T201
    assert result.failures == []
    assert result.counts() == {EXAMPLE_KEY: FIDES_COUNTS}
    data = result.data[EXAMPLE_KEY]
    assert {r["id"] for r in data["orders"]} == _pg_scalars(
        pg_url,
        "SELECT id FROM orders WHERE customer_id = {C}",
        EMAIL,
    )
    assert {r["order_id"] for r in data["order_item"]} == _pg_scalars(
        pg_url,
        """SELECT order_id FROM order_item WHERE order_id IN
            (SELECT id FROM orders WHERE customer_id = {C})""",
        EMAIL,
    )
    assert {r["id"] for r in data["login"]} == _pg_scalars(
        pg_url,
        "SELECT id FROM login WHERE customer_id = {C}",
        EMAIL,
    )
    assert {r["id"] for r in data["address"]} == _pg_scalars(
        pg_url,
        """SELECT address_id FROM customer WHERE email = %s
            UNION SELECT shipping_address_id FROM orders WHERE customer_id = {C}
            UNION SELECT billing_address_id FROM payment_card WHERE customer_id = {C}""",
        EMAIL,
        EMAIL,
        EMAIL,
    )
    assert {r["id"] for r in data["product"]} == _pg_scalars(
        pg_url,
        """SELECT product_id FROM order_item WHERE order_id IN
            (SELECT id FROM orders WHERE customer_id = {C})""",
        EMAIL,
    )
    assert {r["id"] for r in data["service_request"]} == _pg_scalars(
        pg_url, "SELECT id FROM service_request WHERE email = %s OR alt_email = %s", EMAIL, EMAIL
    )
    assert result.statements == 11
    connector.close()


@pytest.mark.integration
def test_postgres_extended_dataset_and_a_failing_system(pg_url: str) -> None:
    plan = access_plan(extended_datasets(), {"email", "loyalty_id"})
    identities = {"email": EMAIL, "loyalty_id": "CH-2"}
    # both systems up
    result = access_run(
        plan,
        identities=identities,
        connectors={
            EXAMPLE_KEY: PostgresConnector(pg_url),
            EXTENDED_KEY: PostgresConnector(pg_url),
        },
    )
    assert result.failures == []
    assert result.counts() == {EXAMPLE_KEY: FIDES_COUNTS, EXTENDED_KEY: {"loyalty": 1}}
    # the example system down: loyalty still returned, each example collection reported
    broken = access_run(
        plan,
        identities=identities,
        connectors={
            EXAMPLE_KEY: PostgresConnector(
                "postgresql://postgres@127.0.0.1:5432/garde_dsr_test_absent"
            ),
            EXTENDED_KEY: PostgresConnector(pg_url),
        },
    )
    assert broken.data == {EXTENDED_KEY: result.data[EXTENDED_KEY]}
    assert {f.collection for f in broken.failures} == set(FIDES_COUNTS)
    assert {f.kind for f in broken.failures} == {"unavailable"}
    assert 'database "garde_dsr_test_absent" does not exist' in broken.failures[0].reason


@pytest.mark.integration
def test_postgres_dry_run_changes_nothing_and_apply_changes_exactly_that(pg_url: str) -> None:
    import psycopg

    def dump() -> dict[str, list[tuple[Any, ...]]]:
        with psycopg.connect(pg_url) as connection:
            tables = [
                r[0]
                for r in connection.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema='public'"
                )
            ]
            return {
                t: sorted(connection.execute(f'SELECT * FROM "{t}"'.encode()).fetchall(), key=repr)  # noqa: S608
                for t in tables
            }

    connector = PostgresConnector(pg_url)
    result = access_run(
        access_plan(example_datasets(), {"email"}),
        identities={"email": EMAIL},
        connectors={EXAMPLE_KEY: connector},
    )
    actions = _erasure_actions(result.data)
    before = dump()
    changes = erasure_dry_run(actions, connectors={EXAMPLE_KEY: connector})
    assert dump() == before
    assert len(changes) == 7
    assert changes[0].fields == {
        "name": ("John Customer", None),
        "email": (EMAIL, "erased@invalid"),
    }
    applied = erasure_apply(actions, connectors={EXAMPLE_KEY: connector})
    connector.close()
    assert [count for _, count in applied] == [1, 6]
    after = dump()
    assert {t: after[t] for t in after if t not in ("customer", "login")} == {
        t: before[t] for t in before if t not in ("customer", "login")
    }
    assert after["customer"] == sorted(
        [(1, "erased@invalid", None, *before["customer"][0][3:]), *before["customer"][1:]], key=repr
    )
    assert after["login"] == [r for r in before["login"] if r[1] != 1]
