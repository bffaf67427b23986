"""``garde dsr access`` (issue 5, item 5): the package from the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from garde.core.models import AuditEvent
from garde.dsr.access import package_path
from garde.dsr.choices import RunStatus
from garde.dsr.models import AccessPackage, DataSystem, FulfilmentRun
from tests.dsr.fides_fixture import EXAMPLE_KEY, FIDES_COUNTS
from tests.dsr.test_access_package import (  # noqa: F401 -- fixtures
    EMAIL,
    SYSTEM,
    _fresh_register_cache,
    broken_crm,
    fides_system,
    published,
    sqlite_db,
)

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("dsr", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_out_writes_data_json_csvs_and_index_html(
    fides_system: DataSystem,  # noqa: F811
    tmp_path: Path,
) -> None:
    # given
    out_dir = tmp_path / "package"
    # when
    stdout, stderr = run(
        "access", "--identity", f"email={EMAIL}", "--out", str(out_dir), "--language", "en"
    )
    # then
    data = json.loads((out_dir / "data.json").read_text(encoding="utf-8"))
    assert {k: len(v) for k, v in data[SYSTEM][EXAMPLE_KEY].items()} == FIDES_COUNTS
    csv_dir = out_dir / SYSTEM / EXAMPLE_KEY
    assert sorted(p.name for p in csv_dir.iterdir()) == sorted(f"{c}.csv" for c in FIDES_COUNTS)
    with (csv_dir / "login.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 6
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    assert index.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert f"{SYSTEM}/{EXAMPLE_KEY}/login: 6" in stdout.splitlines()
    assert "21 row(s) in 11 collection(s)" in stdout
    assert stderr == ""
    # no run, nothing stored; the export itself is audited, without the address
    assert FulfilmentRun.objects.count() == 0
    event = AuditEvent.objects.get(action="dsr.access_exported")
    assert event.details["identity_types"] == ["email"]
    assert event.details["rows"] == 21
    assert EMAIL not in json.dumps(event.details)


def test_without_out_the_package_is_stored_and_the_run_id_printed(
    fides_system: DataSystem,  # noqa: F811
) -> None:
    # when
    stdout, _stderr = run("access", "--identity", f"email={EMAIL}")
    # then
    run_obj = FulfilmentRun.objects.get()
    assert run_obj.status == RunStatus.REVIEW
    assert f"run {run_obj.pk}: package stored encrypted" in stdout
    assert package_path(AccessPackage.objects.get(run=run_obj)).exists()


def test_a_failed_system_exits_with_status_1_but_writes_what_was_found(
    fides_system: DataSystem,  # noqa: F811
    broken_crm: DataSystem,  # noqa: F811
    tmp_path: Path,
) -> None:
    # given
    out, err = io.StringIO(), io.StringIO()
    # when
    with pytest.raises(CommandError) as caught:
        call_command(
            "dsr",
            "access",
            "--identity",
            f"email={EMAIL}",
            "--out",
            str(tmp_path),
            stdout=out,
            stderr=err,
        )
    # then
    assert caught.value.returncode == 1
    assert "1 collection(s) could not be read" in str(caught.value)
    assert "FAILED crm/crm/contacts (unavailable)" in err.getvalue()
    data = json.loads((tmp_path / "data.json").read_text(encoding="utf-8"))
    assert {k: len(v) for k, v in data[SYSTEM][EXAMPLE_KEY].items()} == FIDES_COUNTS
    assert "crm" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_an_unknown_identity_type_is_refused_before_anything_runs(
    fides_system: DataSystem,  # noqa: F811
    tmp_path: Path,
) -> None:
    # when
    with pytest.raises(CommandError, match="Type d'identité inconnu « phone »"):
        run("access", "--identity", "phone=+33600000000", "--out", str(tmp_path / "x"))
    # then
    assert not (tmp_path / "x").exists()
    assert not AuditEvent.objects.filter(action="dsr.access_exported").exists()


def test_an_identity_without_a_type_is_a_usage_error(fides_system: DataSystem) -> None:  # noqa: F811
    with pytest.raises(CommandError, match="expected TYPE=VALUE"):
        run("access", "--identity", EMAIL)
