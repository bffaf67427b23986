"""The acknowledgement e-mail reaches a real SMTP server (aiosmtpd), in the visitor's
language, after the submission is committed; it never echoes the message itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from garde.marketing.errors import ContactDuplicateError
from garde.marketing.models import ContactRequest
from garde.marketing.services import contact_request_submit
from garde.register.models import RegisterVersion
from tests.marketing.conftest import CALLBACK, CONTACT, SmtpSink

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


def test_the_acknowledgement_is_received_by_a_real_smtp_server(
    client: Client,
    published: RegisterVersion,
    smtp_server: SmtpSink,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contact/", CONTACT)
    # then
    assert response.status_code == 302
    contact = ContactRequest.objects.get()
    assert smtp_server.envelopes == [("no-reply@garde.localhost", ["alice@acme.example"])]
    (message,) = smtp_server.messages
    assert message["To"] == "alice@acme.example"
    assert message["Subject"] == "Votre message est bien reçu"
    body = message.get_content()
    assert "Nous avons bien reçu votre message." in body
    assert f"(référence {contact.pk})" in body
    assert "/confidentialite/" in body
    assert "nous cherchons un hébergeur" not in body  # the message is not echoed


def test_the_callback_acknowledgement_is_in_english_with_the_chosen_slot(
    published: RegisterVersion,
    smtp_server: SmtpSink,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    data = {**CALLBACK, "email": "bob@example.org"}
    # when
    with django_capture_on_commit_callbacks(execute=True):
        contact_request_submit(kind="callback", language="en", **data)
    # then
    (message,) = smtp_server.messages
    assert message["To"] == "bob@example.org"
    assert "/en/privacy/" in message.get_content()


def test_no_mail_leaves_when_the_submission_is_refused(
    published: RegisterVersion,
    smtp_server: SmtpSink,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    with django_capture_on_commit_callbacks(execute=True):
        contact_request_submit(kind="contact", **CONTACT)
    # when: the same content again
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ContactDuplicateError, match="déjà reçu"),
    ):
        contact_request_submit(kind="contact", **CONTACT)
    # then
    assert callbacks == []
    assert len(smtp_server.messages) == 1
