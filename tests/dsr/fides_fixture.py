"""Test helpers for Fides' example database and datasets (``/work/shared/fixtures/fides``).

``fides_dataset_specs_for_tests`` is a deliberately minimal YAML -> spec mapping, only for the
engine's tests until the real parser (``garde.dsr.datasets.dataset_parse``) is used instead: no
validation, no line numbers, only the keys the example datasets use.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from garde.dsr.spec import CollectionSpec, DatasetSpec, FieldSpec, Reference

FIDES_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "fides"
if not FIDES_DIR.is_dir():
    FIDES_DIR = Path("/work/shared/fixtures/fides")
EXAMPLE_YAML = FIDES_DIR / "postgres_example_test_dataset.yml"
EXTENDED_YAML = FIDES_DIR / "postgres_example_test_extended_dataset.yml"
SAMPLE_SQL = FIDES_DIR / "postgres_sample.sql"

EXAMPLE_KEY = "postgres_example_test_dataset"
EXTENDED_KEY = "postgres_example_test_extended_dataset"

# What Fides 2.86.2 returns for customer-1@example.com (fixtures README).
FIDES_COUNTS = {
    "customer": 1,
    "address": 2,
    "orders": 3,
    "order_item": 4,
    "product": 2,
    "payment_card": 1,
    "login": 6,
    "service_request": 1,
    "visit": 1,
    "report": 0,
    "employee": 0,
}

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _field_for_tests(raw: dict[str, Any], parent: tuple[str, ...] = ()) -> FieldSpec:
    meta = raw.get("fides_meta") or {}
    path = (*parent, raw["name"])
    references = []
    for ref in meta.get("references") or []:
        collection, _, dotted = ref["field"].partition(".")
        references.append(Reference(ref["dataset"], collection, dotted, ref.get("direction")))
    return FieldSpec(
        name=raw["name"],
        path=path,
        data_categories=tuple(raw.get("data_categories") or ()),
        identity=meta.get("identity"),
        primary_key=bool(meta.get("primary_key", False)),
        references=tuple(references),
        data_type=meta.get("data_type"),
        length=meta.get("length"),
        fields=tuple(_field_for_tests(f, path) for f in raw.get("fields") or ()),
    )


def fides_dataset_specs_for_tests(path: Path) -> list[DatasetSpec]:
    """Test helper only: map a Fides dataset YAML file to spec objects, without validation."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        DatasetSpec(
            fides_key=d["fides_key"],
            name=d.get("name", d["fides_key"]),
            description=d.get("description", ""),
            collections=tuple(
                CollectionSpec(
                    name=c["name"],
                    fields=tuple(_field_for_tests(f) for f in c["fields"]),
                    data_categories=tuple(c.get("data_categories") or ()),
                )
                for c in d["collections"]
            ),
        )
        for d in document["dataset"]
    ]


def example_datasets() -> list[DatasetSpec]:
    return fides_dataset_specs_for_tests(EXAMPLE_YAML)


def extended_datasets() -> list[DatasetSpec]:
    return fides_dataset_specs_for_tests(EXAMPLE_YAML) + fides_dataset_specs_for_tests(
        EXTENDED_YAML
    )


def fides_sqlite_script() -> str:
    """The public tables of ``postgres_sample.sql``, made portable for SQLite: the same CREATE
    TABLE and INSERT statements with ``public.`` dropped, SERIAL as INTEGER, MONEY as TEXT; the
    sequences and the backup schema left out."""
    statements = []
    for statement in SAMPLE_SQL.read_text(encoding="utf-8").split(";"):
        text = "\n".join(
            line for line in statement.splitlines() if not line.lstrip().startswith("--")
        ).strip()
        if not text.startswith(("CREATE TABLE public.", "INSERT INTO public.")):
            continue
        text = text.replace("public.", "")
        text = re.sub(r"\bSERIAL\b", "INTEGER", text)
        text = re.sub(r"\bMONEY\b", "TEXT", text)
        statements.append(text)
    return ";\n".join(statements) + ";\n"


@contextmanager
def postgres_fides_database() -> Iterator[str]:
    """A fresh PostgreSQL database loaded with the Fides sample; yields its URL, drops it after.

    Skips the test when the server cannot be reached.
    """
    import psycopg
    import pytest
    from psycopg import sql

    name = f"garde_dsr_test_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable at 127.0.0.1:5432: {exc}")
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(SAMPLE_SQL.read_text(encoding="utf-8").encode())
            yield url
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
