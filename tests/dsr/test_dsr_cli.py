"""``garde dsr dataset …`` and ``garde dsr system …`` (issue 5, items 1 and 2)."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from garde.cli import usage
from garde.dsr.models import Dataset, DataSystem
from tests.dsr.test_datasets import EXAMPLE, MALFORMED, fixture_text

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-pw"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("dsr", *args, stdout=out)
    return out.getvalue()


def test_dsr_is_a_documented_garde_verb() -> None:
    assert "  dsr          the fulfilment engine's data map: dataset import" in usage()


def test_subcommands_have_help() -> None:
    # when
    result = subprocess.run(
        [sys.executable, "-m", "garde", "dsr", "system", "add", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
    )
    # then
    assert result.returncode == 0, result.stderr
    assert "--type {postgres,mysql,sqlite,redis,http}" in result.stdout


def test_import_export_and_list_a_fides_dataset(tmp_path: Path) -> None:
    # given
    source = tmp_path / "example.yml"
    source.write_text(fixture_text(EXAMPLE), encoding="utf-8")
    target = tmp_path / "out.yml"
    # when
    imported = run("dataset", "import", str(source))
    exported = run("dataset", "export", EXAMPLE)
    run("dataset", "export", EXAMPLE, "--output", str(target))
    listed = run("dataset", "list")
    # then
    assert imported == f"imported {EXAMPLE} (11 collections)\n"
    assert exported == fixture_text(EXAMPLE)
    assert target.read_text(encoding="utf-8") == fixture_text(EXAMPLE)
    assert listed.startswith(f"{EXAMPLE}\tsystem=-\tcollections=11\timported=")


def test_an_invalid_file_prints_each_problem_exits_1_and_imports_nothing(tmp_path: Path) -> None:
    # given
    source = tmp_path / "shop.yml"
    source.write_text(MALFORMED, encoding="utf-8")
    err = io.StringIO()
    # when
    with pytest.raises(CommandError) as caught:
        call_command("dsr", "dataset", "import", str(source), stderr=err)
    # then
    assert caught.value.returncode == 1
    lines = err.getvalue().splitlines()
    assert len(lines) == 5
    assert lines[0] == (
        "shop.yml:17: collection 'orders' field 'customer_id': "
        "unknown data category 'user.not_a_category'"
    )
    assert str(caught.value) == "5 problem(s) found; nothing was imported"
    assert Dataset.objects.count() == 0


def test_system_add_with_dataset_and_list_never_prints_the_password(tmp_path: Path) -> None:
    # given
    source = tmp_path / "example.yml"
    source.write_text(fixture_text(EXAMPLE), encoding="utf-8")
    run("dataset", "import", str(source))
    url = f"postgresql://garde:{SECRET}@db.example.net/shop"
    # when
    added = run(
        "system", "add", "shop-db", "--type", "postgres", "--url", url, "--dataset", EXAMPLE
    )
    listed = run("system", "list")
    # then
    assert added == "added system shop-db (postgres)\n"
    assert SECRET not in added + listed
    assert listed == (
        "shop-db\tpostgres\tpostgresql://garde:***@db.example.net/shop\tnever tested\t"
        f"datasets={EXAMPLE}\n"
    )
    assert Dataset.objects.get().system == DataSystem.objects.get()


def test_system_test_reports_success_and_failure(tmp_path: Path) -> None:
    # given
    path = tmp_path / "shop.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE t (id INTEGER)")
    run("system", "add", "good", "--type", "sqlite", "--url", f"sqlite:///{path}")
    run("system", "add", "gone", "--type", "sqlite", "--url", f"sqlite:///{tmp_path / 'no.db'}")
    # when
    ok = run("system", "test", "good")
    with pytest.raises(CommandError) as caught:
        run("system", "test", "gone")
    # then
    assert ok == "good: ok: ok\n"
    assert caught.value.returncode == 1
    assert str(caught.value).startswith(
        "gone: failed: cannot open the SQLite database: unable to open database file"
    )
    assert "\tfailed at " in run("system", "list")


def test_unknown_system_is_refused() -> None:
    with pytest.raises(CommandError, match="no system named 'nope'"):
        run("system", "test", "nope")
