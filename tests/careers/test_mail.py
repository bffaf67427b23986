"""The acknowledgement mailed to the candidate, through a real SMTP server (aiosmtpd), carries
the withdraw link and says how long the application is kept."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from django.test import Client

from garde.careers import services
from garde.careers.models import Application, JobOffer
from tests.careers.conftest import Submit

pytestmark = pytest.mark.django_db


class _Inbox(MessageHandler):
    def __init__(self) -> None:
        super().__init__(message_class=email.message.EmailMessage)
        self.messages: list[email.message.Message] = []

    def handle_message(self, message: email.message.Message) -> None:
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[_Inbox]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.BASE_URL = "https://garde.example"
    try:
        yield inbox
    finally:
        controller.stop()


def _parsed(message: email.message.Message) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def _body(message: email.message.Message) -> str:
    part = _parsed(message).get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_the_candidate_gets_an_acknowledgement_with_a_working_withdraw_link(
    smtp: _Inbox,
    submit: Submit,
    offer: JobOffer,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(offer=offer)
    # then
    assert len(smtp.messages) == 1
    message = _parsed(smtp.messages[0])
    assert message["To"] == "camille@example.org"
    assert message["Subject"] == "Votre candidature a bien été reçue"
    body = _body(message)
    links = re.findall(r"https://garde\.example/carrieres/retrait/\S+/", body)
    assert len(links) == 1
    assert services.application_by_withdraw_token(token=links[0].split("/")[-2]) == application
    assert "« Ingénieur réseau »" in body
    assert (
        "Si elle n'est pas retenue, elle sera effacée trois mois après la fin du recrutement, "
        "et dans tous les cas un an au plus après son envoi." in body
    )
    # and the link withdraws it
    client.post(links[0].removeprefix("https://garde.example"))
    assert Application.objects.count() == 0


def test_an_english_candidate_gets_an_english_link(
    smtp: _Inbox, submit: Submit, django_capture_on_commit_callbacks: Any
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(language="en")
    # then
    body = _body(smtp.messages[0])
    (link,) = re.findall(r"https://garde\.example/en/\S+/", body)
    assert services.application_by_withdraw_token(token=link.split("/")[-2]) == application
