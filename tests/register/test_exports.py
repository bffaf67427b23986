"""Exports of a published register (issue 3, item 6): CSV, JSON and the CNIL-layout PDF."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from garde.accounts.models import Organisation
from garde.register.choices import LegalBasis, ProcessingRole
from garde.register.exports import CSV_COLUMNS, register_to_csv, register_to_json, register_to_pdf
from garde.register.models import RegisterVersion
from garde.register.services.publishing import register_publish
from tests.register.console_factories import ProcessingActivityFactory, RetentionRuleFactory

pytestmark = pytest.mark.django_db
PUBLISHED_AT = datetime(2026, 3, 15, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))


def names(version: RegisterVersion) -> set[str]:
    return {a["name_fr"] for a in version.snapshot["activities"]}


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def hosting(client_org: Organisation) -> RegisterVersion:
    """A controller activity and a processor activity done for Acme, published."""
    RetentionRuleFactory(
        activity=ProcessingActivityFactory(slug="prospects", name_fr="Prospection"),
        key="prospects-last-contact",
        description_fr="Données des prospects",
        count=3,
    )
    ProcessingActivityFactory(
        slug="hosting",
        role=ProcessingRole.PROCESSOR,
        name_fr="Hébergement pour les clients",
        legal_basis=LegalBasis.CONTROLLER_INSTRUCTIONS,
        client_controllers=[client_org],
    )
    return register_publish(actor=None, note="first")


def test_r26_csv_export_parses_and_lists_every_activity_with_version_and_timestamp(
    published: RegisterVersion,
) -> None:
    # when
    text = register_to_csv(
        published.snapshot, version_number=published.number, published_at=published.published_at
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    # then
    assert not text.startswith("\ufeff")
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {row["name_fr"] for row in rows} == names(published)
    assert len(rows) == len(published.snapshot["activities"])
    assert {row["register_version"] for row in rows} == {"1"}
    assert {row["published_at"] for row in rows} == {"2026-03-15T10:30:00+01:00"}


def test_r24_controller_register_csv_has_a_column_for_every_art_30_1_field(
    hosting: RegisterVersion,
) -> None:
    # when
    rows = list(csv.DictReader(io.StringIO(register_to_csv(hosting.snapshot, "controller"))))
    # then
    assert len(rows) == 1
    row = rows[0]
    assert {
        key: row[key]
        for key in (
            "register",
            "slug",
            "operator",
            "purposes_fr",
            "legal_basis",
            "data_subjects",
            "data_category_keys",
            "recipients",
            "transfers_outside_eu",
            "storage_locations",
            "retention_periods",
            "security_measures",
            "client_controllers",
        )
    } == {
        "register": "controller",
        "slug": "prospects",
        "operator": "inherent",
        "purposes_fr": "Gestion de la relation client | Facturation",
        "legal_basis": "contract",
        "data_subjects": "Clients",
        "data_category_keys": "user.contact.email",
        "recipients": "Service commercial",
        "transfers_outside_eu": "",
        "storage_locations": "Datacenters de l'opérateur, en France",
        "retention_periods": "Données des prospects : 3 ans à compter du dernier contact",
        "security_measures": "Contrôle d'accès par rôle",
        "client_controllers": "",
    }


def test_r25_processor_register_is_exported_separately_and_names_the_client_controllers(
    hosting: RegisterVersion,
) -> None:
    # when
    rows = list(csv.DictReader(io.StringIO(register_to_csv(hosting.snapshot, "processor"))))
    # then
    assert [(r["slug"], r["register"], r["client_controllers"]) for r in rows] == [
        ("hosting", "processor", "Acme Industries")
    ]


def test_r26_json_export_parses_and_lists_every_activity(published: RegisterVersion) -> None:
    # when
    document = json.loads(
        register_to_json(
            published.snapshot,
            version_number=published.number,
            published_at=published.published_at,
        )
    )
    # then
    assert document["number"] == 1
    assert document["published_at"] == "2026-03-15T10:30:00+01:00"
    assert document["snapshot"] == published.snapshot
    assert {a["name_fr"] for a in document["snapshot"]["activities"]} == names(published)
    assert json.loads(register_to_json(published.snapshot)) == published.snapshot


def test_r26_pdf_export_opens_in_landscape_and_names_every_activity_and_the_version(
    published: RegisterVersion,
) -> None:
    # when
    content = register_to_pdf(
        published.snapshot, version_number=published.number, published_at=published.published_at
    )
    # then
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 2
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    text = pdf_text(content)
    assert "Version n° 1 publiée le 15/03/2026 10:30" in text
    assert "Registre du responsable de traitement (art. 30.1 RGPD)" in text
    assert "Registre du sous-traitant (art. 30.2 RGPD)" in text
    missing = [name for name in names(published) if re.sub(r"\s+", " ", name) not in text]
    assert missing == []


def test_pdf_rows_follow_the_cnil_model_and_list_the_client_controllers(
    hosting: RegisterVersion,
) -> None:
    # when
    text = pdf_text(register_to_pdf(hosting.snapshot, version_number=1, published_at=PUBLISHED_AT))
    # then
    for label in (
        "Responsable / DPO",
        "Sous-traitant / DPO",
        "Clients responsables de traitement",
        "Finalités",
        "Catégories de personnes",
        "Catégories de données",
        "Destinataires",
        "Transferts hors UE",
        "Durées de conservation",
        "Mesures de sécurité",
    ):
        assert label in text
    assert "Acme Industries" in text
    assert "Données des prospects : 3 ans à compter du dernier contact" in text


def test_pdf_export_in_english_uses_the_english_labels(hosting: RegisterVersion) -> None:
    text = pdf_text(
        register_to_pdf(
            hosting.snapshot, version_number=1, published_at=PUBLISHED_AT, language="en"
        )
    )
    assert "Record of processing activities" in text
    assert "Processor register (GDPR art. 30(2))" in text
    assert "Processing" in text


def test_not_stated_values_are_flagged_in_the_exports(published: RegisterVersion) -> None:
    # given
    flagged = [a for a in published.snapshot["activities"] if a["not_stated"]]
    # when
    rows = {
        row["slug"]: row for row in csv.DictReader(io.StringIO(register_to_csv(published.snapshot)))
    }
    # then
    assert flagged
    for activity in flagged:
        assert rows[activity["slug"]]["not_stated"] == " | ".join(activity["not_stated"])
