"""Finding the people concerned by a breach with the data map (R-36): on Fides' example
database (SQLite, and PostgreSQL where it runs), the search lists exactly the addresses a
hand-written query finds, reads only the contact columns, pages, and reports a failing system
without losing the others."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from garde.dsr.connectors.base import Connector, ConnectorError
from garde.dsr.connectors.http import HttpConnector
from garde.dsr.connectors.internal import InternalConnector
from garde.dsr.connectors.mysql import MySQLConnector
from garde.dsr.connectors.postgres import PostgresConnector
from garde.dsr.connectors.redis import RedisConnector
from garde.dsr.connectors.sqlite import SQLiteConnector
from garde.dsr.models import DataSystem
from garde.dsr.people import FoundPerson, people_search, scan_targets
from garde.dsr.runtime import DataMap
from garde.dsr.spec import CollectionSpec, DatasetSpec, FieldSpec
from tests.dsr.fides_fixture import EXAMPLE_KEY, example_datasets, fides_sqlite_script
from tests.dsr.test_connectors_mysql import mysql_db, query, url_of

__all__ = ["mysql_db"]  # a fixture of the MySQL tests, used here too

SHOP = "shop"
ALL_CONTACTS = """
    SELECT lower(email) FROM customer UNION SELECT lower(email) FROM employee
    UNION SELECT lower(email) FROM report UNION SELECT lower(email) FROM visit
    UNION SELECT lower(email) FROM service_request
    UNION SELECT lower(alt_email) FROM service_request WHERE alt_email IS NOT NULL
"""
NAMED = "SELECT lower(email) FROM customer UNION SELECT lower(email) FROM employee"


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    """Fides' example, with one visitor written in capitals and one value that is no address."""
    path = tmp_path / "fides.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(fides_sqlite_script())
        connection.execute(
            "INSERT INTO visit VALUES ('Customer-1@Example.COM', '2021-02-01'), "
            "('not-an-address', '2021-02-02'), ('walk-in@example.org', '2021-02-03')"
        )
    connection.close()
    return path


def _data_map(*specs: DatasetSpec, system: str = SHOP) -> DataMap:
    return DataMap(specs=specs, systems={spec.fides_key: DataSystem(name=system) for spec in specs})


def _hand(path: Path, query: str) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return sorted(row[0] for row in connection.execute(query) if "@" in row[0])
    finally:
        connection.close()


def _traced(path: Path) -> tuple[SQLiteConnector, list[str]]:
    connector = SQLiteConnector(f"sqlite:///{path}")
    statements: list[str] = []
    connector._connect().set_trace_callback(statements.append)
    return connector, statements


def test_r_36_search_finds_exactly_the_addresses_of_the_affected_collections(
    sqlite_db: Path,
) -> None:
    # given: a breach of names (customer and employee hold one), then one of e-mail addresses
    connector = SQLiteConnector(f"sqlite:///{sqlite_db}")
    connectors = {EXAMPLE_KEY: connector}
    data_map = _data_map(*example_datasets())
    # when
    named = people_search(data_map=data_map, categories=["user.name"], connectors=connectors)
    emails = people_search(data_map=data_map, categories=["user.contact"], connectors=connectors)
    # then
    assert named.addresses() == _hand(sqlite_db, NAMED)
    assert named.scanned == ["shop.customer", "shop.employee"]
    assert (named.failures, named.complete) == ([], True)
    assert emails.addresses() == sorted({*_hand(sqlite_db, ALL_CONTACTS), "walk-in@example.org"})
    assert emails.addresses() == [
        "admin-account@example.com",
        "customer-1-alt@example.com",
        "customer-1@example.com",
        "customer-2@example.com",
        "customer-3@example.com",
        "employee-1@example.com",
        "employee-2@example.com",
        "jane@example.com",
        "walk-in@example.org",
    ]
    # the address in capitals is the same person; the value that is no address is left out
    assert emails.people[2] == FoundPerson(
        "customer-1@example.com",
        ("shop.customer", "shop.service_request", "shop.visit"),
        4,
    )
    assert emails.invalid == 1
    # collections affected by the address category but holding no address are reported
    assert emails.without_contacts == ["shop.address"]
    connector.close()


def test_r_36_a_financial_breach_reports_the_collections_it_cannot_reach() -> None:
    # when: cards are affected, and the card table holds no address of its own
    targets, without = scan_targets(_data_map(*example_datasets()), ["user.financial"])
    # then
    assert (targets, without) == ([], ["shop.payment_card"])


def test_r_36_search_reads_only_the_declared_contact_columns(sqlite_db: Path) -> None:
    # given
    connector, statements = _traced(sqlite_db)
    # when
    people_search(
        data_map=_data_map(*example_datasets()),
        categories=["user.contact.email"],
        connectors={EXAMPLE_KEY: connector},
    )
    # then: every statement reads one contact column, never a whole row
    selected = sorted(
        {s.split(" FROM ")[0] + " FROM " + s.split(" FROM ")[1].split(" ")[0] for s in statements}
    )
    assert selected == [
        'SELECT DISTINCT "alt_email" FROM "service_request"',
        'SELECT DISTINCT "email" FROM "customer"',
        'SELECT DISTINCT "email" FROM "employee"',
        'SELECT DISTINCT "email" FROM "report"',
        'SELECT DISTINCT "email" FROM "service_request"',
        'SELECT DISTINCT "email" FROM "visit"',
    ]
    # and it refuses to list a column that is not a contact field
    customer = example_datasets()[0].collection("customer")
    assert customer is not None
    with pytest.raises(ConnectorError, match="'name' is not a contact field"):
        connector.contact_values(customer, field="name", limit=10)
    connector.close()


def test_r_36_search_pages_through_a_table_larger_than_a_page(sqlite_db: Path) -> None:
    # given: pages of 2 values, smaller than the tables
    connector, statements = _traced(sqlite_db)
    connectors = {EXAMPLE_KEY: connector}
    data_map = _data_map(*example_datasets())
    # when
    paged = people_search(
        data_map=data_map, categories=["user.contact"], connectors=connectors, page_size=2
    )
    whole = people_search(data_map=data_map, categories=["user.contact"], connectors=connectors)
    # then: the same people, in one statement per page (the last page is short or empty)
    assert paged.people == whole.people
    distinct = {"customer": 3, "employee": 2, "report": 1, "visit": 5}
    distinct |= {"service_request": 3, "service_request.alt": 1}
    assert paged.statements == sum(n // 2 + 1 for n in distinct.values())
    assert all(s.endswith("LIMIT 2") for s in statements[: paged.statements])
    connector.close()


def test_r_36_a_failing_system_is_reported_without_losing_the_others(
    sqlite_db: Path, tmp_path: Path
) -> None:
    # given: the shop answers; the CRM's database is missing; a cache on Redis cannot be listed
    crm = DatasetSpec(
        fides_key="crm",
        name="crm",
        collections=(
            CollectionSpec(
                name="contact",
                fields=(FieldSpec("email", ("email",), ("user.contact.email",), identity="email"),),
            ),
            CollectionSpec(
                name="lead", fields=(FieldSpec("mail", ("mail",), ("user.contact.email",)),)
            ),
        ),
    )
    cache = DatasetSpec(
        fides_key="cache",
        name="cache",
        collections=(
            CollectionSpec(
                name="session", fields=(FieldSpec("email", ("email",), ("user.contact.email",)),)
            ),
        ),
    )
    data_map = DataMap(
        specs=(*example_datasets(), crm, cache),
        systems={
            EXAMPLE_KEY: DataSystem(name=SHOP),
            "crm": DataSystem(name="crm"),
            "cache": DataSystem(name="cache"),
        },
    )
    connectors: dict[str, Connector] = {
        EXAMPLE_KEY: SQLiteConnector(f"sqlite:///{sqlite_db}"),
        "crm": SQLiteConnector(f"sqlite:///{tmp_path / 'missing.sqlite3'}"),
        "cache": RedisConnector("redis://127.0.0.1:1/0"),
    }
    # when
    result = people_search(data_map=data_map, categories=["user.name"], connectors=connectors)
    everyone = people_search(data_map=data_map, categories=["user.contact"], connectors=connectors)
    # then
    assert result.addresses() == _hand(sqlite_db, NAMED)
    assert everyone.complete is False
    assert [(f.place, f.reason.split(":")[0]) for f in everyone.failures] == [
        ("crm.contact", "cannot open the SQLite database"),
        ("crm.lead", "system unavailable (see the first failure)"),
        ("cache.session", "collection 'session'"),
    ]
    assert "a Redis system cannot list its people" in everyone.failures[2].reason
    assert everyone.addresses() == sorted({*_hand(sqlite_db, ALL_CONTACTS), "walk-in@example.org"})


class SlowConnector(SQLiteConnector):
    def contact_values(
        self, collection: CollectionSpec, *, field: str, limit: int, after: object | None = None
    ) -> list[object]:
        time.sleep(0.4)
        return super().contact_values(collection, field=field, limit=limit, after=after)


def test_r_36_the_time_budget_keeps_what_was_found(sqlite_db: Path, tmp_path: Path) -> None:
    # given: a second copy of the shop behind a slow system
    slow_spec = DatasetSpec(
        fides_key="slow", name="slow", collections=example_datasets()[0].collections
    )
    data_map = DataMap(
        specs=(example_datasets()[0], slow_spec),
        systems={EXAMPLE_KEY: DataSystem(name=SHOP), "slow": DataSystem(name="slow")},
    )
    connectors: dict[str, Connector] = {
        EXAMPLE_KEY: SQLiteConnector(f"sqlite:///{sqlite_db}"),
        "slow": SlowConnector(f"sqlite:///{sqlite_db}"),
    }
    # when
    result = people_search(
        data_map=data_map, categories=["user.name"], connectors=connectors, time_budget_s=0.2
    )
    # then: the fast system's people are there, the slow one's collections are reported
    assert result.addresses() == _hand(sqlite_db, NAMED)
    assert sorted(f.place for f in result.failures) == ["slow.customer", "slow.employee"]
    assert all("time budget" in f.reason for f in result.failures)


def test_r_36_redis_and_http_refuse_to_list_with_a_clear_message() -> None:
    collection = CollectionSpec(
        name="session", fields=(FieldSpec("email", ("email",), ("user.contact.email",)),)
    )
    with pytest.raises(ConnectorError, match="Redis system cannot list its people"):
        RedisConnector("redis://127.0.0.1:1/0").contact_values(collection, field="email", limit=5)
    with pytest.raises(ConnectorError, match="HTTP API cannot list its people"):
        HttpConnector("https://api.example.net/v1").contact_values(
            collection, field="email", limit=5
        )


@pytest.mark.django_db(transaction=True)
def test_r_36_internal_store_lists_the_accounts_addresses() -> None:
    # given: two accounts, one e-mail in capitals
    from garde.accounts.models import User

    User.objects.create(full_name="Ann", email="Ann@Example.org")
    User.objects.create(full_name="Bob", email="bob@example.org")
    accounts = DatasetSpec(
        fides_key="garde",
        name="garde",
        collections=(
            CollectionSpec(
                name="user",
                fields=(
                    FieldSpec("id", ("id",), ("user.unique_id",), primary_key=True),
                    FieldSpec("email", ("email",), ("user.contact.email",), identity="email"),
                ),
                options={"model": "accounts.User"},
            ),
        ),
    )
    # when
    result = people_search(
        data_map=_data_map(accounts, system="garde"),
        categories=["user.unique_id"],
        connectors={"garde": InternalConnector()},
        page_size=1,
    )
    # then
    assert result.addresses() == ["ann@example.org", "bob@example.org"]
    assert (result.statements, result.failures) == (3, [])


# --- PostgreSQL --------------------------------------------------------------------------


@pytest.fixture
def pg_url() -> Iterator[str]:
    from tests.dsr.fides_fixture import postgres_fides_database

    with postgres_fides_database() as url:
        yield url


def _pg_hand(url: str, query: str) -> list[str]:
    import psycopg

    with psycopg.connect(url) as connection:
        return sorted(row[0] for row in connection.execute(query))  # type: ignore[arg-type]


@pytest.mark.integration
def test_r_36_postgres_search_reads_only_the_email_columns_it_may(pg_url: str) -> None:
    # given: a role that may read the e-mail columns of customer and employee and nothing else
    import psycopg
    from psycopg import sql

    role = "garde_people_" + pg_url.rsplit("_", 1)[-1]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        for table in ("customer", "employee"):
            admin.execute(
                sql.SQL("GRANT SELECT (email) ON {} TO {}").format(
                    sql.Identifier(table), sql.Identifier(role)
                )
            )
    limited = pg_url.replace("postgres@", f"{role}@")
    connector = PostgresConnector(limited)
    try:
        # when: pages of 2
        result = people_search(
            data_map=_data_map(*example_datasets()),
            categories=["user.name"],
            connectors={EXAMPLE_KEY: connector},
            page_size=2,
        )
        # then: exactly the hand-written query's addresses, with no permission error
        assert result.failures == []
        assert result.addresses() == _pg_hand(pg_url, NAMED)
        assert result.statements == 3 // 2 + 1 + 2 // 2 + 1
        # and a table it may not read is a reported failure, not a lost search
        everyone = people_search(
            data_map=_data_map(*example_datasets()),
            categories=["user.contact"],
            connectors={EXAMPLE_KEY: connector},
        )
        assert sorted(f.place for f in everyone.failures) == [
            "shop.report",
            "shop.service_request",
            "shop.visit",
        ]
        assert everyone.addresses() == _pg_hand(pg_url, NAMED)
    finally:
        connector.close()
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.mark.integration
def test_r_36_postgres_search_finds_exactly_the_hand_written_query(pg_url: str) -> None:
    connector = PostgresConnector(pg_url)
    result = people_search(
        data_map=_data_map(*example_datasets()),
        categories=["user.contact"],
        connectors={EXAMPLE_KEY: connector},
    )
    connector.close()
    assert result.failures == []
    assert result.addresses() == _pg_hand(pg_url, ALL_CONTACTS)


# --- MySQL / MariaDB ---------------------------------------------------------------------


@pytest.mark.integration
def test_r_36_mysql_search_pages_to_exactly_the_hand_written_query(mysql_db: str) -> None:
    connector = MySQLConnector(url_of(mysql_db))
    result = people_search(
        data_map=_data_map(*example_datasets()),
        categories=["user.contact"],
        connectors={EXAMPLE_KEY: connector},
        page_size=2,
    )
    connector.close()
    expected = sorted(row[0] for row in query(mysql_db, ALL_CONTACTS))
    assert result.failures == []
    assert result.addresses() == expected
