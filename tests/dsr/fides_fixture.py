"""Test helpers for Fides' example database and datasets (``/work/shared/fixtures/fides``).

The datasets are read by Garde's own parser (``garde.dsr.datasets.dataset_parse``), from the
files exactly as Fides ships them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from garde.dsr.datasets import dataset_parse
from garde.dsr.spec import DatasetSpec

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


def _taxonomy_keys() -> set[str]:
    return {c.fides_key for c in DEFAULT_TAXONOMY.data_category}


def fides_dataset_specs(
    path: Path, *, stored: dict[str, DatasetSpec] | None = None
) -> list[DatasetSpec]:
    """The datasets of a Fides YAML file, read by Garde's own parser (validated, unchanged
    file), against fideslang's default taxonomy so no database is needed."""
    return dataset_parse(
        path.read_text(encoding="utf-8"),
        filename=path.name,
        stored=stored or {},
        categories=_taxonomy_keys(),
    )


def example_datasets() -> list[DatasetSpec]:
    return fides_dataset_specs(EXAMPLE_YAML)


def extended_datasets() -> list[DatasetSpec]:
    example = example_datasets()
    return example + fides_dataset_specs(
        EXTENDED_YAML, stored={spec.fides_key: spec for spec in example}
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
