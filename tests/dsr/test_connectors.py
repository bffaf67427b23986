"""Connectors: only declared columns, parameterised values, quoted identifiers, exact writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from garde.dsr.connectors import postgres, sqlite
from garde.dsr.connectors.base import (
    ConnectorError,
    ConnectorUnavailableError,
    connector_class,
    connector_create,
    connector_types,
)
from garde.dsr.spec import CollectionSpec, FieldSpec
from tests.dsr.fides_fixture import example_datasets, fides_sqlite_script, postgres_fides_database


def _collection(name: str) -> CollectionSpec:
    found = example_datasets()[0].collection(name)
    assert found is not None
    return found


def _spec(name: str, *columns: str, keys: tuple[str, ...] = ()) -> CollectionSpec:
    return CollectionSpec(
        name=name,
        fields=tuple(FieldSpec(name=c, path=(c,), primary_key=c in keys) for c in columns),
    )


ORDER_ITEM_BY_KEY = _spec(
    "order_item", "order_id", "item_no", "product_id", "quantity", keys=("order_id", "item_no")
)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "fides.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(fides_sqlite_script())
    connection.close()
    return path


def sqlite_dump(path: Path, table: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(path)
    try:
        return sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)  # noqa: S608
    finally:
        connection.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_fides_database() as url:
        yield url


def pg_dump(url: str, table: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as connection:
        return sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)  # noqa: S608


# --- registry ------------------------------------------------------------------------------


def test_registry_knows_every_system_type_and_nothing_else() -> None:
    from garde.dsr.choices import SystemType
    from garde.dsr.connectors import http, mysql, redis

    assert connector_types() == ["http", "internal", "mysql", "postgres", "redis", "sqlite"]
    assert connector_types() == sorted(SystemType.values)
    assert connector_class("sqlite") is sqlite.SQLiteConnector
    assert connector_class("postgres") is postgres.PostgresConnector
    assert connector_class("mysql") is mysql.MySQLConnector
    assert connector_class("redis") is redis.RedisConnector
    assert connector_class("http") is http.HttpConnector
    assert isinstance(connector_create("sqlite", "/nowhere.db"), sqlite.SQLiteConnector)
    with pytest.raises(ConnectorError, match="no connector for system type 'oracle'"):
        connector_class("oracle")


def test_repr_never_shows_the_url() -> None:
    connector = connector_create("postgres", "postgresql://u:s3cret@db/x")
    assert "s3cret" not in repr(connector)


# --- SQLite --------------------------------------------------------------------------------


def test_sqlite_quote_doubles_double_quotes() -> None:
    assert sqlite.sqlite_quote('we"ird') == '"we""ird"'
    assert sqlite.sqlite_path("sqlite:////abs/db.sqlite3") == "/abs/db.sqlite3"
    assert sqlite.sqlite_path("rel.db") == "rel.db"


def test_sqlite_retrieve_reads_only_declared_columns(sqlite_db: Path) -> None:
    # given: product has description and url columns the dataset does not name
    connector = sqlite.SQLiteConnector(str(sqlite_db))
    # when
    rows = connector.retrieve(_collection("product"), lookup_field="id", values=[1, 2, 99])
    # then
    assert sorted(rows, key=lambda r: r["id"]) == [
        {"id": 1, "name": "The Choco Chip", "price": "$20.00"},
        {"id": 2, "name": "The Almond Butter", "price": "$20.00"},
    ]
    assert connector.statements_executed == 1


def test_sqlite_retrieve_many_is_one_statement_with_each_row_once(sqlite_db: Path) -> None:
    connector = sqlite.SQLiteConnector(f"sqlite:///{sqlite_db}")
    issued: list[str] = []
    connector._connect().set_trace_callback(issued.append)
    rows = connector.retrieve_many(
        _collection("service_request"),
        lookups={
            "email": ["customer-1@example.com", "customer-3@example.com"],
            "alt_email": ["customer-1-alt@example.com"],
        },
    )
    assert sorted(r["id"] for r in rows) == ["ser_aaa-aaa", "ser_ccc-ccc", "ser_ddd-ddd"]
    assert len(issued) == 1


def test_sqlite_values_are_parameters_never_sql(sqlite_db: Path) -> None:
    connector = sqlite.SQLiteConnector(str(sqlite_db))
    rows = connector.retrieve(
        _collection("customer"), lookup_field="email", values=["x' OR '1'='1", None]
    )
    assert rows == []


def test_sqlite_quotes_identifiers_from_datasets(tmp_path: Path) -> None:
    path = tmp_path / "odd.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute('CREATE TABLE "we""ird" ("e""mail" TEXT, "select" INTEGER)')
        connection.execute("INSERT INTO \"we\"\"ird\" VALUES ('a@b.c', 1), ('x@y.z', 2)")
    connection.close()
    connector = sqlite.SQLiteConnector(str(path))
    rows = connector.retrieve(
        _spec('we"ird', 'e"mail', "select"), lookup_field='e"mail', values=["a@b.c"]
    )
    assert rows == [{'e"mail': "a@b.c", "select": 1}]


def test_sqlite_refuses_an_undeclared_column(sqlite_db: Path) -> None:
    connector = sqlite.SQLiteConnector(str(sqlite_db))
    with pytest.raises(ConnectorError, match="declares no field 'url'"):
        connector.retrieve(_collection("product"), lookup_field="url", values=["x"])
    with pytest.raises(ConnectorError, match="declares no field 'description'"):
        connector.mask(
            _collection("product"), primary_keys=[{"id": 1}], updates={"description": ""}
        )
    assert connector.statements_executed == 0


def test_sqlite_wrong_path_is_unavailable_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    connector = sqlite.SQLiteConnector(str(missing))
    with pytest.raises(ConnectorUnavailableError, match="cannot open the SQLite database"):
        connector.test_connection()
    assert not missing.exists()


def test_sqlite_test_connection(sqlite_db: Path) -> None:
    sqlite.SQLiteConnector(str(sqlite_db)).test_connection()


def test_sqlite_mask_changes_exactly_the_targeted_fields_and_rows(sqlite_db: Path) -> None:
    # given
    before = sqlite_dump(sqlite_db, "customer")
    connector = sqlite.SQLiteConnector(str(sqlite_db))
    # when
    changed = connector.mask(
        _collection("customer"),
        primary_keys=[{"id": 1}, {"id": 3}],
        updates={"name": None, "email": "masked@invalid"},
    )
    # then
    assert changed == 2
    expected = [
        (1, "masked@invalid", None, *before[0][3:]),
        before[1],
        (3, "masked@invalid", None, *before[2][3:]),
    ]
    assert sqlite_dump(sqlite_db, "customer") == sorted(expected, key=repr)


def test_sqlite_delete_removes_exactly_the_targeted_rows(sqlite_db: Path) -> None:
    before = sqlite_dump(sqlite_db, "order_item")
    connector = sqlite.SQLiteConnector(str(sqlite_db))
    deleted = connector.delete(
        ORDER_ITEM_BY_KEY,
        primary_keys=[
            {"order_id": "ord_ccc-ccc", "item_no": 2},
            {"order_id": "nope", "item_no": 1},
        ],
    )
    assert deleted == 1
    assert sqlite_dump(sqlite_db, "order_item") == [
        row for row in before if row[:2] != ("ord_ccc-ccc", 2)
    ]


def test_sqlite_writes_nothing_for_no_keys(sqlite_db: Path) -> None:
    connector = sqlite.SQLiteConnector(str(sqlite_db))
    assert connector.delete(_collection("login"), primary_keys=[]) == 0
    assert connector.mask(_collection("login"), primary_keys=[], updates={"time": None}) == 0
    assert connector.statements_executed == 0


def test_mixed_key_columns_are_refused(sqlite_db: Path) -> None:
    connector = sqlite.SQLiteConnector(str(sqlite_db))
    with pytest.raises(ConnectorError, match="same columns"):
        connector.delete(
            ORDER_ITEM_BY_KEY, primary_keys=[{"order_id": "a", "item_no": 1}, {"order_id": "b"}]
        )


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.mark.integration
def test_postgres_retrieve_reads_only_declared_columns(pg_url: str) -> None:
    connector = postgres.PostgresConnector(pg_url)
    connector.test_connection()
    rows = connector.retrieve_many(
        _collection("service_request"),
        lookups={"email": ["customer-1@example.com"], "alt_email": ["customer-1@example.com"]},
    )
    assert [set(r) for r in rows] == [
        {"alt_email", "closed", "email", "employee_id", "id", "opened"}
    ]
    assert rows[0]["id"] == "ser_aaa-aaa"
    assert connector.statements_executed == 2
    connector.close()


@pytest.mark.integration
def test_postgres_values_are_parameters_and_types_split(pg_url: str) -> None:
    connector = postgres.PostgresConnector(pg_url)
    rows = connector.retrieve(
        _collection("login"), lookup_field="customer_id", values=[2, 3, None, 2]
    )
    assert sorted(r["id"] for r in rows) == [7, 8]
    assert (
        connector.retrieve(_collection("customer"), lookup_field="email", values=["x' OR '1'='1"])
        == []
    )
    connector.close()


@pytest.mark.integration
def test_postgres_wrong_url_is_unavailable() -> None:
    connector = postgres.PostgresConnector("postgresql://postgres@127.0.0.1:1/nothing")
    with pytest.raises(ConnectorUnavailableError, match="cannot connect to PostgreSQL"):
        connector.test_connection()


@pytest.mark.integration
def test_postgres_mask_changes_exactly_the_targeted_fields_and_rows(pg_url: str) -> None:
    tables = ["customer", "address", "orders", "login", "payment_card"]
    before = {t: pg_dump(pg_url, t) for t in tables}
    connector = postgres.PostgresConnector(pg_url)
    changed = connector.mask(
        _collection("payment_card"),
        primary_keys=[{"id": "pay_aaa-aaa"}],
        updates={"ccn": None, "name": "masked"},
    )
    connector.close()
    assert changed == 1
    after = {t: pg_dump(pg_url, t) for t in tables}
    assert {t: after[t] for t in tables if t != "payment_card"} == {
        t: before[t] for t in tables if t != "payment_card"
    }
    assert after["payment_card"] == sorted(
        [
            ("pay_aaa-aaa", "masked", None, *before["payment_card"][0][3:]),
            *before["payment_card"][1:],
        ],
        key=repr,
    )


@pytest.mark.integration
def test_postgres_delete_removes_exactly_the_targeted_rows(pg_url: str) -> None:
    before_login = pg_dump(pg_url, "login")
    before_items = pg_dump(pg_url, "order_item")
    connector = postgres.PostgresConnector(pg_url)
    assert connector.delete(_collection("login"), primary_keys=[{"id": 1}, {"id": 7}]) == 2
    assert (
        connector.delete(
            ORDER_ITEM_BY_KEY, primary_keys=[{"order_id": "ord_ccc-ccc", "item_no": 2}]
        )
        == 1
    )
    connector.close()
    assert pg_dump(pg_url, "login") == [r for r in before_login if r[0] not in (1, 7)]
    assert pg_dump(pg_url, "order_item") == [r for r in before_items if r[:2] != ("ord_ccc-ccc", 2)]


@pytest.mark.integration
def test_postgres_schema_option_and_quoted_identifiers(pg_url: str) -> None:
    backup_customer = CollectionSpec(
        name="customer",
        fields=_collection("customer").fields,
        options={"schema": "backup_schema"},
    )
    connector = postgres.PostgresConnector(pg_url)
    rows = connector.retrieve(backup_customer, lookup_field="id", values=[1])
    assert [r["email"] for r in rows] == ["customer-500@example.com"]
    with pytest.raises(ConnectorError, match="PostgreSQL error"):
        connector.retrieve(_spec('cust"omer', "id"), lookup_field="id", values=[1])
    connector.close()
