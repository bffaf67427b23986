"""The `garde` command and configuration parsing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from garde import config
from garde.accounts.models import Membership, Organisation, TotpDevice, User
from garde.cli import VERBS


def test_garde_help_lists_every_verb() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "garde", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for verb in ("serve", "worker", "migrate", "demo", "createadmin", "check"):
        assert verb in VERBS
        assert f"  {verb}" in out


@pytest.mark.parametrize("verb", ["serve", "worker", "demo", "createadmin"])
def test_every_verb_has_help(verb: str) -> None:
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "garde", verb, "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("usage: garde " + verb)


@pytest.mark.django_db
def test_demo_is_idempotent_and_creates_every_role(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo")
    counts = (Organisation.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("demo")
    output = capsys.readouterr().out
    assert counts == (3, 14, 14)
    assert (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
    ) == counts
    assert set(Membership.objects.values_list("role", flat=True)) == {
        "dpo",
        "support",
        "sales",
        "marketing",
        "hr",
        "sysadmin",
        "org_admin",
        "org_dpo",
        "member",
    }
    assert TotpDevice.objects.filter(confirmed_at__isnull=False).count() == 6
    assert "alice@acme.example" in output
    assert "dpo@inherent.example" in output


@pytest.mark.django_db
def test_demo_codes_prints_a_code_per_demo_staff(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo")
    capsys.readouterr()
    call_command("demo", "--codes")
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 6
    assert all(line.split()[-1].isdigit() and len(line.split()[-1]) == 6 for line in lines)


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.management.base import CommandError

    monkeypatch.setenv("GARDE_ADMIN_PASSWORD", "password")
    with pytest.raises(CommandError, match="password refused"):
        call_command("createadmin", "--email", "a@b.example", "--name", "Ada Lovelace")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_createadmin_creates_a_dpo_in_the_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GARDE_ADMIN_PASSWORD", "Tulipe#Gravier#19-Nord")
    call_command("createadmin", "--email", "Ada@B.example", "--name", "Ada Lovelace")
    membership = Membership.objects.get(user__email="ada@b.example")
    assert (membership.role, membership.organisation.kind) == ("dpo", "operator")


def test_email_url_forms() -> None:
    assert config.email(None)["EMAIL_BACKEND"].endswith("console.EmailBackend")
    smtp = config.email("smtp://user%40x:p%40ss@mail.example:2525?starttls=1")
    assert (
        smtp["EMAIL_HOST"],
        smtp["EMAIL_PORT"],
        smtp["EMAIL_HOST_USER"],
        smtp["EMAIL_HOST_PASSWORD"],
        smtp["EMAIL_USE_TLS"],
        smtp["EMAIL_USE_SSL"],
    ) == ("mail.example", 2525, "user@x", "p@ss", True, False)
    assert config.email("smtps://mail.example")["EMAIL_PORT"] == 465
    with pytest.raises(ValueError, match="unsupported scheme"):
        config.email("ftp://x")


def test_database_defaults_to_sqlite_with_wal(tmp_path: Path) -> None:
    db = config.database(None, default_file=tmp_path / "g.sqlite3")
    assert db["NAME"] == str(tmp_path / "g.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    pg = config.database("postgres://u@db.example:5433/garde", default_file=tmp_path / "x")
    assert (pg["ENGINE"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "django.db.backends.postgresql",
        "db.example",
        5433,
        "garde",
    )


def test_secret_key_is_generated_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GARDE_SECRET_KEY", raising=False)
    first = config.secret_key(tmp_path)
    assert len(first) >= 50
    assert config.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("GARDE_SECRET_KEY", "from-env")
    assert config.secret_key(tmp_path) == "from-env"


def test_bad_integer_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GARDE_LOCKOUT_THRESHOLD", "five")
    with pytest.raises(ValueError, match="GARDE_LOCKOUT_THRESHOLD"):
        config.env_int("GARDE_LOCKOUT_THRESHOLD", default=5)


@pytest.mark.django_db
def test_demo_reuses_an_operator_created_by_createadmin(
    monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    settings.GARDE_OPERATOR_NAME = "Opérateur SA"  # type: ignore[attr-defined]
    monkeypatch.setenv("GARDE_ADMIN_PASSWORD", "Tulipe#Gravier#19-Nord")
    call_command("createadmin", "--email", "ada@b.example", "--name", "Ada Lovelace")
    call_command("demo")
    assert list(Organisation.objects.filter(kind="operator").values_list("name", flat=True)) == [
        "Opérateur SA"
    ]
    assert User.objects.get(email="dpo@inherent.example").memberships.get().organisation.name == (
        "Opérateur SA"
    )
