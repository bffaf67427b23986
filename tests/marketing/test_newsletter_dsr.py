"""The fulfilment engine finds a subscriber and a commercial contact by address (built-in
dataset ``garde_marketing_newsletter``); commercial contacts follow the prospect rule (three
years after the last contact)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

import garde.marketing.newsletter_retention  # noqa: F401  (registers the handler; see report)
from garde.accounts.models import Organisation, User
from garde.dsr.builtin import builtin_sync
from garde.dsr.runtime import access_collect
from garde.marketing.models_newsletter import CommercialContact
from garde.marketing.newsletter_sending import mailing_create, mailing_send
from garde.retention.services import retention_sweep
from tests.marketing.test_newsletter_support import contact_make, subscriber_make
from tests.retention.factories import register_publish, retention_rule

ADDRESS = "camille@example.org"


@pytest.mark.django_db(transaction=True)
def test_r_10_access_finds_the_subscriber_the_contact_and_their_deliveries(
    client_org: Organisation, make_user: Callable[..., User]
) -> None:
    # given
    builtin_sync()
    subscriber = subscriber_make(email_address=ADDRESS)
    contact = contact_make(organisation=client_org, email_address=ADDRESS)
    subscriber_make(email_address="someone.else@example.org")
    mailing = mailing_create(
        actor=make_user("marketing"),
        audience="newsletter",
        subject="S",
        body_html="<p>H</p>",
        body_text="T",
    )
    mailing_send(mailing=mailing, actor=make_user("marketing"))
    # when
    _plan, result = access_collect({"email": ADDRESS})
    # then
    assert result.failures == []
    data = result.data["garde_marketing_newsletter"]
    assert data["subscriber"] == [
        {
            "id": subscriber.pk,
            "full_name": "Camille Martin",
            "email": ADDRESS,
            "language": "fr",
            "status": "confirmed",
            "created_at": subscriber.created_at,
            "confirmation_sent_at": subscriber.confirmation_sent_at,
            "confirmed_at": subscriber.confirmed_at,
        }
    ]
    assert [row["id"] for row in data["commercial_contact"]] == [contact.pk]
    assert data["commercial_contact"][0]["organisation_id"] == client_org.pk
    assert [(row["subscriber_id"], row["state"]) for row in data["mailing_delivery"]] == [
        (subscriber.pk, "pending")
    ]


@pytest.mark.django_db
def test_r_82_commercial_contacts_are_erased_three_years_after_the_last_contact(
    client_org: Organisation,
) -> None:
    # given: the prospect rule on the contacts' store
    register_publish(
        retention_rule(
            "prospects-last-contact",
            store="marketing.commercial_contacts",
            count=3,
            unit="years",
            anchor="last_contact",
        )
    )
    start = timezone.now()
    with time_machine.travel(start):
        old = contact_make(organisation=client_org, email_address="old@acme.example")
    with time_machine.travel(start + timedelta(days=700)):
        recent = contact_make(organisation=client_org, email_address="recent@acme.example")
    # when: a day short of three years, then a day after
    early = retention_sweep(now=start + timedelta(days=3 * 365 - 1))
    late = retention_sweep(now=start + timedelta(days=3 * 365 + 2))
    # then
    assert early.erased_count == 0
    assert late.erased_count == 1
    assert list(CommercialContact.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not CommercialContact.objects.filter(pk=old.pk).exists()
