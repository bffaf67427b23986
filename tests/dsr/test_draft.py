"""``garde dsr dataset draft SYSTEM`` (issue 5, item 2): a dataset proposed from a database's
schema and a few sampled values, that a person reviews, and that imports cleanly."""

from __future__ import annotations

import io
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from garde.core.models import AuditEvent
from garde.dsr.datasets import dataset_parse
from garde.dsr.draft import (
    Draft,
    DraftError,
    category_from_name,
    category_from_values,
    dataset_draft,
    draft_from_tables,
    iban_valid,
    introspect_sqlite,
)
from garde.dsr.models import Dataset, DataSystem
from garde.dsr.services import dataset_import, system_add
from garde.dsr.spec import DatasetSpec, FieldSpec, Reference
from tests.dsr.fides_fixture import fides_sqlite_script, postgres_fides_database

pytestmark = pytest.mark.django_db

FIDES_TABLES = (
    "address",
    "composite_pk_test",
    "customer",
    "dynamic_email_address_config",
    "employee",
    "login",
    "loyalty",
    "order_item",
    "orders",
    "payment_card",
    "product",
    "report",
    "service_request",
    "type_link_test",
    "visit",
)
# Values of Fides' sample that the draft reads but must never write.
FIDES_VALUES = (
    "customer-1@example.com",
    "John Customer",
    "Example Street",
    "Exampletown",
    "12345",
    "pay_aaa-aaa",
    "Example Card 1",
    "employee-1@example.com",
    "Cookie Rookie",
)
IBANS = ("FR7630006000011234567890189", "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432")
PHONES = ("+33 6 12 34 56 78", "06.98.76.54.32", "+442071838750")
IPS = ("192.0.2.10", "2001:db8::1", "198.51.100.7")
OWN_SCHEMA = """
CREATE TABLE person (id INTEGER PRIMARY KEY, mail VARCHAR(200), given_name TEXT, x1 TEXT,
                     x2 TEXT, x3 TEXT, x4 TEXT, created TIMESTAMP);
CREATE TABLE purchase (ref VARCHAR(20) PRIMARY KEY, buyer INTEGER REFERENCES person(id),
                       amount NUMERIC(10, 2));
CREATE TABLE purchase_line (purchase VARCHAR(20) REFERENCES purchase, line INTEGER, qty INTEGER,
                            PRIMARY KEY (purchase, line));
CREATE TABLE setting (name TEXT PRIMARY KEY, value TEXT);
"""


def own_rows() -> str:
    # Literal test data, no outside input.
    rows = []
    for index, (iban, phone, ip) in enumerate(zip(IBANS, PHONES, IPS, strict=True), 1):
        rows.append(
            f"INSERT INTO person VALUES ({index}, 'p{index}@example.org', 'Zoé', '{iban}', "  # noqa: S608
            f"'{phone}', '{ip}', 'FR7630006000011234567890180', '2024-01-0{index}');"
        )
        rows.append(f"INSERT INTO purchase VALUES ('P{index}', {index}, 10.5);")  # noqa: S608
        rows.append(f"INSERT INTO purchase_line VALUES ('P{index}', 1, 2);")  # noqa: S608
    rows.append("INSERT INTO setting VALUES ('theme', 'dark');")
    return "\n".join(rows)


@pytest.fixture
def fides_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "fides.sqlite3"
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(fides_sqlite_script())
    return path


@pytest.fixture
def own_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "own.sqlite3"
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(OWN_SCHEMA + own_rows())
    return path


def sqlite_system(path: Path, name: str = "shop") -> DataSystem:
    return system_add(name=name, type="sqlite", url=f"sqlite:///{path}", actor=None)


def field(spec: DatasetSpec, collection: str, name: str) -> FieldSpec:
    found = spec.collection(collection)
    assert found is not None, collection
    column = found.field_at(name)
    assert column is not None, name
    return column


def reparse(draft: Draft) -> list[DatasetSpec]:
    return dataset_parse(draft.yaml_text, filename="draft.yml", stored={})


# --- Fides' example database ---------------------------------------------------------------


def test_draft_of_fides_database_finds_every_table_key_and_email(fides_sqlite: Path) -> None:
    # when
    draft = dataset_draft(system=sqlite_system(fides_sqlite))
    spec = draft.spec
    # then
    assert draft.tables == FIDES_TABLES
    assert draft.left_out == ("loyalty", "type_link_test")
    assert [c.name for c in spec.collections] == [
        t for t in FIDES_TABLES if t not in draft.left_out
    ]
    assert field(spec, "customer", "id").primary_key is True
    assert [f.name for f in spec.collection("order_item").fields if f.primary_key] == [  # type: ignore[union-attr]
        "order_id",
        "item_no",
    ]
    for table, column in [
        ("customer", "email"),
        ("employee", "email"),
        ("report", "email"),
        ("service_request", "email"),
        ("service_request", "alt_email"),
        ("visit", "email"),
        ("dynamic_email_address_config", "email_address"),
    ]:
        email = field(spec, table, column)
        assert email.data_categories == ("user.contact.email",)
        assert email.identity == "email"
    assert field(spec, "customer", "email").data_type == "string"
    assert field(spec, "customer", "email").length == 100
    assert field(spec, "address", "zip").data_categories == ("user.contact.address.postal_code",)
    assert field(spec, "payment_card", "ccn").data_categories == ("user.financial.credit_card",)


def test_draft_of_fides_database_guesses_references_with_fides_directions(
    fides_sqlite: Path,
) -> None:
    # when
    draft = dataset_draft(system=sqlite_system(fides_sqlite), fides_key="fides_copy")
    spec = draft.spec
    # then: the sample declares no foreign key; the names lead to the same graph Fides wrote
    expected = {
        ("customer", "address_id"): Reference("fides_copy", "address", "id", "to"),
        ("orders", "customer_id"): Reference("fides_copy", "customer", "id", "from"),
        ("orders", "shipping_address_id"): Reference("fides_copy", "address", "id", "to"),
        ("order_item", "order_id"): Reference("fides_copy", "orders", "id", "from"),
        ("order_item", "product_id"): Reference("fides_copy", "product", "id", "to"),
        ("payment_card", "customer_id"): Reference("fides_copy", "customer", "id", "from"),
        ("payment_card", "billing_address_id"): Reference("fides_copy", "address", "id", "to"),
        ("login", "customer_id"): Reference("fides_copy", "customer", "id", "from"),
        ("service_request", "employee_id"): Reference("fides_copy", "employee", "id", "from"),
        ("employee", "address_id"): Reference("fides_copy", "address", "id", "to"),
    }
    for (table, column), reference in expected.items():
        assert field(spec, table, column).references == (reference,)
    assert "orders.customer_id -> customer.id" in draft.guessed_references
    assert "#   orders.customer_id -> customer.id\n" in draft.yaml_text


def test_draft_never_writes_sampled_values(fides_sqlite: Path) -> None:
    # when
    draft = dataset_draft(system=sqlite_system(fides_sqlite))
    # then
    for value in FIDES_VALUES:
        assert value not in draft.yaml_text


def test_draft_is_marked_for_review_and_imports_cleanly(fides_sqlite: Path) -> None:
    # given
    system = sqlite_system(fides_sqlite)
    draft = dataset_draft(system=system)
    # when
    imported = dataset_import(text=draft.yaml_text, filename="shop.yml", actor=None, system=system)
    # then
    assert draft.yaml_text.startswith("# DRAFT — review before import")
    assert draft.spec.description.startswith("DRAFT — review before import.")
    assert [d.fides_key for d in imported] == ["shop"]
    assert reparse(draft) == [draft.spec]
    assert "#   - name: loyalty\n" in draft.yaml_text


def test_draft_is_audited_without_values(fides_sqlite: Path) -> None:
    # given
    system = sqlite_system(fides_sqlite)
    # when
    dataset_draft(system=system, sample=5)
    # then
    event = AuditEvent.objects.get(action="dsr.dataset_drafted")
    assert event.details == {
        "fides_key": "shop",
        "tables": 15,
        "left_out": ["loyalty", "type_link_test"],
        "sample": 5,
    }


# --- a schema with foreign keys and values to recognise -------------------------------------


def test_draft_reads_foreign_keys_and_recognises_values(own_sqlite: Path) -> None:
    # when
    draft = dataset_draft(system=sqlite_system(own_sqlite, "own"))
    spec = draft.spec
    # then
    assert draft.tables == ("person", "purchase", "purchase_line", "setting")
    assert draft.left_out == ("setting",)
    assert draft.guessed_references == ()
    assert field(spec, "purchase", "buyer").references == (
        Reference("own", "person", "id", "from"),
    )
    # REFERENCES purchase (no column): the parent's primary key
    assert field(spec, "purchase_line", "purchase").references == (
        Reference("own", "purchase", "ref", "from"),
    )
    assert field(spec, "person", "mail").identity == "email"
    assert field(spec, "person", "given_name").data_categories == ("user.name.first",)
    assert field(spec, "person", "x1").data_categories == ("user.financial.bank_account",)
    assert field(spec, "person", "x2").data_categories == ("user.contact.phone_number",)
    assert field(spec, "person", "x3").data_categories == ("user.device.ip_address",)
    # IBAN-shaped, but the checksum is wrong
    assert field(spec, "person", "x4").data_categories == ()
    assert field(spec, "purchase", "amount").data_type == "float"
    for value in (*IBANS, *PHONES, *IPS, "p1@example.org", "Zoé", "dark"):
        assert value not in draft.yaml_text
    assert reparse(draft) == [spec]


def test_without_samples_only_names_are_used(own_sqlite: Path) -> None:
    # when
    draft = dataset_draft(system=sqlite_system(own_sqlite, "own"), sample=0)
    # then
    assert field(draft.spec, "person", "x1").data_categories == ()
    assert field(draft.spec, "person", "mail").data_categories == ("user.contact.email",)


def test_introspection_keeps_samples_only_in_memory(own_sqlite: Path) -> None:
    # when
    tables = introspect_sqlite(str(own_sqlite), sample=2)
    # then
    person = next(t for t in tables if t.name == "person")
    assert person.samples["x1"] == [IBANS[0], IBANS[1]]
    assert "id" not in person.samples  # integer columns are not sampled
    draft = draft_from_tables(tables, fides_key="own", name="own")
    assert IBANS[0] not in draft.yaml_text


# --- guesses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("FR76 3000 6000 0112 3456 7890 189", True),
        ("DE89370400440532013000", True),
        ("FR7630006000011234567890180", False),
        ("FR76", False),
        ("not an iban", False),
    ],
)
def test_iban_checksum(text: str, valid: bool) -> None:
    assert iban_valid(text) is valid


@pytest.mark.parametrize(
    ("values", "category"),
    [
        (["a@example.org", "b@example.com"], "user.contact.email"),
        (["+33612345678", "01 23 45 67 89"], "user.contact.phone_number"),
        (["10.0.0.1", "::1"], "user.device.ip_address"),
        (list(IBANS), "user.financial.bank_account"),
        (["a@example.org", "x", "y"], None),  # one in three is not most
        ([12345678901, 33612345678], None),  # numbers are not phone numbers
        ([], None),
    ],
)
def test_category_from_values(values: list[object], category: str | None) -> None:
    assert category_from_values(values) == category


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("email", "user.contact.email"),
        ("contactEmail", "user.contact.email"),
        ("mobile_phone", "user.contact.phone_number"),
        ("tel", "user.contact.phone_number"),
        ("ip_address", "user.device.ip_address"),
        ("first_name", "user.name.first"),
        ("lastName", "user.name.last"),
        ("street", "user.contact.address.street"),
        ("postal_code", "user.contact.address.postal_code"),
        ("city", "user.contact.address.city"),
        ("iban", "user.financial.bank_account"),
        ("date_of_birth", "user.demographic.date_of_birth"),
        ("password_hash", "user.authorization.credentials"),
        ("address_id", None),
        ("hotel", None),
        ("name", None),  # only in a table about a person
    ],
)
def test_category_from_name(name: str, category: str | None) -> None:
    assert category_from_name(name) == category


def test_every_category_the_draft_proposes_is_in_the_register() -> None:
    from garde.dsr.draft import _CONTEXT_RULES, _NAME_RULES, VALUE_DETECTORS
    from garde.register.defaults import taxonomy_load
    from garde.register.models import DataCategory

    taxonomy_load()
    known = set(DataCategory.objects.values_list("key", flat=True))
    proposed = (
        {rule[0] for rule in _NAME_RULES}
        | set(_CONTEXT_RULES.values())
        | {category for category, _ in VALUE_DETECTORS}
    )
    assert proposed <= known


# --- the command ---------------------------------------------------------------------------


def test_cli_writes_the_draft_to_a_file(fides_sqlite: Path, tmp_path: Path) -> None:
    # given
    sqlite_system(fides_sqlite)
    target = tmp_path / "draft.yml"
    err = io.StringIO()
    # when
    call_command(
        "dsr", "dataset", "draft", "shop", "--output", str(target), "--fides-key", "my_shop",
        "--sample", "5", stderr=err,
    )  # fmt: skip
    # then
    text = target.read_text(encoding="utf-8")
    assert "- fides_key: my_shop\n" in text
    assert err.getvalue() == (
        f"wrote {target}: 13 collections, 2 tables left out (see the file); review before import\n"
    )
    assert not Dataset.objects.exists()


def test_cli_prints_the_draft_without_output(own_sqlite: Path) -> None:
    # given
    sqlite_system(own_sqlite, "own")
    out = io.StringIO()
    # when
    call_command("dsr", "dataset", "draft", "own", stdout=out)
    # then
    assert out.getvalue().startswith("# DRAFT — review before import")
    assert "- fides_key: own\n" in out.getvalue()


def test_cli_refuses_an_unknown_system_and_an_unsupported_type() -> None:
    system_add(name="cache", type="redis", url="redis://127.0.0.1:6379/0", actor=None)
    with pytest.raises(CommandError, match="no system named 'nope'"):
        call_command("dsr", "dataset", "draft", "nope")
    with pytest.raises(CommandError, match="can be drafted only for mysql, postgres, sqlite"):
        call_command("dsr", "dataset", "draft", "cache")
    assert not AuditEvent.objects.filter(action="dsr.dataset_drafted").exists()


def test_an_unreadable_database_is_a_clear_error(tmp_path: Path) -> None:
    system = sqlite_system(tmp_path / "missing.sqlite3", "missing")
    with pytest.raises(DraftError, match="cannot open the SQLite database"):
        dataset_draft(system=system)


# --- real servers --------------------------------------------------------------------------

PG_EXTRA = """
CREATE TABLE public.device (id SERIAL PRIMARY KEY,
    customer_id INT REFERENCES public.customer (id), seen_from INET, x1 TEXT);
INSERT INTO public.device (customer_id, seen_from, x1) VALUES
    (1, '192.0.2.1', 'FR7630006000011234567890189'), (2, '2001:db8::2', 'GB82WEST12345698765432');
"""


@pytest.mark.integration
def test_draft_of_fides_postgres_database() -> None:
    import psycopg

    with postgres_fides_database() as url:
        # given
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(PG_EXTRA.encode())
        system = system_add(name="fides-pg", type="postgres", url=url, actor=None)
        # when
        draft = dataset_draft(system=system)
        spec = draft.spec
        # then: the public schema only (the sample also fills a backup schema)
        assert draft.tables == tuple(sorted((*FIDES_TABLES, "device")))
        assert [f.name for f in spec.collection("order_item").fields if f.primary_key] == [  # type: ignore[union-attr]
            "order_id",
            "item_no",
        ]
        assert field(spec, "device", "customer_id").references == (
            Reference("fides_pg", "customer", "id", "from"),
        )
        assert "device.customer_id -> customer.id" not in draft.guessed_references
        assert field(spec, "device", "seen_from").data_categories == ("user.device.ip_address",)
        assert field(spec, "device", "x1").data_categories == ("user.financial.bank_account",)
        assert field(spec, "customer", "email").identity == "email"
        assert field(spec, "customer", "email").length == 100
        assert field(spec, "customer", "id").data_type == "integer"
        assert field(spec, "orders", "customer_id").references == (
            Reference("fides_pg", "customer", "id", "from"),
        )
        for value in (*FIDES_VALUES, "192.0.2.1", "FR7630006000011234567890189"):
            assert value not in draft.yaml_text
        assert reparse(draft) == [spec]


MARIADB_SCHEMA = (
    "CREATE TABLE member (id INT PRIMARY KEY, email VARCHAR(150), telephone VARCHAR(30), "
    "x1 VARCHAR(40))",
    "CREATE TABLE booking (id INT PRIMARY KEY, member_id INT, room VARCHAR(10), "
    "FOREIGN KEY (member_id) REFERENCES member (id))",
    "CREATE TABLE room (code VARCHAR(10) PRIMARY KEY, floor INT)",
    "INSERT INTO member VALUES (1, 'a@example.org', '+33 6 12 34 56 78', "
    "'FR7630006000011234567890189'), (2, 'b@example.org', '0698765432', "
    "'DE89370400440532013000')",
    "INSERT INTO booking VALUES (10, 1, 'R1'), (11, 2, 'R2')",
)


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    import pymysql

    name = f"garde_draft_{secrets.token_hex(6)}"
    try:
        admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", connect_timeout=3)
    except pymysql.MySQLError as exc:
        pytest.skip(f"MariaDB unreachable at 127.0.0.1:3306: {exc}")
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}`")
            cursor.execute(f"USE `{name}`")
            for statement in MARIADB_SCHEMA:
                cursor.execute(statement)
        admin.commit()
        yield f"mysql://root@127.0.0.1:3306/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.mark.integration
def test_draft_of_a_mariadb_database(mariadb_url: str) -> None:
    # given
    system = system_add(name="hotel", type="mysql", url=mariadb_url, actor=None)
    # when
    draft = dataset_draft(system=system)
    spec = draft.spec
    # then
    assert draft.tables == ("booking", "member", "room")
    assert draft.left_out == ("room",)
    assert field(spec, "booking", "member_id").references == (
        Reference("hotel", "member", "id", "from"),
    )
    assert draft.guessed_references == ()
    assert field(spec, "member", "id").primary_key is True
    assert field(spec, "member", "email").identity == "email"
    assert field(spec, "member", "email").length == 150
    assert field(spec, "member", "telephone").data_categories == ("user.contact.phone_number",)
    assert field(spec, "member", "x1").data_categories == ("user.financial.bank_account",)
    for value in ("a@example.org", "FR7630006000011234567890189", "0698765432"):
        assert value not in draft.yaml_text
    assert reparse(draft) == [spec]
