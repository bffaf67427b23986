"""Data map services: dataset import (all or nothing), systems with encrypted URLs, connection
tests (issue 5, items 1 and 2)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection

from garde.core.errors import NotFoundError
from garde.core.models import AuditEvent
from garde.dsr.errors import DatasetInvalidError
from garde.dsr.models import Dataset, DataSystem, url_mask
from garde.dsr.services import dataset_import, system_add, system_test
from tests.dsr.test_datasets import EXAMPLE, EXTENDED, MALFORMED, fixture_text, parse

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-pw"


def test_fides_datasets_import_with_their_categories_and_are_audited() -> None:
    # when
    (example,) = dataset_import(text=fixture_text(EXAMPLE), filename="a.yml", actor=None)
    (extended,) = dataset_import(text=fixture_text(EXTENDED), filename="b.yml", actor=None)
    # then
    assert Dataset.objects.count() == 2
    assert example.spec_object() == parse(fixture_text(EXAMPLE))[0]
    assert example.yaml_text == fixture_text(EXAMPLE)
    assert extended.spec_object().collections[0].name == "loyalty"
    keys = set(example.data_categories.values_list("key", flat=True))
    assert {"user.contact.email", "user.financial.bank_account", "system.operations"} <= keys
    events = AuditEvent.objects.filter(action="dsr.dataset_imported").order_by("id")
    assert [e.details["fides_key"] for e in events] == [EXAMPLE, EXTENDED]
    assert events[0].details["replaced"] is False


def test_reimporting_a_fides_key_replaces_it() -> None:
    # given
    dataset_import(text=fixture_text(EXAMPLE), filename="a.yml", actor=None)
    changed = fixture_text(EXAMPLE).replace("name: Postgres Example Test Dataset", "name: Renamed")
    # when
    (again,) = dataset_import(text=changed, filename="a.yml", actor=None)
    # then
    assert Dataset.objects.count() == 1
    assert again.spec_object().name == "Renamed"
    events = AuditEvent.objects.filter(action="dsr.dataset_imported").order_by("id")
    assert [e.details["replaced"] for e in events] == [False, True]


def test_a_malformed_file_imports_nothing_even_after_a_valid_dataset() -> None:
    # given
    valid = fixture_text(EXTENDED).removeprefix("dataset:\n")
    invalid = MALFORMED.removeprefix("dataset:\n")
    text = "dataset:\n" + valid + invalid
    # when
    with pytest.raises(DatasetInvalidError) as caught:
        dataset_import(text=text, filename="two.yml", actor=None)
    # then
    assert len(caught.value.problems) == 5
    assert Dataset.objects.count() == 0
    assert not AuditEvent.objects.filter(action="dsr.dataset_imported").exists()


def test_system_url_is_stored_encrypted_and_masked_for_display() -> None:
    # given
    url = f"postgresql://garde:{SECRET}@db.example.net:5432/shop"
    # when
    system = system_add(name="shop-db", type="postgres", url=url, actor=None)
    # then
    with connection.cursor() as cursor:
        cursor.execute("SELECT url_encrypted FROM dsr_datasystem WHERE id = %s", [system.pk])
        (raw,) = cursor.fetchone()
    assert SECRET not in raw
    assert DataSystem.objects.get().url == url
    assert system.connection_display == "postgresql://garde:***@db.example.net:5432/shop"
    event = AuditEvent.objects.get(action="dsr.system_added")
    assert SECRET not in str(event.details)


def test_system_add_ties_datasets_and_refuses_unknown_ones() -> None:
    # given
    dataset_import(text=fixture_text(EXAMPLE), filename="a.yml", actor=None)
    # when
    system = system_add(
        name="shop-db", type="sqlite", url="sqlite:////tmp/x.db", actor=None, datasets=[EXAMPLE]
    )
    # then
    assert list(system.datasets.values_list("fides_key", flat=True)) == [EXAMPLE]
    with pytest.raises(NotFoundError):
        system_add(name="other", type="sqlite", url="sqlite:////x", actor=None, datasets=["nope"])
    assert DataSystem.objects.count() == 1


def test_url_mask_hides_passwords_and_secret_parameters() -> None:
    assert url_mask("mysql://u:p@h/db?ssl=1&password=x") == "mysql://u:***@h/db?ssl=1&password=***"
    assert url_mask("redis://h:6379/0") == "redis://h:6379/0"


def test_system_test_on_a_real_sqlite_file_succeeds(tmp_path: Path) -> None:
    # given
    path = tmp_path / "shop.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE customer (id INTEGER)")
    system = system_add(name="shop", type="sqlite", url=f"sqlite:///{path}", actor=None)
    # when
    system_test(system=system)
    # then
    system.refresh_from_db()
    assert (system.last_test_ok, system.last_test_message) == (True, "ok")
    assert system.last_tested_at is not None
    assert AuditEvent.objects.filter(action="dsr.system_tested").count() == 1


def test_system_test_on_a_missing_sqlite_file_records_the_failure(tmp_path: Path) -> None:
    # given
    path = tmp_path / "missing.sqlite3"
    system = system_add(name="shop", type="sqlite", url=f"sqlite:///{path}", actor=None)
    # when
    system_test(system=system)
    # then
    system.refresh_from_db()
    assert system.last_test_ok is False
    assert system.last_test_message.startswith(
        "cannot open the SQLite database: unable to open database file"
    )
    assert not path.exists()
