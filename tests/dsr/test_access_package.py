"""The access package (issue 5, item 5): data.json, one CSV per collection and index.html, on
Fides' example database (SQLite copy) with its dataset imported unchanged."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import uuid
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from garde.core.deadlines import PARIS
from garde.dsr.engine import AccessResult
from garde.dsr.models import DataSystem
from garde.dsr.package import (
    HTML_ROWS_MAX,
    art15_cache_clear,
    package_build,
    package_files,
    table_build,
    table_csv,
)
from garde.dsr.runtime import DataMap, access_collect, data_map_load
from garde.dsr.services import dataset_import, system_add
from garde.register.defaults import register_load_default
from garde.register.models import RegisterVersion
from tests.dsr.fides_fixture import (
    EXAMPLE_KEY,
    EXAMPLE_YAML,
    FIDES_COUNTS,
    fides_sqlite_script,
)

pytestmark = pytest.mark.django_db

EMAIL = "customer-1@example.com"
SYSTEM = "fides-example"
PUBLISHED = datetime(2026, 3, 15, 10, 30, tzinfo=PARIS)

# A dataset on a system that cannot be reached: the partial-failure case.
CRM_YAML = """\
dataset:
  - fides_key: crm
    name: CRM
    collections:
      - name: contacts
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta:
              primary_key: True
          - name: email
            data_categories: [user.contact.email]
            fides_meta:
              identity: email
"""


@pytest.fixture(autouse=True)
def _fresh_register_cache(settings: Any, tmp_path: Path) -> Iterator[None]:
    # Package files go to the test's own directory; the art. 15 cache is keyed by register
    # version, whose ids a rolled-back test database hands out again.
    settings.PRIVATE_DIR = tmp_path / "private"
    art15_cache_clear()
    yield
    art15_cache_clear()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "fides.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(fides_sqlite_script())
    db.close()
    return path


@pytest.fixture
def fides_system(sqlite_db: Path) -> DataSystem:
    """Fides' example dataset, imported unchanged, on a SQLite copy of its database."""
    dataset_import(
        text=EXAMPLE_YAML.read_text(encoding="utf-8"), filename=EXAMPLE_YAML.name, actor=None
    )
    return system_add(
        name=SYSTEM, type="sqlite", url=f"sqlite:///{sqlite_db}", actor=None, datasets=[EXAMPLE_KEY]
    )


@pytest.fixture
def broken_crm(tmp_path: Path) -> DataSystem:
    dataset_import(text=CRM_YAML, filename="crm.yml", actor=None)
    return system_add(
        name="crm",
        type="sqlite",
        url=f"sqlite:///{tmp_path / 'missing.sqlite3'}",
        actor=None,
        datasets=["crm"],
    )


@pytest.fixture
def published(db: None) -> RegisterVersion:
    with time_machine.travel(PUBLISHED, tick=False):
        return register_load_default()


def build(language: str = "fr") -> tuple[dict[str, bytes], AccessResult]:
    data_map = data_map_load()
    plan, result = access_collect({"email": EMAIL}, data_map=data_map, time_budget_s=30)
    files = package_files(
        result=result,
        data_map=data_map,
        identities={"email": EMAIL},
        language=language,
        plan=plan,
    )
    return files, result


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


# --- data.json and the CSV files ----------------------------------------------------------


def test_data_json_holds_exactly_what_fides_returns_for_customer_1(
    fides_system: DataSystem,
) -> None:
    # when
    files, result = build()
    data = json.loads(files["data.json"])
    # then: system -> dataset -> collection -> rows, the rows Fides returns
    assert list(data) == [SYSTEM]
    assert list(data[SYSTEM]) == [EXAMPLE_KEY]
    collections = data[SYSTEM][EXAMPLE_KEY]
    assert {name: len(rows) for name, rows in collections.items()} == FIDES_COUNTS
    assert collections["customer"] == [
        {
            "address_id": 1,
            "created": "2020-04-01 11:47:42",
            "email": EMAIL,
            "id": 1,
            "name": "John Customer",
        }
    ]
    assert collections == result.data[EXAMPLE_KEY]


def test_one_csv_per_collection_holds_the_same_rows_as_data_json(
    fides_system: DataSystem,
) -> None:
    # when
    files, _result = build()
    data = json.loads(files["data.json"])[SYSTEM][EXAMPLE_KEY]
    # then
    csv_names = sorted(n for n in files if n.endswith(".csv"))
    assert csv_names == sorted(f"{SYSTEM}/{EXAMPLE_KEY}/{name}.csv" for name in FIDES_COUNTS)
    for name, rows in data.items():
        table = csv_rows(files[f"{SYSTEM}/{EXAMPLE_KEY}/{name}.csv"])
        assert table == [
            {k: "" if v is None else str(v) for k, v in row.items()} for row in rows
        ], name
    # an empty collection still has its header, from the dataset's fields
    assert (
        files[f"{SYSTEM}/{EXAMPLE_KEY}/report.csv"]
        .decode("utf-8-sig")
        .startswith("email,id,month,name,total_visits,year\r\n")
    )


def test_the_zip_holds_the_same_files(fides_system: DataSystem, published: RegisterVersion) -> None:
    # given
    data_map = data_map_load()
    plan, result = access_collect({"email": EMAIL}, data_map=data_map)
    # when
    archive = package_build(
        result=result, data_map=data_map, identities={"email": EMAIL}, plan=plan
    )
    # then
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        names = zf.namelist()
        data = json.loads(zf.read("data.json"))
    assert names[0] == "data.json"
    assert "index.html" in names
    assert len([n for n in names if n.endswith(".csv")]) == len(FIDES_COUNTS)
    assert {k: len(v) for k, v in data[SYSTEM][EXAMPLE_KEY].items()} == FIDES_COUNTS


def test_csv_cells_that_a_spreadsheet_would_evaluate_are_quoted() -> None:
    # given
    rows = [
        {"name": '=HYPERLINK("http://evil")', "note": "+33 1 23", "city": "-x", "tag": "@SUM(A1)"},
        {"name": "Alice", "note": "\tcmd", "city": "Paris", "tag": -5},
    ]
    table = table_build(system="s", dataset="d", collection="c", spec=None, rows=rows)
    # when
    text = table_csv(table).decode("utf-8-sig")
    # then
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "note", "city", "tag"],
        ['\'=HYPERLINK("http://evil")', "'+33 1 23", "'-x", "'@SUM(A1)"],
        ["Alice", "'\tcmd", "Paris", "-5"],  # a number is a number, not a formula
    ]


def test_nested_values_are_flattened_into_dotted_columns() -> None:
    # given
    rows = [{"id": 1, "workplace": {"city": "Lyon", "address": {"zip": "69001"}}, "tags": ["a"]}]
    # when
    table = table_build(system="s", dataset="d", collection="c", spec=None, rows=rows)
    # then
    assert table.columns == ("id", "workplace.city", "workplace.address.zip", "tags")
    assert table.rows == ((1, "Lyon", "69001", ["a"]),)
    assert table_csv(table).decode("utf-8-sig").splitlines()[1] == '1,Lyon,69001,"[""a""]"'


def test_values_json_cannot_hold_are_converted(published: RegisterVersion) -> None:
    # given
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    result = AccessResult(
        data={
            "d": {
                "c": [
                    {
                        "at": datetime(2026, 3, 1, 9, 30, tzinfo=PARIS),
                        "day": date(2026, 3, 1),
                        "amount": Decimal("12.10"),
                        "blob": b"\x00\x01",
                        "uid": ident,
                        "ok": True,
                    }
                ]
            }
        },
        failures=[],
        elapsed_s=0,
    )
    # when
    files = package_files(
        result=result, data_map=DataMap(specs=(), systems={}), identities={"email": EMAIL}
    )
    # then
    assert json.loads(files["data.json"]) == {
        "-": {
            "d": {
                "c": [
                    {
                        "at": "2026-03-01T09:30:00+01:00",
                        "day": "2026-03-01",
                        "amount": "12.10",
                        "blob": "AAE=",
                        "uid": str(ident),
                        "ok": True,
                    }
                ]
            }
        }
    }
    assert csv_rows(files["-/d/c.csv"]) == [
        {
            "at": "2026-03-01T09:30:00+01:00",
            "day": "2026-03-01",
            "amount": "12.10",
            "blob": "AAE=",
            "uid": str(ident),
            "ok": "true",
        }
    ]


# --- index.html ---------------------------------------------------------------------------


def test_index_html_in_french_gives_the_data_and_what_article_15_requires(
    fides_system: DataSystem, published: RegisterVersion
) -> None:
    # when
    files, _result = build("fr")
    html = files["index.html"].decode()
    # then
    assert html.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert "<script" not in html
    assert "<h1>Vos données personnelles</h1>" in html
    assert "Toutes les sources interrogées ont répondu" in html
    assert (
        "<caption>login (fides-example · postgres_example_test_dataset) : 6 enregistrement(s)"
        in html
    )
    assert "<td>John Customer</td>" in html
    # art. 15(1): purposes, categories, recipients, retention, source, rights, CNIL, art. 22
    for expected in (
        "Informations sur les traitements (article 15 du RGPD)",
        "<dt>Finalités</dt>",
        "Recevoir, instruire et répondre aux demandes d&#x27;exercice des droits",
        "<dt>Catégories de données</dt>",
        "<dt>Destinataires</dt>",
        "<dt>Durée de conservation</dt>",
        "Demandes et réponses : 5 ans",
        "<dt>Source des données</dt>",
        "Vous pouvez demander la rectification ou l&#x27;effacement",
        "Réclamation auprès de la CNIL",
        "https://www.cnil.fr/fr/adresser-une-plainte",
        "3 place de Fontenoy",
        "Décision automatisée",
    ):
        assert expected in html, expected


def test_index_html_in_english(fides_system: DataSystem, published: RegisterVersion) -> None:
    # when
    files, _result = build("en")
    html = files["index.html"].decode()
    # then
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    for expected in (
        "<h1>Your personal data</h1>",
        "Every source searched answered: the copy is complete.",
        "<caption>login (fides-example · postgres_example_test_dataset): 6 record(s)",
        "Information about the processing (GDPR article 15)",
        "<dt>Purposes</dt>",
        "Receive, examine and answer rights requests within the legal time limits",
        "<dt>Recipients</dt>",
        "<dt>Retention period</dt>",
        "Requests and answers: 5 years",
        "Complaint to the CNIL",
        "https://www.cnil.fr/en/complaints",
        "Automated decisions",
    ):
        assert expected in html, expected


def test_index_html_escapes_every_value() -> None:
    # given
    result = AccessResult(
        data={"d<x>": {"c": [{"name": "<script>alert(1)</script>", "<b>": "&"}]}},
        failures=[],
        elapsed_s=0,
    )
    # when
    html = package_files(
        result=result, data_map=DataMap(specs=(), systems={}), identities={"email": "<i>@x.fr"}
    )["index.html"].decode()
    # then
    assert "<script" not in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>&amp;</td>" in html
    assert '<th scope="col">&lt;b&gt;</th>' in html
    assert "&lt;i&gt;@x.fr" in html
    assert "d&lt;x&gt;" in html


def test_a_system_that_fails_is_reported_and_the_rest_is_still_returned(
    fides_system: DataSystem, broken_crm: DataSystem, published: RegisterVersion
) -> None:
    # when
    files, result = build("fr")
    data = json.loads(files["data.json"])
    html = files["index.html"].decode()
    # then: Fides' data is all there, the CRM is listed as not returned, with why
    assert [(f.dataset, f.collection, f.kind) for f in result.failures] == [
        ("crm", "contacts", "unavailable")
    ]
    assert list(data) == [SYSTEM]
    assert {k: len(v) for k, v in data[SYSTEM][EXAMPLE_KEY].items()} == FIDES_COUNTS
    assert "crm/crm/contacts.csv" not in files
    assert "Ce qui n&#x27;a pas pu être retourné" in html
    assert "Toutes les sources interrogées ont répondu" not in html
    assert "<tr><td>crm</td><td>crm</td><td>contacts</td><td>système indisponible</td>" in html


def test_a_big_collection_is_cut_in_the_report_but_whole_in_csv_and_json() -> None:
    # given
    rows = [{"id": i} for i in range(HTML_ROWS_MAX + 10)]
    result = AccessResult(data={"d": {"c": rows}}, failures=[], elapsed_s=0)
    # when
    files = package_files(
        result=result, data_map=DataMap(specs=(), systems={}), identities={"email": EMAIL}
    )
    # then
    html = files["index.html"].decode()
    assert html.count("<tr><td>") == HTML_ROWS_MAX + 1  # and the summary's row
    assert f"Seuls les {HTML_ROWS_MAX} premiers enregistrements sur {HTML_ROWS_MAX + 10}" in html
    assert len(csv_rows(files["-/d/c.csv"])) == HTML_ROWS_MAX + 10
    assert len(json.loads(files["data.json"])["-"]["d"]["c"]) == HTML_ROWS_MAX + 10


def test_the_register_part_is_rendered_once_per_version_and_language(
    published: RegisterVersion,
) -> None:
    # given
    result = AccessResult(data={"d": {"c": [{"id": 1}]}}, failures=[], elapsed_s=0)
    data_map = DataMap(specs=(), systems={})
    package_files(result=result, data_map=data_map, identities={"email": EMAIL})
    # when
    with CaptureQueriesContext(connection) as queries:
        files = package_files(result=result, data_map=data_map, identities={"email": EMAIL})
    # then: one query (which version is the latest), no snapshot read
    assert len(queries) == 1
    assert "Réclamation auprès de la CNIL" in files["index.html"].decode()
