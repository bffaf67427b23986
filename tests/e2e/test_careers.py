"""A visitor applies to a job offer with a CV in a real browser (issue 8 point 4)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from garde.careers.models import Application, JobOffer
from tests.requests import samples

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.fixtures import SettingsWrapper
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_visitor_applies_to_an_offer_with_a_cv(
    page: Page, live_server: LiveServer, settings: SettingsWrapper, tmp_path: Path
) -> None:
    # given
    settings.PRIVATE_DIR = tmp_path / "private"
    offer = JobOffer.objects.create(
        title="Ingénieur réseau", location="Nancy", description="Administrer nos réseaux."
    )
    cv = tmp_path / "mon-cv.pdf"
    cv.write_bytes(samples.PDF)
    # when
    page.goto(f"{live_server.url}/carrieres/")
    page.get_by_role("link", name="Postuler : Ingénieur réseau").click()
    page.get_by_label("Nom et prénom").fill("Camille Martin")
    page.get_by_label("Adresse e-mail").fill("camille@example.org")
    page.get_by_label("Téléphone").fill("+33 6 12 34 56 78")
    expect(page.get_by_label("Poste recherché")).to_have_value("Ingénieur réseau")
    page.get_by_label("CV").set_input_files(str(cv))
    page.get_by_label("Motivation").fill("Passionnée de réseaux.")
    agreement = page.get_by_label("J'accepte que ma candidature soit conservée")
    expect(agreement).not_to_be_checked()
    page.get_by_role("button", name="Envoyer ma candidature").click()
    # then
    expect(page.get_by_role("heading", name="Candidature envoyée")).to_be_visible()
    application = Application.objects.get()
    assert (application.offer_id, application.full_name, application.cv_name) == (
        offer.pk,
        "Camille Martin",
        "mon-cv.pdf",
    )
    assert application.keep_for_other_offers is False
