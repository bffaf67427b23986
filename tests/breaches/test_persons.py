"""Telling the people concerned (R-36, R-37): the message goes to exactly the people found,
through a real SMTP server, and the decision and each send are in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from email.message import Message
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from garde.accounts.models import User
from garde.breaches.choices import PersonsDecision, RiskLevel
from garde.breaches.decisions import breach_decide_persons
from garde.breaches.errors import BreachError, BreachStateError, NotificationRequiredError
from garde.breaches.models import Breach, PersonCampaign
from garde.breaches.persons import Person, person_campaign_create, persons_from_csv
from garde.core.models import AuditEvent
from tests.conftest import log_in

IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"
PEOPLE = "email,name\nzoe@example.org,Zoé Martin\nyann@example.org,\nZOE@example.org,doublon\n"


def _high(breach: Breach) -> Breach:
    breach.risk_level = RiskLevel.HIGH
    breach.save(update_fields=["risk_level"])
    return breach


@pytest.mark.django_db(transaction=True)
def test_r_36_high_risk_message_goes_to_exactly_the_people_found(
    make_breach: Callable[..., Breach],
    dpo: User,
    client: Client,
    settings: Any,
    smtp_server: list[Message],
) -> None:
    # given: a high-risk breach and a list of the people found in the affected store
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    breach = _high(make_breach(consequences="Usurpation d'identité possible"))
    log_in(client, dpo)
    upload = SimpleUploadedFile("people.csv", PEOPLE.encode(), content_type="text/csv")
    # when
    response = client.post(
        reverse("breaches:console_detail", kwargs={"pk": breach.pk}),
        {
            "action": "campaign",
            "campaign-language": "fr",
            "campaign-subject": "Violation de vos données",
            "campaign-body": "Votre adresse a pu être exposée.",
            "campaign-people": upload,
        },
    )
    # then
    assert response.status_code == 302
    assert sorted(m["X-RcptTo"] for m in smtp_server) == ["yann@example.org", "zoe@example.org"]
    zoe = next(m for m in smtp_server if m["X-RcptTo"] == "zoe@example.org")
    assert zoe["Subject"] == "Violation de vos données"
    assert zoe.get_content() == "Zoé Martin,\r\n\r\nVotre adresse a pu être exposée.\r\n"
    campaign = PersonCampaign.objects.get()
    assert (campaign.status, sorted(campaign.recipients.values_list("status", flat=True))) == (
        "done",
        ["sent", "sent"],
    )
    breach.refresh_from_db()
    assert breach.persons_decision == PersonsDecision.NOTIFY
    actions = list(
        AuditEvent.objects.filter(action__startswith="breach.person")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "breach.persons_campaign_created",
        "breach.persons_campaign_started",
        "breach.person_message_sent",
        "breach.person_message_sent",
    ]
    assert breach.decisions.filter(subject="persons").count() == 1


@pytest.mark.django_db
def test_r_36_no_message_without_high_risk(make_breach: Callable[..., Breach], dpo: User) -> None:
    breach = make_breach()
    with pytest.raises(BreachStateError):
        person_campaign_create(
            breach=breach,
            actor=dpo,
            language="fr",
            subject="s",
            body="b",
            people=[Person(email="a@example.org")],
        )
    assert PersonCampaign.objects.count() == 0


@pytest.mark.django_db
def test_r_37_an_exception_is_chosen_with_its_reason_instead_of_the_message(
    make_breach: Callable[..., Breach], dpo: User
) -> None:
    # given
    breach = _high(make_breach())
    # when: exception (c) without the public communication is refused, then given
    with pytest.raises(BreachError):
        breach_decide_persons(
            breach=breach,
            actor=dpo,
            decision=PersonsDecision.EXEMPT_EFFORT,
            reason="Adresses inconnues",
        )
    breach_decide_persons(
        breach=breach,
        actor=dpo,
        decision=PersonsDecision.EXEMPT_EFFORT,
        reason="Adresses inconnues",
        public_notice_url="https://inherent.example/avis",
    )
    # then: no message may follow, and "not required" is refused on a high risk
    with pytest.raises(BreachStateError):
        person_campaign_create(
            breach=breach,
            actor=dpo,
            language="fr",
            subject="s",
            body="b",
            people=[Person(email="a@example.org")],
        )
    with pytest.raises(NotificationRequiredError):
        breach_decide_persons(
            breach=breach, actor=dpo, decision=PersonsDecision.NOT_REQUIRED, reason="x"
        )
    breach.refresh_from_db()
    assert (breach.persons_decision, breach.public_notice_url) == (
        "exempt_c",
        "https://inherent.example/avis",
    )


def test_csv_list_refuses_a_bad_address_with_its_line() -> None:
    with pytest.raises(BreachError, match="Ligne 3"):
        persons_from_csv("email\nok@example.org\nnot-an-address\n")
    assert persons_from_csv(PEOPLE) == [
        Person(email="zoe@example.org", name="Zoé Martin"),
        Person(email="yann@example.org", name=""),
    ]
