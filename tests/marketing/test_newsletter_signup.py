"""Newsletter sign-up with double opt-in, one-click unsubscription (RFC 8058) and the
suppression list, with mail delivered to a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garde.core.models import AuditEvent
from garde.marketing.models_newsletter import (
    NewsletterSubscriber,
    SubscriberStatus,
    SuppressionEntry,
    SuppressionSource,
)
from garde.marketing.newsletter_mail import address_digest
from garde.marketing.newsletter_services import (
    newsletter_discard_unconfirmed,
    newsletter_subscribe,
    newsletter_unsubscribe_by_mail,
)
from garde.marketing.newsletter_tasks import newsletter_housekeeping_task
from tests.marketing.test_newsletter_support import (
    ONE_CLICK,
    SmtpSink,
    assert_rfc8058,
    link_paths,
    smtp,
    subscriber_make,
    unsubscribe_path,
)

__all__ = ["smtp"]

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]
ADDRESS = "camille@example.org"


def _sign_up(client: Client, capture: Capture, **data: str) -> Any:
    with capture(execute=True):
        return client.post(
            reverse("marketing:newsletter_form"),
            {"full_name": "Camille Martin", "email": ADDRESS, **data},
        )


def test_r_80_the_sign_up_page_is_served_in_french_and_english(client: Client) -> None:
    # when
    french = client.get("/newsletter/")
    english = client.get("/en/newsletter/")
    # then
    assert french.status_code == 200
    assert english.status_code == 200
    assert "Recevoir notre newsletter" in french.content.decode()
    assert 'lang="en"' in english.content.decode()


def test_r_41_sign_up_stays_pending_until_the_signed_link_is_confirmed(
    client: Client, smtp: SmtpSink, django_capture_on_commit_callbacks: Capture
) -> None:
    # when
    response = _sign_up(client, django_capture_on_commit_callbacks)
    # then: pending, and a confirmation mail with the RFC 8058 headers
    assert response.status_code == 302
    assert response["Location"] == reverse("marketing:newsletter_sent")
    subscriber = NewsletterSubscriber.objects.get()
    assert (subscriber.email, subscriber.full_name, subscriber.status) == (
        ADDRESS,
        "Camille Martin",
        SubscriberStatus.PENDING,
    )
    [mail] = smtp.messages
    assert mail.to == ADDRESS
    assert_rfc8058(mail)
    confirm_path = next(p for p in link_paths(mail.text()) if "/confirm/" in p)
    # when: the link is fetched (a scanner would), then the button is pressed
    fetched = client.get(confirm_path)
    subscriber.refresh_from_db()
    assert fetched.status_code == 200
    assert subscriber.status == SubscriberStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(confirm_path)
    # then: confirmed, and the welcome mail carries the headers too
    subscriber.refresh_from_db()
    assert confirmed.status_code == 200
    assert subscriber.status == SubscriberStatus.CONFIRMED
    welcome = smtp.messages[1]
    assert welcome.to == ADDRESS
    assert_rfc8058(welcome)
    assert unsubscribe_path(welcome) in welcome.text()


def test_a_forged_or_expired_confirmation_link_is_not_found(
    client: Client, smtp: SmtpSink, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    _sign_up(client, django_capture_on_commit_callbacks)
    confirm_path = next(p for p in link_paths(smtp.messages[0].text()) if "/confirm/" in p)
    # when
    forged = client.post(confirm_path.replace("/confirm/", "/confirm/x"))
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        expired = client.post(confirm_path)
    # then
    assert forged.status_code == 404
    assert expired.status_code == 404
    assert NewsletterSubscriber.objects.get().status == SubscriberStatus.PENDING


@pytest.mark.parametrize("address", ["not-an-address", "a@b", "", "x" * 250 + "@example.org"])
def test_an_invalid_address_is_a_form_error_and_nothing_is_stored(
    client: Client, smtp: SmtpSink, django_capture_on_commit_callbacks: Capture, address: str
) -> None:
    # when
    response = _sign_up(client, django_capture_on_commit_callbacks, email=address)
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert NewsletterSubscriber.objects.count() == 0
    assert smtp.messages == []
    assert not AuditEvent.objects.filter(action__startswith="marketing.").exists()


def test_a_sign_up_posted_twice_quickly_stores_one_subscriber_and_sends_one_mail(
    client: Client, smtp: SmtpSink, django_capture_on_commit_callbacks: Capture
) -> None:
    # when
    first = _sign_up(client, django_capture_on_commit_callbacks)
    second = _sign_up(client, django_capture_on_commit_callbacks, email="  Camille@Example.ORG ")
    # then: the same page both times, one row, one mail
    assert (first.status_code, second.status_code) == (302, 302)
    assert NewsletterSubscriber.objects.count() == 1
    assert smtp.recipients() == [ADDRESS]
    # when: a minute later the person asks again
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        _sign_up(client, django_capture_on_commit_callbacks)
    # then: the link is sent again, still one row
    assert smtp.recipients() == [ADDRESS, ADDRESS]
    assert NewsletterSubscriber.objects.count() == 1


def test_signing_up_a_confirmed_address_again_sends_nothing(
    smtp: SmtpSink, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    subscriber_make(email_address=ADDRESS)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = newsletter_subscribe(full_name="Someone Else", email=ADDRESS)
    # then
    assert result is None
    assert smtp.messages == []
    assert NewsletterSubscriber.objects.get().full_name == "Camille Martin"


def test_the_honeypot_stores_nothing(
    client: Client, smtp: SmtpSink, django_capture_on_commit_callbacks: Capture
) -> None:
    # when
    response = _sign_up(client, django_capture_on_commit_callbacks, website="http://spam")
    # then
    assert response.status_code == 302
    assert NewsletterSubscriber.objects.count() == 0
    assert smtp.messages == []


def test_r_43_unconfirmed_sign_ups_disappear_after_seven_days_not_earlier() -> None:
    # given
    start = timezone.now()
    with time_machine.travel(start):
        pending = subscriber_make(email_address=ADDRESS, status=SubscriberStatus.PENDING)
        confirmed = subscriber_make(email_address="old@example.org")
    # when: one minute before the seventh day ends
    with time_machine.travel(start + timedelta(days=7) - timedelta(minutes=1)):
        early = newsletter_housekeeping_task.call()
    # then
    assert early == {"discarded": 0, "resumed": []}
    assert NewsletterSubscriber.objects.filter(pk=pending.pk).exists()
    # when: one minute after
    with time_machine.travel(start + timedelta(days=7, minutes=1)):
        late = newsletter_discard_unconfirmed()
    # then: the pending one is gone, the confirmed one stays
    assert late == 1
    assert list(NewsletterSubscriber.objects.values_list("pk", flat=True)) == [confirmed.pk]
    event = AuditEvent.objects.get(action="marketing.newsletter_unconfirmed_discarded")
    assert event.details == {"count": 1, "ids": [pending.pk]}


def test_r_42_a_one_click_post_to_the_list_unsubscribe_url_erases_the_subscriber(
    client: Client, smtp: SmtpSink, django_capture_on_commit_callbacks: Capture
) -> None:
    # given: a confirmed subscriber and the welcome mail they received
    _sign_up(client, django_capture_on_commit_callbacks)
    confirm_path = next(p for p in link_paths(smtp.messages[0].text()) if "/confirm/" in p)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_path)
    subscriber = NewsletterSubscriber.objects.get()
    path = unsubscribe_path(smtp.messages[1])
    mail_client = Client(enforce_csrf_checks=True)  # no session, no cookie, no CSRF token
    # when: what a mail client does (RFC 8058 section 3.2)
    response = mail_client.post(
        path, data=ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )
    # then: name and address are gone, only the keyed hash stays
    assert response.status_code == 200
    assert "Vous êtes désinscrit" in response.content.decode()
    assert NewsletterSubscriber.objects.count() == 0
    entry = SuppressionEntry.objects.get()
    assert entry.address_digest == address_digest(ADDRESS)
    assert entry.source == SuppressionSource.NEWSLETTER
    assert ADDRESS not in entry.address_digest
    event = AuditEvent.objects.get(action="marketing.newsletter_unsubscribed")
    assert event.object_id == str(subscriber.pk)
    assert ADDRESS not in str(event.details)
    # when: posted again (a retry)
    again = mail_client.post(path, data=ONE_CLICK, content_type="application/x-www-form-urlencoded")
    # then
    assert again.status_code == 200
    assert SuppressionEntry.objects.count() == 1


def test_r_41_the_unsubscribe_link_shows_one_button_and_a_get_erases_nothing(
    client: Client,
) -> None:
    # given
    subscriber = subscriber_make(email_address=ADDRESS)
    from garde.marketing.newsletter_services import subscriber_recipient

    token = subscriber_recipient(subscriber).token
    url = reverse("marketing:newsletter_unsubscribe", kwargs={"token": token})
    # when
    page = client.get(url)
    # then
    assert page.status_code == 200
    assert "Me désinscrire" in page.content.decode()
    assert NewsletterSubscriber.objects.filter(pk=subscriber.pk).exists()
    # when: the button
    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    # then
    assert done.status_code == 200
    assert not NewsletterSubscriber.objects.filter(pk=subscriber.pk).exists()


def test_a_forged_unsubscribe_token_is_not_found_and_erases_nothing(client: Client) -> None:
    # given
    subscriber_make(email_address=ADDRESS)
    url = reverse("marketing:newsletter_unsubscribe", kwargs={"token": "s.nope:forged"})
    # when
    response = client.post(url, data=ONE_CLICK, content_type="application/x-www-form-urlencoded")
    # then
    assert response.status_code == 404
    assert NewsletterSubscriber.objects.count() == 1
    assert SuppressionEntry.objects.count() == 0


def test_r_19_unsubscribing_from_the_confirmation_mail_refuses_the_sign_up(
    client: Client, smtp: SmtpSink, django_capture_on_commit_callbacks: Capture
) -> None:
    # given: someone signed this address up
    _sign_up(client, django_capture_on_commit_callbacks)
    # when: its owner uses the refusal link of the confirmation mail
    response = Client().post(unsubscribe_path(smtp.messages[0]))
    # then
    assert response.status_code == 200
    assert NewsletterSubscriber.objects.count() == 0
    assert SuppressionEntry.objects.get().source == SuppressionSource.REFUSED_SIGN_UP


def test_a_person_who_unsubscribed_may_subscribe_again_by_confirming(
    client: Client, smtp: SmtpSink, django_capture_on_commit_callbacks: Capture
) -> None:
    # given: an address in the suppression list
    SuppressionEntry.objects.create(
        address_digest=address_digest(ADDRESS), source=SuppressionSource.NEWSLETTER
    )
    # when: they sign up and confirm themselves
    _sign_up(client, django_capture_on_commit_callbacks)
    confirm_path = next(p for p in link_paths(smtp.messages[0].text()) if "/confirm/" in p)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_path)
    # then: their own new consent lifts the suppression
    assert NewsletterSubscriber.objects.get().status == SubscriberStatus.CONFIRMED
    assert SuppressionEntry.objects.count() == 0


def test_the_mailto_half_of_list_unsubscribe_unsubscribes(
    client: Client, smtp: SmtpSink, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    subscriber_make(email_address=ADDRESS)
    from garde.marketing.newsletter_services import subscriber_recipient

    token = subscriber_recipient(NewsletterSubscriber.objects.get()).token
    raw = (
        f"From: {ADDRESS}\r\nTo: unsubscribe@inherent.example\r\n"
        f"Subject: unsubscribe {token}\r\n\r\n\r\n"
    ).encode()
    # when
    result = newsletter_unsubscribe_by_mail(raw=raw)
    # then
    assert result is not None
    assert result.erased is True
    assert NewsletterSubscriber.objects.count() == 0
    assert SuppressionEntry.objects.filter(address_digest=address_digest(ADDRESS)).exists()
