"""Shared fixtures of the newsletter tests (no test here): a real SMTP server (aiosmtpd on
localhost) that Django's SMTP backend talks to, and helpers to make subscribers and contacts
and read the mail the server received."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from garde.accounts.models import Organisation
from garde.marketing.models_newsletter import (
    CommercialContact,
    NewsletterSubscriber,
    SubscriberStatus,
)

BASE_URL = "https://garde.example"
ONE_CLICK = "List-Unsubscribe=One-Click"
URL_RE = re.compile(r"https://garde\.example(/\S+?/)(?=\s|$|>|\")")


@dataclass
class Received:
    """One message the SMTP server accepted."""

    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return self.rcpt_tos[0]

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None
        return str(part.get_content())


@dataclass
class SmtpSink:
    """What the server received, in order."""

    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(Received(list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"

    def recipients(self) -> list[str]:
        with self.lock:
            return [m.to for m in self.messages]

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if m.to == address]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpSink]:
    """A real SMTP server on localhost, and Django configured to send to it."""
    sink = SmtpSink(host="127.0.0.1", port=_free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.BASE_URL = BASE_URL
    settings.DEFAULT_FROM_EMAIL = "inherent <news@inherent.example>"
    try:
        yield sink
    finally:
        controller.stop()


def unsubscribe_path(received: Received) -> str:
    """The path of the https URL in the List-Unsubscribe header."""
    header = str(received.message["List-Unsubscribe"])
    match = re.search(r"<https://garde\.example(/[^>]+)>", header)
    assert match is not None, header
    return match.group(1)


def link_paths(text: str) -> list[str]:
    return [m.group(1) for m in URL_RE.finditer(text)]


def assert_rfc8058(received: Received) -> None:
    """List-Unsubscribe has an https and a mailto URI; List-Unsubscribe-Post is One-Click."""
    header = str(received.message["List-Unsubscribe"])
    uris = re.findall(r"<([^>]+)>", header)
    assert [uri.split(":", 1)[0] for uri in uris] == ["https", "mailto"]
    assert uris[1].startswith("mailto:unsubscribe@inherent.example?subject=unsubscribe%20")
    assert str(received.message["List-Unsubscribe-Post"]) == ONE_CLICK


def subscriber_make(
    *,
    email_address: str,
    full_name: str = "Camille Martin",
    status: str = SubscriberStatus.CONFIRMED,
    language: str = "fr",
) -> NewsletterSubscriber:
    now = timezone.now()
    return NewsletterSubscriber.objects.create(
        full_name=full_name,
        email=email_address,
        language=language,
        status=status,
        confirmation_sent_at=now,
        confirmed_at=now if status == SubscriberStatus.CONFIRMED else None,
    )


def contact_make(
    *,
    organisation: Organisation,
    email_address: str,
    full_name: str = "Dominique Petit",
    commercial_info: bool = True,
    event_invitations: bool = True,
) -> CommercialContact:
    return CommercialContact.objects.create(
        organisation=organisation,
        full_name=full_name,
        email=email_address,
        commercial_info=commercial_info,
        event_invitations=event_invitations,
    )


SubscriberMaker = Callable[..., NewsletterSubscriber]
