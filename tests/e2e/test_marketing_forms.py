"""A visitor sends a contact request in a real browser: the form, its short privacy notice from
the register, the confirmation, and the submission in the marketing queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import time_machine
from playwright.sync_api import expect

from garde.marketing.models import ContactRequest
from garde.marketing.ratelimit import form_limiter
from garde.register.defaults import register_load_default
from tests.marketing.conftest import PUBLICATION

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_visitor_sends_a_contact_request(page: Page, live_server: LiveServer) -> None:
    # given
    with time_machine.travel(PUBLICATION, tick=False):
        register_load_default()
    form_limiter.reset()
    page.goto(live_server.url + "/contact/")
    expect(page.get_by_role("heading", name="Nous contacter", level=1)).to_be_visible()
    notice = page.locator('section[data-activity="contact-forms"]')
    expect(notice).to_contain_text("un an à compter de la collecte")
    expect(page.get_by_label("Site web (laissez ce champ vide)")).to_be_hidden()
    # when
    page.get_by_label("Nom").fill("Alice Bernard")
    page.get_by_label("Société").fill("Acme Industries")
    page.get_by_label("Adresse e-mail").fill("alice@acme.example")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.get_by_label("Sujet").fill("Hébergement")
    page.get_by_label("Message").fill("Bonjour, pouvez-vous nous rappeler ?")
    page.get_by_role("button", name="Envoyer").click()
    # then
    expect(page.get_by_role("status")).to_contain_text("Merci, votre demande est bien envoyée.")
    assert list(
        ContactRequest.objects.values_list("kind", "name", "email", "phone", "message")
    ) == [
        (
            "contact",
            "Alice Bernard",
            "alice@acme.example",
            "0612345678",
            "Bonjour, pouvez-vous nous rappeler ?",
        )
    ]
