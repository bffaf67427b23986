"""``garde register load-default | publish | export`` (issue 3, items 3, 4 and 6)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from garde.cli import usage
from garde.core.models import AuditEvent
from garde.register.choices import LegalBasis, ProcessingRole
from garde.register.models import RegisterVersion
from garde.register.services.publishing import register_publish
from tests.register.console_factories import ProcessingActivityFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("register", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def two_versions(client_org: object) -> RegisterVersion:
    ProcessingActivityFactory(slug="prospects", name_fr="Prospection")
    register_publish(actor=None, note="first")
    ProcessingActivityFactory(
        slug="hosting",
        role=ProcessingRole.PROCESSOR,
        name_fr="Hébergement",
        legal_basis=LegalBasis.CONTROLLER_INSTRUCTIONS,
        client_controllers=[client_org],
    )
    return register_publish(actor=None, note="second")


def test_register_is_a_documented_garde_verb() -> None:
    assert "  register     the register of processing: load-default, publish, export" in usage()


def test_load_default_publishes_version_1_once() -> None:
    # when
    first = run("load-default")
    second = run("load-default")
    # then
    version = RegisterVersion.objects.get()
    assert version.number == 1
    assert first.startswith("default register loaded; latest published version: 1 (")
    assert second == first


def test_publish_freezes_a_new_version_with_its_note_and_is_audited() -> None:
    # given
    ProcessingActivityFactory(slug="prospects")
    # when
    output = run("publish", "--note", "Durées revues")
    # then
    version = RegisterVersion.objects.get()
    assert output == "published version 1 (1 activities)\n"
    assert (version.number, version.note, version.published_by) == (1, "Durées revues", None)
    assert AuditEvent.objects.get(action="register.published").details == {
        "number": 1,
        "activities": 1,
        "note": "Durées revues",
    }


def test_r26_export_csv_writes_the_latest_version_to_stdout(two_versions: RegisterVersion) -> None:
    # when
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv"))))
    # then
    assert [(r["register_version"], r["slug"]) for r in rows] == [
        ("2", "prospects"),
        ("2", "hosting"),
    ]


def test_r25_export_csv_keeps_one_register_with_role(two_versions: RegisterVersion) -> None:
    output = run("export", "--format", "csv", "--role", "processor")
    rows = list(csv.DictReader(io.StringIO(output)))
    assert [(r["slug"], r["client_controllers"]) for r in rows] == [("hosting", "Acme Industries")]


def test_r26_export_json_of_an_older_version(two_versions: RegisterVersion) -> None:
    # when
    document = json.loads(run("export", "--format", "json", "--version", "1"))
    # then
    assert document["number"] == 1
    assert [a["slug"] for a in document["snapshot"]["activities"]] == ["prospects"]


def test_r26_export_pdf_to_a_file(two_versions: RegisterVersion, tmp_path: Path) -> None:
    # given
    target = tmp_path / "registre.pdf"
    # when
    output = run("export", "--format", "pdf", "--output", str(target))
    # then
    assert output == ""
    reader = PdfReader(target)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Prospection" in text
    assert "Hébergement" in text


def test_export_of_an_unknown_version_fails_and_writes_nothing(
    two_versions: RegisterVersion, tmp_path: Path
) -> None:
    target = tmp_path / "registre.csv"
    with pytest.raises(CommandError, match="no published version 9"):
        run("export", "--format", "csv", "--version", "9", "--output", str(target))
    assert not target.exists()


def test_export_before_any_publication_fails() -> None:
    with pytest.raises(CommandError, match="no published version of the register"):
        run("export", "--format", "json")
