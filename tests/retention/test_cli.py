"""`garde retention run [--dry-run]` and `garde retention report`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from garde.accounts.models import User
from garde.core.models import AuditEvent
from garde.retention.choices import HoldBasis
from garde.retention.models import SweepRun
from garde.retention.services import legal_hold_place
from tests.retention.factories import register_publish, retention_rule, surviving

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(make_user: Callable[..., User], event_at: Callable[..., AuditEvent]) -> User:
    """A register with an enforced rule and one without a handler; two expired events, one of
    them held. Returns the held person."""
    register_publish(retention_rule(), retention_rule("contact-forms", store="billing.invoices"))
    person = make_user("member")
    legal_hold_place(
        actor=make_user("dpo"), user=person, reason="Litige", legal_basis=HoldBasis.LITIGATION
    )
    event_at(400, person)
    event_at(400)
    return person


@pytest.mark.usefixtures("published")
def test_run_dry_run_prints_what_it_would_erase_and_erases_nothing(
    capsys: pytest.CaptureFixture[str], event_at: Callable[..., AuditEvent]
) -> None:
    # given
    expired = event_at(500)
    # when
    call_command("retention", "run", "--dry-run")
    # then
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("dry run #")
    assert lines[0].endswith("completed (register v1): would erase 2, held 1")
    assert lines[1].startswith("  audit-events [core.audit_events] cut-off ")
    assert lines[1].endswith(", held 1")
    assert ": would erase 2 (from " in lines[1]
    assert lines[2].startswith("    held by hold #")
    assert lines[2].endswith("(litigation): 1 - Litige")
    assert lines[3].startswith("    sha256 of erased ids: ")
    assert lines[4] == (
        "  contact-forms [billing.invoices] not enforced: no handler for billing.invoices"
    )
    assert surviving(expired) == {expired.pk}


@pytest.mark.usefixtures("published")
def test_run_erases_and_report_prints_the_latest_sweeps(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    call_command("retention", "run", "--dry-run")
    call_command("retention", "run")
    capsys.readouterr()
    # when
    call_command("retention", "report", "--limit", "1")
    # then
    out = capsys.readouterr().out
    assert out.startswith("sweep #")
    assert "completed (register v1): erased 1, held 1" in out
    assert "dry run" not in out
    assert SweepRun.objects.count() == 2


def test_report_without_sweeps(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("retention", "report")
    assert capsys.readouterr().out == "no sweep yet\n"


def test_run_refuses_while_another_sweep_runs() -> None:
    SweepRun.objects.create(trigger="schedule")
    with pytest.raises(CommandError, match="déjà en cours"):
        call_command("retention", "run")


@pytest.mark.parametrize("action", ["", "run", "report"])
def test_every_subcommand_has_help(action: str) -> None:
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "garde", "retention", *([action] if action else []), "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith(f"usage: garde retention {action}".rstrip())
