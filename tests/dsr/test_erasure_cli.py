"""``garde dsr erase``, ``replay-erasures`` and ``receipt-key`` (issue 5, item 6)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from garde.dsr.models import DataSystem, ErasureJournalEntry, ErasureReceipt, FulfilmentRun
from garde.dsr.receipts import key_id, public_key_pem
from garde.dsr.services import dataset_import, system_add
from tests.dsr.fides_fixture import EXTENDED_KEY, EXTENDED_YAML
from tests.dsr.test_erasure_run import dump, fides_sqlite, fides_system

pytestmark = pytest.mark.django_db

EMAIL = "customer-1@example.com"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("dsr", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def fides_db(tmp_path: Path) -> Path:
    return fides_sqlite(tmp_path / "fides.sqlite3")


@pytest.fixture
def system(fides_db: Path) -> DataSystem:
    return fides_system(fides_db)


def test_erase_dry_run_prints_what_would_change_and_what_is_kept(
    system: DataSystem, fides_db: Path
) -> None:
    # given
    before = dump(fides_db)
    # when
    out, _err = run("erase", "--identity", f"email={EMAIL}", "--dry-run", "--language", "en")
    # then
    assert dump(fides_db) == before
    lines = out.splitlines()
    assert lines[0].endswith(": nothing changed yet")
    assert (
        "mask fides/postgres_example_test_dataset/customer: 1 row(s); email (hash), name (null)"
        in lines
    )
    assert "    id=1: email: c*** (22 chars) -> " in out
    assert any(
        line.startswith("kept postgres_example_test_dataset/visit: 1 row(s) [email]: Cannot be")
        for line in lines
    )
    assert lines[-1] == "would change: 11 row(s) masked, 0 row(s) deleted"
    assert EMAIL not in out
    assert ErasureJournalEntry.objects.count() == 0


def test_erase_asks_for_confirmation_and_a_no_changes_nothing(
    system: DataSystem, fides_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    before = dump(fides_db)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    # when
    out, _err = run("erase", "--identity", f"email={EMAIL}")
    # then
    assert out.splitlines()[-1] == "cancelled: nothing changed"
    assert dump(fides_db) == before
    assert FulfilmentRun.objects.filter(dry_run=False).count() == 0


def test_erase_with_yes_applies_and_prints_what_changed(system: DataSystem, fides_db: Path) -> None:
    # when
    out, _err = run("erase", "--identity", f"email={EMAIL}", "--yes")
    # then
    applied = FulfilmentRun.objects.get(dry_run=False)
    assert f"erasure {applied.pk}: applied" in out
    assert "masked fides/postgres_example_test_dataset/login: 6 row(s); time (null)" in out
    assert "total: 11 row(s) masked, 0 row(s) deleted" in out
    receipt = ErasureReceipt.objects.get(run=applied)
    assert f"receipt {receipt.pk} signed" in out
    assert ErasureJournalEntry.objects.count() == 5


def test_erase_exits_with_status_1_on_a_partial_failure(
    system: DataSystem, fides_db: Path, tmp_path: Path
) -> None:
    # given
    dataset_import(
        text=EXTENDED_YAML.read_text(encoding="utf-8"), filename=EXTENDED_YAML.name, actor=None
    )
    system_add(
        name="gone",
        type="sqlite",
        url=f"sqlite:///{tmp_path / 'missing.sqlite3'}",
        actor=None,
        datasets=[EXTENDED_KEY],
    )
    # when
    with pytest.raises(CommandError) as caught:
        run("erase", "--identity", f"email={EMAIL}", "--identity", "loyalty_id=CH-1", "--yes")
    # then
    assert caught.value.returncode == 1
    assert "could not be erased" in str(caught.value)
    assert ErasureJournalEntry.objects.count() == 5  # the reachable system was still erased


def test_replay_erasures_restores_the_erasure_after_a_backup(
    system: DataSystem, fides_db: Path, tmp_path: Path
) -> None:
    # given
    backup = tmp_path / "backup.sqlite3"
    shutil.copyfile(fides_db, backup)
    run("erase", "--identity", f"email={EMAIL}", "--yes")
    erased = dump(fides_db)
    shutil.copyfile(backup, fides_db)
    # when
    out, _err = run("replay-erasures", "--since", "2000-01-01")
    # then
    assert dump(fides_db) == erased
    assert out.splitlines()[-1] == "replayed 5 of 5 journal entries, 11 row(s) changed"


def test_replay_erasures_refuses_a_bad_date() -> None:
    with pytest.raises(CommandError):
        run("replay-erasures", "--since", "yesterday")


def test_receipt_key_prints_the_public_key() -> None:
    out, _err = run("receipt-key")
    assert out == public_key_pem() + f"key id: {key_id()}\n"
