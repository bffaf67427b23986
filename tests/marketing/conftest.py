"""Marketing fixtures: the published default register, a fresh in-memory rate limit for every
test, a real SMTP server (aiosmtpd) to receive mail, and form data."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from garde.accounts.models import User
from garde.marketing.ratelimit import form_limiter
from garde.register.defaults import register_load_default
from garde.register.models import RegisterVersion

PARIS = ZoneInfo("Europe/Paris")
PUBLICATION = datetime(2026, 1, 5, 9, 0, tzinfo=PARIS)

CONTACT = {
    "name": "Alice Bernard",
    "company": "Acme Industries",
    "email": "Alice@Acme.example",
    "phone": "06 12 34 56 78",
    "subject": "Hébergement de notre ERP",
    "message": "Bonjour,\nnous cherchons un hébergeur en France.",
}
CALLBACK = {
    "name": "Bob Durand",
    "phone": "+33 6 98 76 54 32",
    "time_slot": "morning",
    "topic": "telecom",
    "email": "",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> Iterator[None]:
    form_limiter.reset()
    yield
    form_limiter.reset()


@pytest.fixture
def published(db: None) -> RegisterVersion:
    """The default register (activity ``contact-forms``: one year from collection)."""
    with time_machine.travel(PUBLICATION, tick=False):
        return register_load_default()


@pytest.fixture
def handler(make_user: Callable[..., User]) -> User:
    return make_user("marketing", full_name="Mia Marketing", email="mia@inherent.example")


@dataclass
class SmtpSink:
    """Messages a real SMTP server received, parsed."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        self.messages.append(message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpSink]:
    """An SMTP server on localhost that Django's SMTP backend sends to."""
    sink = SmtpSink(port=_free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield sink
    finally:
        controller.stop()
