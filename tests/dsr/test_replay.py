"""Replay of the erasure journal (issue 5, acceptance "Replay"): erase a person, restore a copy
of the database taken before, run the replay: the person's data is gone again."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.utils import timezone
from psycopg import sql

from garde.core.models import AuditEvent
from garde.dsr.erasure import erasure_replay, erasure_run_create, erasure_run_execute
from garde.dsr.models import DataSystem, ErasureJournalEntry
from garde.dsr.services import dataset_import, system_add
from tests.dsr.fides_fixture import EXAMPLE_KEY, EXAMPLE_YAML, PG_ADMIN_URL, postgres_fides_database
from tests.dsr.test_erasure_run import dump, erase, fides_sqlite, fides_system, hashed

pytestmark = pytest.mark.django_db

EMAIL = "customer-1@example.com"


def _person_rows(path: Path) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(
            "SELECT email, name FROM customer WHERE id = 1 UNION ALL "
            "SELECT alt_email, NULL FROM service_request WHERE id = 'ser_aaa-aaa'"
        ).fetchall()
    finally:
        connection.close()


@pytest.fixture
def fides_db(tmp_path: Path) -> Path:
    return fides_sqlite(tmp_path / "fides.sqlite3")


@pytest.fixture
def system(fides_db: Path) -> DataSystem:
    return fides_system(fides_db)


def test_a_restored_backup_loses_the_erased_person_again_after_replay(
    system: DataSystem, fides_db: Path, tmp_path: Path
) -> None:
    # given: a backup taken before the erasure
    backup = tmp_path / "backup.sqlite3"
    shutil.copyfile(fides_db, backup)
    erase(dry_run=False)
    erased = dump(fides_db)
    assert _person_rows(fides_db) == [
        (hashed(EMAIL), None),
        (hashed("customer-1-alt@example.com"), None),
    ]
    # when: the backup is restored, the person is back
    shutil.copyfile(backup, fides_db)
    assert _person_rows(fides_db) == [
        (EMAIL, "John Customer"),
        ("customer-1-alt@example.com", None),
    ]
    report = erasure_replay()
    # then: gone again, exactly as after the erasure
    assert report.ok
    assert len(report.outcomes) == ErasureJournalEntry.objects.count() == 5
    assert report.rows_changed == 11
    assert dump(fides_db) == erased
    assert not ErasureJournalEntry.objects.filter(last_replayed_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="dsr.erasures_replayed").count() == 1


def test_replay_is_idempotent(system: DataSystem, fides_db: Path) -> None:
    # given
    erase(dry_run=False)
    erased = dump(fides_db)
    # when
    first = erasure_replay()
    second = erasure_replay()
    # then
    assert first.ok
    assert second.ok
    assert dump(fides_db) == erased


def test_replay_re_applies_deletions_and_rectifications(
    system: DataSystem, fides_db: Path, tmp_path: Path
) -> None:
    # given
    from garde.dsr.erasure import rectification_apply
    from garde.dsr.models import ErasurePolicy

    backup = tmp_path / "backup.sqlite3"
    shutil.copyfile(fides_db, backup)
    ErasurePolicy.objects.create(data_category="user.sensor", strategy="delete")
    erase(dry_run=False)
    rectification_apply(
        actor=None,
        dataset=EXAMPLE_KEY,
        collection="customer",
        primary_key={"id": 2},
        field="name",
        value="Jill Rectified",
    )
    expected = dump(fides_db)
    shutil.copyfile(backup, fides_db)
    # when
    report = erasure_replay()
    # then
    assert report.ok
    assert dump(fides_db) == expected
    deleted = [o for o in report.outcomes if o.deleted]
    assert [(o.collection, o.rows_changed) for o in deleted] == [("login", 6)]


def test_replay_since_a_date_skips_older_entries(system: DataSystem) -> None:
    # given
    erase(dry_run=False)
    ErasureJournalEntry.objects.update(applied_at=timezone.now() - timedelta(days=10))
    # when
    report = erasure_replay(since=timezone.now() - timedelta(days=1))
    # then
    assert report.outcomes == []


def test_replay_reports_a_system_down_and_goes_on(
    system: DataSystem, fides_db: Path, tmp_path: Path
) -> None:
    # given: a journal entry of a second system, now unreachable
    erase(dry_run=False)
    other = tmp_path / "other.sqlite3"
    fides_sqlite(other)
    down = system_add(name="other", type="sqlite", url=f"sqlite:///{other}", actor=None)
    entry = ErasureJournalEntry.objects.order_by("sequence").first()
    assert entry is not None
    ErasureJournalEntry.objects.create(
        sequence=100,
        system=down.name,
        dataset=EXAMPLE_KEY,
        collection="customer",
        primary_keys=[{"id": 2}],
        updates={"name": None},
    )
    other.unlink()
    # when
    report = erasure_replay()
    # then
    (failure,) = report.failures
    assert failure.sequence == 100
    assert failure.error.startswith("system unavailable")
    assert len(report.outcomes) == 6
    assert ErasureJournalEntry.objects.get(sequence=100).last_replayed_at is None


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_person(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(
            "SELECT email, name FROM customer WHERE id = 1 UNION ALL "
            "SELECT street, city FROM address WHERE id IN (1, 2)"
        ).fetchall()


def _pg_all(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url) as connection:
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY table_name"
            )
        ]
        return {
            t: sorted(
                connection.execute(
                    sql.SQL("SELECT * FROM {}").format(sql.Identifier(t))
                ).fetchall(),
                key=repr,
            )
            for t in tables
        }


@pytest.mark.integration
def test_replay_after_restoring_a_postgresql_backup() -> None:
    with postgres_fides_database() as url:
        name = url.rsplit("/", 1)[1]
        backup = f"{name}_backup"
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
        try:
            # given: Fides' dataset on the PostgreSQL system, and a backup of the database
            dataset_import(
                text=EXAMPLE_YAML.read_text(encoding="utf-8"),
                filename=EXAMPLE_YAML.name,
                actor=None,
            )
            system_add(
                name="fides-pg", type="postgres", url=url, actor=None, datasets=[EXAMPLE_KEY]
            )
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(backup), sql.Identifier(name)
                )
            )
            run = erasure_run_execute(
                run=erasure_run_create(identities={"email": EMAIL}, actor=None, dry_run=False)
            )
            assert run.result["complete"] is True, run.result["failures"]
            erased = _pg_all(url)
            assert _pg_person(url) == [(hashed(EMAIL), None), (None, None), (None, None)]
            # when: the backup is restored in place
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(backup)
                )
            )
            assert (EMAIL, "John Customer") in _pg_person(url)
            report = erasure_replay()
            # then
            assert report.ok, report.failures
            assert _pg_all(url) == erased
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(backup))
            )
            admin.close()
