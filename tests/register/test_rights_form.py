"""The downloadable rights-request form: a PDF with fillable fields, naming the operator and its
DPO as the published register states them."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from garde.register.models import RegisterVersion

pytestmark = pytest.mark.django_db

FIELDS = {
    "last_name",
    "first_name",
    "email",
    "phone",
    "postal_address",
    "relationship",
    "client_organisation",
    "right_access",
    "right_rectification",
    "right_erasure",
    "right_restriction",
    "right_portability",
    "right_objection",
    "service_concerned",
    "request",
    "date",
    "signature",
}
RIGHTS = {name for name in FIELDS if name.startswith("right_")}


def pdf_text(reader: PdfReader) -> str:
    return " ".join((page.extract_text() or "") for page in reader.pages).replace("\n", " ")


def test_french_form_has_the_fillable_fields(client: Client, published: RegisterVersion) -> None:
    # when
    response = client.get("/confidentialite/formulaire-droits.pdf")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="formulaire-demande-droits.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    fields = reader.get_fields()
    assert fields is not None
    assert set(fields) == FIELDS
    assert {name for name, f in fields.items() if f.get("/FT") == "/Btn"} == RIGHTS | {
        "relationship"
    }
    assert {name for name, f in fields.items() if f.get("/FT") == "/Tx"} == FIELDS - RIGHTS - {
        "relationship"
    }
    assert set(fields["relationship"]["/_States_"]) >= {
        "/client_user",
        "/client_data_subject",
        "/operator_data",
    }


def test_french_form_names_the_operator_and_dpo_of_the_published_version(
    client: Client, published: RegisterVersion
) -> None:
    reader = PdfReader(io.BytesIO(client.get("/confidentialite/formulaire-droits.pdf").content))
    text = pdf_text(reader)
    assert reader.metadata is not None
    assert reader.metadata.title == (
        "Formulaire de demande d'exercice des droits d'une personne concernée par un "
        "traitement de Données à caractère personnel d'inherent ou d'un client d'inherent"
    )
    assert "Formulaire de demande d'exercice des droits" in text
    assert "ADISTA GROUP" in text
    assert "54320 Maxéville" in text
    assert "dpd@adista.fr" in text
    assert "publié le 15/03/2026 (version 1)" in text


def test_english_form_is_in_english(client: Client, published: RegisterVersion) -> None:
    response = client.get("/en/privacy/rights-request-form.pdf")
    reader = PdfReader(io.BytesIO(response.content))
    assert response["Content-Type"] == "application/pdf"
    assert reader.metadata is not None
    assert reader.metadata.title.startswith("Request form for exercising the rights")
    assert set(reader.get_fields() or {}) == FIELDS
    assert "Data protection officer: dpd@adista.fr" in pdf_text(reader)


def test_form_is_served_before_any_publication(client: Client) -> None:
    response = client.get("/confidentialite/formulaire-droits.pdf")
    assert response.status_code == 200
    assert set(PdfReader(io.BytesIO(response.content)).get_fields() or {}) == FIELDS
