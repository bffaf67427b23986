"""The public contact and callback forms: what lands in the commercial database, the short
notice under each form, and bad input (invalid e-mail, a 1 MB body, a form posted twice, a
robot, a flood from one address), each refused with a clear message and nothing stored."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from garde.core.models import AuditEvent
from garde.marketing.models import ContactRequest
from garde.marketing.ratelimit import form_limiter
from garde.register.models import RegisterVersion
from tests.marketing.conftest import CALLBACK, CONTACT

pytestmark = pytest.mark.django_db

CONTACT_URL = "/contact/"
CALLBACK_URL = "/rappel/"


def _key(client: Client, url: str) -> str:
    """The one-time key of a freshly rendered form."""
    body = client.get(url).content.decode()
    found = re.search(r'name="submission_key" value="([^"]+)"', body)
    assert found is not None
    return found.group(1)


def _post(client: Client, url: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, {"submission_key": _key(client, url), **data}, **extra)


def _page(response: Any) -> str:
    return html.unescape(response.content.decode())


def _stored() -> list[tuple[Any, ...]]:
    return list(ContactRequest.objects.order_by("pk").values_list("kind", "name", "email"))


def test_the_forms_are_at_their_french_and_english_paths() -> None:
    # given / when
    french = (reverse("marketing:contact"), reverse("marketing:callback"))
    with translation.override("en"):
        english = (reverse("marketing:contact"), reverse("marketing:callback"))
    # then
    assert french == ("/contact/", "/rappel/")
    assert english == ("/en/contact/", "/en/callback/")


def test_r_80_each_form_shows_the_short_notice_of_the_register(
    client: Client, published: RegisterVersion
) -> None:
    # given / when
    pages = {url: client.get(url) for url in (CONTACT_URL, CALLBACK_URL, "/en/contact/")}
    # then
    for url, response in pages.items():
        assert response.status_code == 200, url
        assert 'data-activity="contact-forms"' in _page(response), url
    assert "un an à compter de la collecte" in pages[CONTACT_URL].content.decode()
    assert "un an à compter de la collecte" in pages[CALLBACK_URL].content.decode()
    assert "one year from collection" in pages["/en/contact/"].content.decode()


def test_a_contact_submission_lands_in_the_commercial_database(
    client: Client, published: RegisterVersion
) -> None:
    # given
    # when
    response = _post(client, CONTACT_URL, CONTACT, REMOTE_ADDR="203.0.113.7")
    # then
    assert response.status_code == 302
    assert response["Location"] == CONTACT_URL
    contact = ContactRequest.objects.get()
    assert (
        contact.kind,
        contact.status,
        contact.name,
        contact.company,
        contact.email,
        contact.phone,
        contact.subject,
        contact.message,
        contact.language,
        contact.assignee,
    ) == (
        "contact",
        "new",
        "Alice Bernard",
        "Acme Industries",
        "alice@acme.example",
        "0612345678",
        "Hébergement de notre ERP",
        "Bonjour,\nnous cherchons un hébergeur en France.",
        "fr",
        None,
    )
    event = AuditEvent.objects.get(action="marketing.contact_submitted")
    assert (event.object_id, event.source_ip, event.details) == (
        str(contact.pk),
        None,
        {"kind": "contact", "language": "fr"},
    )
    page = client.get(CONTACT_URL).content.decode()
    assert "Merci, votre demande est bien envoyée." in page


def test_a_callback_submission_lands_in_the_commercial_database(
    client: Client, published: RegisterVersion
) -> None:
    # given
    # when
    response = _post(client, "/en/callback/", CALLBACK)
    # then
    assert response.status_code == 302
    contact = ContactRequest.objects.get()
    assert (
        contact.kind,
        contact.name,
        contact.phone,
        contact.time_slot,
        contact.topic,
        contact.email,
        contact.language,
    ) == ("callback", "Bob Durand", "+33698765432", "morning", "telecom", "", "en")
    assert mail.outbox == []  # no address given, no acknowledgement


def test_an_invalid_email_gets_a_clear_error_and_nothing_is_stored(
    client: Client, published: RegisterVersion
) -> None:
    # given
    earlier = _post(client, CONTACT_URL, {**CONTACT, "email": "bob@acme.example"})
    assert earlier.status_code == 302
    before = _stored()
    # when
    response = _post(client, CONTACT_URL, {**CONTACT, "email": "alice-at-acme"})
    # then
    assert response.status_code == 400
    assert "Saisissez une adresse de courriel valide." in _page(response)
    assert "Alice Bernard" in _page(response)  # what was typed is kept
    assert _stored() == before == [("contact", "Alice Bernard", "bob@acme.example")]


def test_a_1_mb_message_is_refused_with_413_and_nothing_is_stored(
    client: Client, published: RegisterVersion
) -> None:
    # given
    earlier = _post(client, CONTACT_URL, CONTACT)
    assert earlier.status_code == 302
    before = _stored()
    # when
    response = _post(client, CONTACT_URL, {**CONTACT, "message": "x" * (1024 * 1024)})
    # then
    assert response.status_code == 413
    assert "Votre envoi est trop volumineux" in _page(response)
    assert _stored() == before
    assert AuditEvent.objects.filter(action="marketing.contact_submitted").count() == 1


def test_a_message_over_the_field_limit_gets_a_form_error(
    client: Client, published: RegisterVersion
) -> None:
    # given / when
    response = _post(client, CONTACT_URL, {**CONTACT, "message": "x" * 5001})
    # then
    assert response.status_code == 400
    assert "5000" in _page(response) or "5 000" in _page(response)
    assert _stored() == []


def test_a_form_posted_twice_is_stored_once_with_a_clear_message(
    client: Client, published: RegisterVersion
) -> None:
    # given: one rendered form, submitted twice (a double click)
    data = {"submission_key": _key(client, CONTACT_URL), **CONTACT}
    first = client.post(CONTACT_URL, data)
    # when
    second = client.post(CONTACT_URL, data, follow=True)
    # then
    assert first.status_code == 302
    assert second.status_code == 200
    assert "Nous avons déjà reçu cette demande il y a quelques instants" in (_page(second))
    assert _stored() == [("contact", "Alice Bernard", "alice@acme.example")]
    assert AuditEvent.objects.filter(action="marketing.contact_submitted").count() == 1


def test_the_same_content_from_a_new_form_is_a_duplicate_for_ten_minutes(
    client: Client, published: RegisterVersion
) -> None:
    # given
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _post(client, CONTACT_URL, CONTACT)
    # when: resent with other spacing and case 9 minutes later, then again 11 minutes later
    resent = {**CONTACT, "message": "  BONJOUR,  nous cherchons un hébergeur en France. "}
    with time_machine.travel(start + timedelta(minutes=9), tick=False):
        soon = _post(client, CONTACT_URL, resent, follow=True)
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        later = _post(client, CONTACT_URL, resent)
    # then
    assert "Nous avons déjà reçu cette demande" in _page(soon)
    assert later.status_code == 302
    assert ContactRequest.objects.count() == 2


def test_a_robot_filling_the_hidden_field_is_answered_like_a_person_and_nothing_is_stored(
    client: Client, published: RegisterVersion
) -> None:
    # given / when
    response = _post(client, CONTACT_URL, {**CONTACT, "website": "http://spam.example"})
    # then
    assert response.status_code == 302
    assert _stored() == []
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="marketing.contact_submitted").exists()


def test_a_flood_from_one_address_is_refused_with_429_and_others_still_get_through(
    client: Client, published: RegisterVersion
) -> None:
    # given: five submissions from one address (the limit)
    for number in range(5):
        sent = _post(
            client,
            CALLBACK_URL,
            {**CALLBACK, "name": f"Robot {number}"},
            REMOTE_ADDR="198.51.100.9",
        )
        assert sent.status_code == 302
    # when
    sixth = _post(client, CALLBACK_URL, {**CALLBACK, "name": "Robot 5"}, REMOTE_ADDR="198.51.100.9")
    other = _post(client, CALLBACK_URL, {**CALLBACK, "name": "Someone"}, REMOTE_ADDR="192.0.2.1")
    # then
    assert sixth.status_code == 429
    assert "Trop d'envois depuis votre connexion" in _page(sixth)
    assert "Robot 5" in _page(sixth)  # what was typed is kept
    assert other.status_code == 302
    assert ContactRequest.objects.filter(name="Robot 5").count() == 0
    assert ContactRequest.objects.count() == 6
    # the limiter remembers keyed hashes, never the addresses themselves
    assert all("198.51.100.9" not in key for key in form_limiter._hits)
