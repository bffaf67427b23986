"""Fixtures of the breach register tests: the DPO, a breach with its facts, a register with a
hosted service used by one client and not by another, and a real SMTP server."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import datetime
from email import message_from_bytes, policy
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from garde.accounts.models import Organisation, User
from garde.breaches.choices import BreachSource, Nature
from garde.breaches.models import Breach
from garde.breaches.services import BreachFacts, breach_create
from garde.register.choices import ProcessingRole
from garde.register.models import ProcessingActivity
from tests.register.console_factories import ProcessingActivityFactory

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo", email="dpo@inherent.example")


def facts(**changes: Any) -> BreachFacts:
    values: dict[str, Any] = {
        "title": "Base clients exposée",
        "discovered_at": paris(2025, 3, 29, 9, 0),
        "discovery_method": "Alerte du SOC",
        "aware_at": paris(2025, 3, 29, 10, 0),
        "description": "Une sauvegarde de la base clients était lisible sans authentification.",
        "natures": [Nature.CONFIDENTIALITY],
        "dpo_contact": "DPO, dpo@inherent.example, 01 23 45 67 89",
    }
    values.update(changes)
    return BreachFacts(**values)


@pytest.fixture
def make_breach(dpo: User) -> Callable[..., Breach]:
    def make(**changes: Any) -> Breach:
        return breach_create(actor=dpo, source=BreachSource.STAFF, facts=facts(**changes))

    return make


@pytest.fixture
def hosting(client_org: Organisation) -> ProcessingActivity:
    """A hosted service the register links to Acme only."""
    return ProcessingActivityFactory(  # type: ignore[no-any-return]
        slug="hosting-acme", role=ProcessingRole.PROCESSOR, client_controllers=[client_org]
    )


@pytest.fixture
def other_hosting(other_client_org: Organisation) -> ProcessingActivity:
    return ProcessingActivityFactory(  # type: ignore[no-any-return]
        slug="hosting-boreal", role=ProcessingRole.PROCESSOR, client_controllers=[other_client_org]
    )


class _Collect:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-RcptTo"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[list[Message]]:
    """A real SMTP server (aiosmtpd) on a free local port; yields the messages it receives."""
    handler = _Collect()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield handler.messages
    finally:
        controller.stop()
