"""MySQL/MariaDB connector on a real server: Fides' example schema translated to MySQL, the real
dataset YAML, access equal to Fides' counts and to hand-written SQL, exact erasure, quoting,
parameters, declared columns only, safe connection errors."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from garde.dsr.connectors.base import ConnectorError, ConnectorUnavailableError
from garde.dsr.connectors.mysql import MySQLConnector, mysql_connect_arguments, mysql_quote
from garde.dsr.datasets import dataset_parse
from garde.dsr.engine import (
    ErasureAction,
    access_plan,
    access_run,
    erasure_apply,
    erasure_dry_run,
    primary_keys_of,
)
from garde.dsr.spec import CollectionSpec, DatasetSpec, FieldSpec
from tests.dsr.fides_fixture import EXAMPLE_KEY, EXAMPLE_YAML, FIDES_COUNTS, SAMPLE_SQL

EMAIL = "customer-1@example.com"
ADMIN = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


def fides_mysql_statements() -> list[str]:
    """The public tables of ``postgres_sample.sql`` in MySQL's dialect: ``public.`` dropped,
    SERIAL as INT AUTO_INCREMENT, MONEY as text (the sample writes '$20.00'), TIMESTAMP as
    DATETIME (a MySQL TIMESTAMP may update itself when its row changes); the sequences, the
    backup schema, ``SET`` and ``SELECT pg_catalog`` lines left out."""
    statements = []
    for statement in SAMPLE_SQL.read_text(encoding="utf-8").split(";"):
        text = "\n".join(
            line for line in statement.splitlines() if not line.lstrip().startswith("--")
        ).strip()
        if not text.startswith(("CREATE TABLE public.", "INSERT INTO public.")):
            continue
        text = text.replace("public.", "")
        text = re.sub(r"\bSERIAL\b", "INT AUTO_INCREMENT", text)
        text = re.sub(r"\bMONEY\b", "VARCHAR(32)", text)
        text = re.sub(r"\bTIMESTAMP\b", "DATETIME", text)
        statements.append(text)
    return statements


def _admin() -> Any:
    try:
        return pymysql.connect(**ADMIN, autocommit=True, connect_timeout=3)
    except pymysql.err.OperationalError as exc:
        if os.environ.get("CI"):
            raise  # CI starts MariaDB: a missing server there is a failure, not a skip
        pytest.skip(f"MariaDB unreachable at 127.0.0.1:3306: {exc}")


@pytest.fixture
def mysql_db() -> Iterator[str]:
    """A fresh database loaded with Fides' sample; yields its name, dropped after."""
    name = f"garde_dsr_test_{secrets.token_hex(6)}"
    admin = _admin()
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {mysql_quote(name)} CHARACTER SET utf8mb4")
    try:
        with (
            pymysql.connect(**ADMIN, database=name, autocommit=True) as connection,
            connection.cursor() as cursor,
        ):
            for statement in fides_mysql_statements():
                cursor.execute(statement)
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {mysql_quote(name)}")
        admin.close()


def url_of(name: str) -> str:
    return f"mysql://root@127.0.0.1:3306/{name}"


def query(name: str, statement: str, *parameters: object) -> list[tuple[Any, ...]]:
    with (
        pymysql.connect(**ADMIN, database=name) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, parameters)  # always interpolated: % doubled in names
        return list(cursor.fetchall())


def dump(name: str, table: str) -> list[tuple[Any, ...]]:
    return sorted(query(name, f"SELECT * FROM {mysql_quote(table)}"), key=repr)  # noqa: S608


TABLES = [
    "customer",
    "address",
    "orders",
    "order_item",
    "product",
    "payment_card",
    "login",
    "service_request",
    "visit",
    "report",
    "employee",
]


def dump_all(name: str) -> dict[str, list[tuple[Any, ...]]]:
    return {table: dump(name, table) for table in TABLES}


def example_dataset() -> DatasetSpec:
    """Fides' dataset file, unchanged, read by Garde's own parser."""
    (spec,) = dataset_parse(
        EXAMPLE_YAML.read_text(encoding="utf-8"),
        filename=EXAMPLE_YAML.name,
        stored={},
        categories={c.fides_key for c in DEFAULT_TAXONOMY.data_category},
    )
    return spec


def collection(name: str) -> CollectionSpec:
    found = example_dataset().collection(name)
    assert found is not None
    return found


def spec(name: str, *columns: str, keys: tuple[str, ...] = (), **options: object) -> CollectionSpec:
    return CollectionSpec(
        name=name,
        fields=tuple(FieldSpec(name=c, path=(c,), primary_key=c in keys) for c in columns),
        options=dict(options),
    )


def scalars(name: str, statement: str, *parameters: object) -> set[Any]:
    """A hand-written query; ``{C}`` stands for the id of the customer with the e-mail given."""
    statement = statement.replace("{C}", "(SELECT id FROM customer WHERE email = %s)")
    return {row[0] for row in query(name, statement, *parameters)}


# --- access --------------------------------------------------------------------------------


@pytest.mark.integration
def test_mysql_access_on_fides_example_gives_fides_counts_and_the_hand_written_rows(
    mysql_db: str,
) -> None:
    # given
    plan = access_plan([example_dataset()], {"email"})
    connector = MySQLConnector(url_of(mysql_db))
    # when
    result = access_run(plan, identities={"email": EMAIL}, connectors={EXAMPLE_KEY: connector})
    connector.close()
    # then
    assert result.failures == []
    assert result.counts() == {EXAMPLE_KEY: FIDES_COUNTS}
    data = result.data[EXAMPLE_KEY]
    assert {r["id"] for r in data["orders"]} == scalars(
        mysql_db, "SELECT id FROM orders WHERE customer_id = {C}", EMAIL
    )
    assert {r["id"] for r in data["login"]} == scalars(
        mysql_db, "SELECT id FROM login WHERE customer_id = {C}", EMAIL
    )
    assert {r["id"] for r in data["payment_card"]} == scalars(
        mysql_db, "SELECT id FROM payment_card WHERE customer_id = {C}", EMAIL
    )
    assert {r["id"] for r in data["address"]} == scalars(
        mysql_db,
        """SELECT address_id FROM customer WHERE email = %s
            UNION SELECT shipping_address_id FROM orders WHERE customer_id = {C}
            UNION SELECT billing_address_id FROM payment_card WHERE customer_id = {C}""",
        EMAIL,
        EMAIL,
        EMAIL,
    )
    assert sorted((r["order_id"], r["product_id"], r["quantity"]) for r in data["order_item"]) == (
        sorted(
            query(
                mysql_db,
                """SELECT order_id, product_id, quantity FROM order_item WHERE order_id IN
                    (SELECT id FROM orders WHERE customer_id =
                        (SELECT id FROM customer WHERE email = %s))""",
                EMAIL,
            )
        )
    )
    assert {r["id"] for r in data["product"]} == scalars(
        mysql_db,
        """SELECT product_id FROM order_item WHERE order_id IN
            (SELECT id FROM orders WHERE customer_id = {C})""",
        EMAIL,
    )
    assert {r["id"] for r in data["service_request"]} == scalars(
        mysql_db, "SELECT id FROM service_request WHERE email = %s OR alt_email = %s", EMAIL, EMAIL
    )
    (customer,) = data["customer"]
    assert customer["email"] == EMAIL
    assert customer["name"] == "John Customer"
    assert set(customer) == {"address_id", "created", "email", "id", "name"}
    # one statement per collection reached (a single batch each), never one per row
    assert result.statements == sum(1 for n in FIDES_COUNTS if n not in ("report", "employee")) + 2


# --- erasure -------------------------------------------------------------------------------


# Fides' dataset declares no key for order_item: its composite key, declared here.
ORDER_ITEM_BY_KEY = spec(
    "order_item", "order_id", "item_no", "product_id", "quantity", keys=("order_id", "item_no")
)


def erasure_actions(
    connector: MySQLConnector, data: dict[str, list[dict[str, Any]]]
) -> list[ErasureAction]:
    customer, login = collection("customer"), collection("login")
    items = connector.retrieve(
        ORDER_ITEM_BY_KEY, lookup_field="order_id", values=[r["id"] for r in data["orders"]]
    )
    return [
        ErasureAction(
            EXAMPLE_KEY,
            customer,
            primary_keys_of(customer, data["customer"]),
            {"name": None, "email": "erased@invalid"},
        ),
        ErasureAction(EXAMPLE_KEY, login, primary_keys_of(login, data["login"])),
        # composite primary key (order_id, item_no)
        ErasureAction(
            EXAMPLE_KEY,
            ORDER_ITEM_BY_KEY,
            primary_keys_of(ORDER_ITEM_BY_KEY, items),
            {"quantity": 0},
        ),
    ]


@pytest.mark.integration
def test_mysql_dry_run_changes_nothing_and_erasure_masks_exactly_the_targeted_rows(
    mysql_db: str,
) -> None:
    # given
    connector = MySQLConnector(url_of(mysql_db))
    result = access_run(
        access_plan([example_dataset()], {"email"}),
        identities={"email": EMAIL},
        connectors={EXAMPLE_KEY: connector},
    )
    actions = erasure_actions(connector, result.data[EXAMPLE_KEY])
    before = dump_all(mysql_db)
    # when
    changes = erasure_dry_run(actions, connectors={EXAMPLE_KEY: connector})
    # then: the dry run reports, and writes nothing
    assert dump_all(mysql_db) == before
    assert [(c.collection, c.deleted) for c in changes] == [
        ("customer", False),
        *[("login", True)] * 6,
        *[("order_item", False)] * 4,
    ]
    assert changes[0].primary_key == {"id": 1}
    assert changes[0].fields == {
        "name": ("John Customer", None),
        "email": (EMAIL, "erased@invalid"),
    }
    # when
    applied = erasure_apply(actions, connectors={EXAMPLE_KEY: connector})
    connector.close()
    # then: exactly the reported rows and fields changed, every other table as it was
    assert [count for _, count in applied] == [1, 6, 4]
    after = dump_all(mysql_db)
    untouched = [t for t in TABLES if t not in ("customer", "login", "order_item")]
    assert {t: after[t] for t in untouched} == {t: before[t] for t in untouched}
    assert after["customer"] == sorted(
        [(1, "erased@invalid", None, *before["customer"][0][3:]), *before["customer"][1:]],
        key=repr,
    )
    assert after["login"] == [r for r in before["login"] if r[1] != 1]
    targeted = {("ord_aaa-aaa", 1), ("ord_ccc-ccc", 1), ("ord_ccc-ccc", 2), ("ord_ddd-ddd", 1)}
    assert after["order_item"] == sorted(
        [(*r[:3], 0) if (r[0], r[1]) in targeted else r for r in before["order_item"]], key=repr
    )


@pytest.mark.integration
def test_mysql_mask_counts_matched_rows_even_when_a_value_is_already_masked(
    mysql_db: str,
) -> None:
    connector = MySQLConnector(url_of(mysql_db))
    keys = [{"id": 1}, {"id": 2}]
    assert connector.mask(collection("customer"), primary_keys=keys, updates={"name": None}) == 2
    # MySQL counts only changed rows unless asked (FOUND_ROWS): the second pass still matches 2
    assert connector.mask(collection("customer"), primary_keys=keys, updates={"name": None}) == 2
    assert connector.delete(collection("login"), primary_keys=[]) == 0
    assert connector.statements_executed == 2
    connector.close()


# --- quoting, parameters, declared columns ---------------------------------------------------


@pytest.mark.integration
def test_mysql_quotes_identifiers_with_odd_characters(mysql_db: str) -> None:
    # given: a table and columns named with a backtick, a percent sign and a reserved word, and
    # the same table in a second database reached through the ``schema`` option
    archive = f"{mysql_db}_archive"
    admin = _admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {mysql_quote(archive)}")
            for database, email in ((mysql_db, "a@b.c"), (archive, "old@b.c")):
                table = f"{mysql_quote(database)}.`we``ird%`"
                cursor.execute(
                    f"CREATE TABLE {table} (`e``mail` VARCHAR(50), `select` INT PRIMARY KEY)"
                )
                # with parameters, PyMySQL reads % as a placeholder: doubled, as the connector does
                cursor.execute(
                    f"INSERT INTO {table.replace('%', '%%')} VALUES (%s, 1), ('x@y.z', 2)",  # noqa: S608
                    (email,),
                )
        odd = spec("we`ird%", "e`mail", "select", keys=("select",))
        connector = MySQLConnector(url_of(mysql_db))
        # when
        rows = connector.retrieve(odd, lookup_field="e`mail", values=["a@b.c"])
        archived = connector.retrieve(
            spec("we`ird%", "e`mail", "select", schema=archive), lookup_field="select", values=[1]
        )
        masked = connector.mask(odd, primary_keys=[{"select": 2}], updates={"e`mail": "m%s"})
        connector.close()
        # then
        assert rows == [{"e`mail": "a@b.c", "select": 1}]
        assert archived == [{"e`mail": "old@b.c", "select": 1}]
        assert masked == 1
        assert dump(mysql_db, "we`ird%") == [("a@b.c", 1), ("m%s", 2)]
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {mysql_quote(archive)}")
        admin.close()
    assert mysql_quote("a`b%c") == "`a``b%%c`"


@pytest.mark.integration
def test_mysql_values_are_parameters_never_sql(mysql_db: str) -> None:
    # given
    before = dump_all(mysql_db)
    connector = MySQLConnector(url_of(mysql_db))
    hostile = ["x' OR '1'='1", "x\\' OR 1=1 -- ", "%s", "'; DROP TABLE customer; --", None]
    # when
    found = connector.retrieve(collection("customer"), lookup_field="email", values=hostile)
    masked = connector.mask(
        collection("payment_card"),
        primary_keys=[{"id": "pay_aaa-aaa' OR '1'='1"}],
        updates={"name": "x"},
    )
    # strict mode refuses a text that is not a number as an integer key: an error, no change
    with pytest.raises(ConnectorError, match="Truncated incorrect"):
        connector.mask(
            collection("customer"), primary_keys=[{"id": "1 OR 1=1"}], updates={"name": "x"}
        )
    connector.close()
    # then: nothing found, nothing changed, nothing dropped
    assert found == []
    assert masked == 0
    assert dump_all(mysql_db) == before


@pytest.mark.integration
def test_mysql_reads_only_the_declared_columns(
    mysql_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: product has description and url columns the dataset does not name
    sent: list[str] = []
    original = pymysql.cursors.Cursor.execute

    def spy(self: Any, statement: str, args: object = None) -> Any:
        sent.append(statement)
        return original(self, statement, args)

    monkeypatch.setattr(pymysql.cursors.Cursor, "execute", spy)
    connector = MySQLConnector(url_of(mysql_db))
    # when
    rows = connector.retrieve(collection("product"), lookup_field="id", values=[1, 2, 99])
    # then
    assert sorted(rows, key=lambda r: r["id"]) == [
        {"id": 1, "name": "The Choco Chip", "price": "$20.00"},
        {"id": 2, "name": "The Almond Butter", "price": "$20.00"},
    ]
    assert sent == ["SELECT `id`, `name`, `price` FROM `product` WHERE `id` IN (%s, %s, %s)"]
    with pytest.raises(ConnectorError, match="declares no field 'url'"):
        connector.retrieve(collection("product"), lookup_field="url", values=["x"])
    assert len(sent) == 1
    connector.close()


@pytest.mark.integration
def test_mysql_string_field_lookup_sends_numbers_as_text(mysql_db: str) -> None:
    # MySQL would compare a text column with the number 0 as numbers: every non-numeric id
    # would match. A field declared data_type string gets the value as text.
    orders = CollectionSpec(
        name="orders",
        fields=(
            FieldSpec(name="id", path=("id",), primary_key=True, data_type="string"),
            FieldSpec(name="customer_id", path=("customer_id",)),
        ),
    )
    connector = MySQLConnector(url_of(mysql_db))
    assert connector.retrieve(orders, lookup_field="id", values=[0]) == []
    connector.close()


# --- connection errors -----------------------------------------------------------------------


@pytest.mark.integration
def test_mysql_unreachable_or_refused_is_unavailable_without_the_password(mysql_db: str) -> None:
    password = "s3cret-Pw-123"
    for url in (
        f"mysql://root:{password}@127.0.0.1:1/{mysql_db}",
        f"mysql://garde_nobody:{password}@127.0.0.1:3306/{mysql_db}",
    ):
        connector = MySQLConnector(url)
        with pytest.raises(ConnectorUnavailableError, match="cannot connect to MySQL") as caught:
            connector.test_connection()
        assert password not in str(caught.value)
        assert password not in repr(connector)
    with pytest.raises(ConnectorUnavailableError, match=r"mysql://user:password@host"):
        MySQLConnector("postgres://root@127.0.0.1/x").test_connection()


def test_mysql_url_is_read_with_its_parts_decoded() -> None:
    arguments = mysql_connect_arguments("mysql://app%40x:p%3Aw@db.example.net:3307/shop%2Deu")
    assert {k: arguments[k] for k in ("host", "port", "user", "password", "database")} == {
        "host": "db.example.net",
        "port": 3307,
        "user": "app@x",
        "password": "p:w",
        "database": "shop-eu",
    }
    assert mysql_connect_arguments("mariadb://root@h/db?unix_socket=/run/m.sock")[
        "unix_socket"
    ] == ("/run/m.sock")


@pytest.mark.integration
@pytest.mark.django_db
def test_system_test_of_a_mysql_system_uses_the_connector(mysql_db: str) -> None:
    from garde.dsr.services import system_add, system_test

    good = system_add(name="shop", type="mysql", url=url_of(mysql_db), actor=None)
    bad = system_add(
        name="gone", type="mysql", url="mysql://root:Hush-42@127.0.0.1:1/x", actor=None
    )
    system_test(system=good)
    system_test(system=bad)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.last_test_ok, good.last_test_message) == (True, "ok")
    assert bad.last_test_ok is False
    assert bad.last_test_message.startswith("cannot connect to MySQL: (2003,")
    assert "Hush-42" not in bad.last_test_message
