"""A visitor subscribes to the newsletter in a real browser, confirms through the link the
SMTP server received, then unsubscribes with the link of the next e-mail."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from garde.marketing.models_newsletter import (
    NewsletterSubscriber,
    SubscriberStatus,
    SuppressionEntry,
)
from garde.marketing.newsletter_mail import address_digest
from tests.marketing.test_newsletter_support import (
    SmtpSink,
    link_paths,
    smtp,
    unsubscribe_path,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

__all__ = ["smtp"]

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ADDRESS = "visiteur@example.org"


def _wait_for_mail(smtp: SmtpSink, count: int, page: Page) -> None:
    for _attempt in range(50):
        if len(smtp.to(ADDRESS)) >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"expected {count} message(s), got {smtp.recipients()}")


def test_a_visitor_subscribes_confirms_and_unsubscribes(
    page: Page, live_server: LiveServer, smtp: SmtpSink
) -> None:
    base = live_server.url
    # when: the visitor signs up
    page.goto(base + "/newsletter/")
    expect(page.get_by_role("heading", name="Recevoir notre newsletter")).to_be_visible()
    page.get_by_label("Nom").fill("Vera Visiteuse")
    page.get_by_label("Adresse e-mail").fill(ADDRESS)
    page.get_by_role("button", name="M'inscrire").click()
    # then: they are asked to confirm, and the sign-up is pending
    expect(page.get_by_role("heading", name="Confirmez votre inscription")).to_be_visible()
    assert NewsletterSubscriber.objects.get().status == SubscriberStatus.PENDING
    _wait_for_mail(smtp, 1, page)

    # when: they follow the link of the mail and confirm
    confirm = next(p for p in link_paths(smtp.to(ADDRESS)[0].text()) if "/confirm/" in p)
    page.goto(base + confirm)
    page.get_by_role("button", name="Confirmer mon inscription").click()
    # then
    expect(page.get_by_role("heading", name="Inscription confirmée")).to_be_visible()
    assert NewsletterSubscriber.objects.get().status == SubscriberStatus.CONFIRMED
    _wait_for_mail(smtp, 2, page)

    # when: they use the unsubscribe link of the welcome mail
    page.goto(base + unsubscribe_path(smtp.to(ADDRESS)[1]))
    page.get_by_role("button", name="Me désinscrire").click()
    # then: erased, only the keyed hash stays, and the page says so
    expect(page.get_by_role("heading", name="Vous êtes désinscrit")).to_be_visible()
    expect(page.get_by_text("empreinte chiffrée")).to_be_visible()
    assert NewsletterSubscriber.objects.count() == 0
    assert SuppressionEntry.objects.filter(address_digest=address_digest(ADDRESS)).exists()
