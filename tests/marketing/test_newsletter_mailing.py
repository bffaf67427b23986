"""Mailings: composed in the console, sent by the worker over SMTP in batches, every message
with its personal unsubscribe link and the RFC 8058 headers; suppressed addresses skipped;
a send killed halfway resumes without sending anything twice."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garde.accounts.models import Organisation, User
from garde.marketing.models_newsletter import (
    Mailing,
    MailingAudience,
    MailingStatus,
    NewsletterSubscriber,
    SubscriberStatus,
    SuppressionEntry,
    SuppressionSource,
)
from garde.marketing.newsletter_mail import address_digest
from garde.marketing.newsletter_selectors import mailing_progress
from garde.marketing.newsletter_sending import (
    mailing_create,
    mailing_resume,
    mailing_send,
    mailing_send_batch,
)
from garde.marketing.newsletter_tasks import newsletter_housekeeping_task
from tests.marketing.test_newsletter_support import (
    ONE_CLICK,
    SmtpSink,
    assert_rfc8058,
    contact_make,
    smtp,
    subscriber_make,
    unsubscribe_path,
)

__all__ = ["smtp"]

Capture = Callable[..., AbstractContextManager[Any]]
IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"


def _mailing(user: User, audience: str = MailingAudience.NEWSLETTER) -> Mailing:
    return mailing_create(
        actor=user,
        audience=audience,
        subject="Nouveautés de décembre",
        body_html="<p>Nos <strong>nouveautés</strong>.</p>",
        body_text="Nos nouveautés.",
    )


@pytest.mark.django_db
def test_r_42_every_mailing_message_carries_its_own_unsubscribe_link_and_rfc_8058_headers(
    smtp: SmtpSink,
    settings: Any,
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given: three subscribers, one of them pending, and one suppressed address
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    addresses = ["a@example.org", "b@example.org", "c@example.org"]
    for address in addresses:
        subscriber_make(email_address=address)
    subscriber_make(email_address="pending@example.org", status=SubscriberStatus.PENDING)
    SuppressionEntry.objects.create(
        address_digest=address_digest("c@example.org"), source=SuppressionSource.COMMERCIAL
    )
    mailing = _mailing(make_user("marketing"))
    # when: the task runs at once (immediate backend)
    with django_capture_on_commit_callbacks(execute=True):
        count = mailing_send(mailing=mailing, actor=make_user("marketing"))
    # then
    assert count == 3
    assert smtp.recipients() == ["a@example.org", "b@example.org"]
    paths = set()
    for received in smtp.messages:
        assert_rfc8058(received)
        path = unsubscribe_path(received)
        assert path in received.text()
        assert path in received.html()
        assert "Nos <strong>nouveautés</strong>." in received.html()
        assert str(received.message["Subject"]) == "Nouveautés de décembre"
        assert str(received.message["Message-ID"]).startswith(f"<garde.mailing.{mailing.pk}.")
        paths.add(path)
    assert len(paths) == 2
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.SENT
    assert mailing_progress(mailing=mailing) == {
        "pending": 0,
        "sending": 0,
        "sent": 2,
        "failed": 0,
        "skipped": 1,
        "uncertain": 0,
    }
    # when: the first recipient uses the one-click POST of their mailing
    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_path(smtp.to("a@example.org")[0]),
        data=ONE_CLICK,
        content_type="application/x-www-form-urlencoded",
    )
    # then: that subscriber, and only that one, is erased
    assert response.status_code == 200
    assert sorted(NewsletterSubscriber.objects.values_list("email", flat=True)) == [
        "b@example.org",
        "c@example.org",
        "pending@example.org",
    ]


@pytest.mark.django_db
def test_r_19_commercial_contacts_get_one_message_per_address_with_the_opt_out(
    smtp: SmtpSink,
    make_user: Callable[..., User],
    client_org: Organisation,
    other_client_org: Organisation,
) -> None:
    # given: the same person registered by two organisations, one contact for events only
    contact_make(organisation=client_org, email_address="d.petit@acme.example")
    contact_make(organisation=other_client_org, email_address="d.petit@acme.example")
    contact_make(
        organisation=client_org, email_address="events@acme.example", commercial_info=False
    )
    mailing = _mailing(make_user("marketing"), audience=MailingAudience.COMMERCIAL)
    mailing_send(mailing=mailing, actor=make_user("marketing"))
    # when
    mailing_send_batch(mailing_id=mailing.pk)
    # then
    assert smtp.recipients() == ["d.petit@acme.example"]
    [received] = smtp.messages
    assert_rfc8058(received)
    assert "Acme Industries a communiqué votre adresse professionnelle" in received.text()
    # when: they opt out with one POST
    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_path(received), data=ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )
    # then: every registration of the address is gone, and it cannot be registered again
    assert response.status_code == 200
    assert list(
        client_org.commercial_contacts.values_list("email", flat=True)  # type: ignore[attr-defined]
    ) == ["events@acme.example"]
    assert not other_client_org.commercial_contacts.exists()  # type: ignore[attr-defined]
    assert SuppressionEntry.objects.get().source == SuppressionSource.COMMERCIAL


@pytest.mark.django_db
def test_an_unsubscription_during_a_send_is_honoured_for_the_rest_of_it(
    smtp: SmtpSink, make_user: Callable[..., User]
) -> None:
    # given
    first = subscriber_make(email_address="a@example.org")
    second = subscriber_make(email_address="b@example.org")
    mailing = _mailing(make_user("marketing"))
    mailing_send(mailing=mailing, actor=make_user("marketing"))
    mailing_send_batch(mailing_id=mailing.pk, batch_size=1)
    # when: the second one leaves before their turn
    from garde.marketing.newsletter_services import newsletter_unsubscribe, subscriber_recipient

    newsletter_unsubscribe(token=subscriber_recipient(second).token)
    mailing_send_batch(mailing_id=mailing.pk, batch_size=1)
    # then
    assert smtp.recipients() == [first.email]
    assert mailing_progress(mailing=mailing)["skipped"] == 1


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


# A worker process that kills itself (SIGKILL, no clean-up) at a chosen point of the Nth send.
CRASHING_WORKER = textwrap.dedent(
    """
    import os, signal, smtplib, sys
    import django
    django.setup()
    from django.core.management import call_command

    kill_at, when = int(sys.argv[1]), sys.argv[2]
    seen = [0]
    original = smtplib.SMTP.sendmail

    def sendmail(self, *args, **kwargs):
        seen[0] += 1
        if seen[0] == kill_at and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(self, *args, **kwargs)
        if seen[0] == kill_at and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    smtplib.SMTP.sendmail = sendmail
    call_command("worker", "--batch", "--no-schedule")
    """
)


def _run_worker(smtp: SmtpSink, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GARDE_DATABASE_URL": _database_url(),
        "GARDE_EMAIL_URL": f"smtp://{smtp.host}:{smtp.port}",
        "GARDE_BASE_URL": "https://garde.example",
        "GARDE_EMAIL_FROM": "inherent <news@inherent.example>",
    }
    env.pop("GARDE_TASKS_BACKEND", None)
    return subprocess.run(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", CRASHING_WORKER, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _start(make_user: Callable[..., User], count: int) -> tuple[Mailing, list[str]]:
    addresses = [f"reader{n:02d}@example.org" for n in range(count)]
    for address in addresses:
        subscriber_make(email_address=address)
    mailing = _mailing(make_user("marketing"))
    mailing_send(mailing=mailing, actor=make_user("marketing"))  # enqueued on the database
    return mailing, addresses


@pytest.mark.django_db(transaction=True)
def test_a_send_killed_halfway_resumes_and_every_recipient_gets_it_exactly_once(
    smtp: SmtpSink, make_user: Callable[..., User]
) -> None:
    # given: 60 subscribers (two batches of 50 and 10), the send enqueued on the database
    mailing, addresses = _start(make_user, 60)
    # when: the worker process is killed right after the SMTP server accepted the 30th message
    crashed = _run_worker(smtp, "30", "after")
    # then: it died (SIGKILL), 30 messages went out, 29 recorded and one in flight
    assert crashed.returncode == -9, crashed.stderr
    assert smtp.recipients() == addresses[:30]
    assert mailing_progress(mailing=mailing)["sent"] == 29
    assert mailing_progress(mailing=mailing)["sending"] == 1
    # when: the housekeeping job finds the stalled send, and a worker runs again
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        result = newsletter_housekeeping_task.call()
    finished = _run_worker(smtp, "0", "never")
    # then: every recipient got the mailing exactly once
    assert result == {"discarded": 0, "resumed": [mailing.pk]}
    assert finished.returncode == 0, finished.stderr
    assert sorted(smtp.recipients()) == addresses
    assert len(smtp.recipients()) == 60
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.SENT
    assert mailing_progress(mailing=mailing) == {
        "pending": 0,
        "sending": 0,
        "sent": 59,
        "failed": 0,
        "skipped": 0,
        "uncertain": 1,
    }


@pytest.mark.django_db(transaction=True)
def test_at_most_once_a_delivery_interrupted_before_smtp_is_not_sent_again(
    smtp: SmtpSink, make_user: Callable[..., User]
) -> None:
    # given
    mailing, addresses = _start(make_user, 5)
    # when: killed after claiming the third delivery, before the SMTP transaction
    crashed = _run_worker(smtp, "3", "before")
    uncertain = mailing_resume(mailing=mailing, stale_after=timedelta(0))
    finished = _run_worker(smtp, "0", "never")
    # then: the third one is reported uncertain and never sent twice; the others once each
    assert crashed.returncode == -9, crashed.stderr
    assert finished.returncode == 0, finished.stderr
    assert uncertain == 1
    assert smtp.recipients() == [addresses[0], addresses[1], addresses[3], addresses[4]]
    assert mailing_progress(mailing=mailing)["uncertain"] == 1


@pytest.mark.django_db
def test_a_sent_mailing_cannot_be_sent_or_edited_again(
    smtp: SmtpSink, make_user: Callable[..., User], client_as: Callable[[str], Client]
) -> None:
    # given
    subscriber_make(email_address="a@example.org")
    client = client_as("marketing")
    mailing = _mailing(make_user("marketing"))
    mailing_send(mailing=mailing, actor=make_user("marketing"))
    mailing_send_batch(mailing_id=mailing.pk)
    # when
    again = client.post(reverse("marketing:newsletter_mailing_send", kwargs={"pk": mailing.pk}))
    edit = client.post(
        reverse("marketing:newsletter_mailing_edit", kwargs={"pk": mailing.pk}),
        {"audience": "newsletter", "subject": "x", "body_html": "x", "body_text": "x"},
    )
    # then
    assert again.status_code == 302
    assert edit.status_code == 302
    mailing.refresh_from_db()
    assert mailing.subject == "Nouveautés de décembre"
    assert smtp.recipients() == ["a@example.org"]
