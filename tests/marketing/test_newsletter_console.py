"""The Marketing console shows counts, never addresses (the policy: subscribers' data is
"ni communiquée à des tiers, ni revendue"); no URL exports the list; composing and previewing
a mailing; the client portal where an org_admin registers professional contacts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import Organisation, User
from garde.core.models import AuditEvent
from garde.marketing.models_newsletter import (
    CommercialContact,
    Mailing,
    SubscriberStatus,
    SuppressionEntry,
    SuppressionSource,
)
from garde.marketing.newsletter_mail import address_digest
from garde.marketing.newsletter_sending import mailing_create, mailing_send
from tests.conftest import log_in
from tests.marketing.test_newsletter_support import contact_make, subscriber_make
from tests.test_role_matrix import registered_views

pytestmark = pytest.mark.django_db
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _people(client_org: Organisation) -> set[str]:
    subscriber_make(email_address="sub.one@example.org", full_name="Zoé Abonnée")
    subscriber_make(email_address="sub.two@example.org", status=SubscriberStatus.PENDING)
    contact_make(organisation=client_org, email_address="pro@acme.example")
    return {"sub.one@example.org", "sub.two@example.org", "pro@acme.example"}


def test_the_marketing_console_pages_show_counts_and_no_address(
    client_as: Callable[[str], Client],
    make_user: Callable[..., User],
    client_org: Organisation,
) -> None:
    # given
    addresses = _people(client_org)
    mailing = mailing_create(
        actor=make_user("marketing"),
        audience="newsletter",
        subject="Bonjour",
        body_html="<p>Texte</p>",
        body_text="Texte",
    )
    mailing_send(mailing=mailing, actor=make_user("marketing"))
    client = client_as("marketing")
    # when: every page of the marketing console that takes no other argument than a mailing
    pages = [
        name
        for name in registered_views()
        if name.startswith("marketing:newsletter_") and name != "marketing:newsletter_confirm"
    ]
    bodies = {}
    for name in pages:
        pattern = str(registered_views()[name].pattern)
        if "<str:token>" in pattern:
            continue
        kwargs = {"pk": mailing.pk} if "<int:pk>" in pattern else {}
        response = client.get(reverse(name, kwargs=kwargs))
        bodies[name] = response.content.decode()
    # then: no subscriber's or contact's address, nor name, anywhere
    assert set(bodies) >= {
        "marketing:newsletter_console",
        "marketing:newsletter_mailing",
        "marketing:newsletter_mailing_progress",
        "marketing:newsletter_mailing_new",
    }
    for name, body in bodies.items():
        assert not set(EMAIL_RE.findall(body)) & addresses, name
        assert "Zoé Abonnée" not in body, name
    console = bodies["marketing:newsletter_console"]
    assert re.search(r'data-count="confirmed">1<', console)
    assert re.search(r'data-count="pending">1<', console)
    assert re.search(r'data-count="commercial">1<', console)


def test_no_url_exports_the_subscriber_list() -> None:
    # given / when
    names = [name for name in registered_views() if name.startswith("marketing:newsletter")]
    # then: no route whose name or path speaks of an export, a download or a list of people
    for name in names:
        path = str(registered_views()[name].pattern)
        assert not re.search(r"export|download|csv|subscribers|list", f"{name} {path}"), name


def test_composing_a_mailing_shows_a_sandboxed_preview_with_the_footer(
    client_as: Callable[[str], Client],
) -> None:
    # given
    client = client_as("marketing")
    # when
    created = client.post(
        reverse("marketing:newsletter_mailing_new"),
        {
            "audience": "newsletter",
            "subject": "Nos nouveautés",
            "body_html": "<p>Bonjour <script>alert(1)</script></p>",
            "body_text": "Bonjour",
        },
    )
    mailing = Mailing.objects.get()
    page = client.get(created["Location"])
    # then
    assert created.status_code == 302
    assert created["Location"] == reverse("marketing:newsletter_mailing", kwargs={"pk": mailing.pk})
    body = page.content.decode()
    assert '<iframe title="Aperçu HTML" sandbox srcdoc="&lt;p&gt;Bonjour &lt;script&gt;' in body
    assert "<script>alert(1)</script>" not in body
    assert "vous êtes inscrit à la newsletter" in body
    assert AuditEvent.objects.filter(action="marketing.mailing_created").count() == 1


def test_an_empty_mailing_is_a_form_error(client_as: Callable[[str], Client]) -> None:
    # when
    response = client_as("marketing").post(
        reverse("marketing:newsletter_mailing_new"),
        {"audience": "nobody", "subject": "", "body_html": "", "body_text": ""},
    )
    # then
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"audience", "subject", "body_html", "body_text"}
    assert Mailing.objects.count() == 0


def test_an_org_admin_registers_and_removes_professional_contacts(
    client: Client, make_user: Callable[..., User], client_org: Organisation
) -> None:
    # given
    admin = make_user("org_admin")
    log_in(client, admin)
    url = reverse("marketing:portal_contacts")
    # when
    response = client.post(
        url,
        {
            "full_name": "Dominique Petit",
            "email": "D.Petit@Acme.example",
            "job_title": "DSI",
            "commercial_info": "on",
        },
    )
    # then
    assert response.status_code == 302
    contact = CommercialContact.objects.get()
    assert (contact.organisation, contact.email, contact.commercial_info) == (
        client_org,
        "d.petit@acme.example",
        True,
    )
    assert contact.event_invitations is False
    assert contact.registered_by == admin
    # when: the same address again, then removed
    again = client.post(
        url, {"full_name": "D. Petit", "email": "d.petit@acme.example", "commercial_info": "on"}
    )
    removed = client.post(reverse("marketing:portal_contact_delete", kwargs={"pk": contact.pk}))
    # then
    assert again.status_code == 400
    assert "déjà inscrite" in again.content.decode()
    assert removed.status_code == 302
    assert CommercialContact.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"full_name": "X", "email": "nope"}, "email"),
        ({"full_name": "X", "email": "x@acme.example"}, "commercial_info"),
        (
            {"full_name": "X", "email": "opted.out@acme.example", "event_invitations": "on"},
            "email",
        ),
    ],
)
def test_r_19_a_contact_that_objected_or_an_invalid_one_is_refused(
    client: Client, make_user: Callable[..., User], data: dict[str, Any], field: str
) -> None:
    # given
    SuppressionEntry.objects.create(
        address_digest=address_digest("opted.out@acme.example"),
        source=SuppressionSource.COMMERCIAL,
    )
    log_in(client, make_user("org_admin"))
    # when
    response = client.post(reverse("marketing:portal_contacts"), data)
    # then
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert CommercialContact.objects.count() == 0


def test_an_org_admin_sees_and_removes_only_their_organisations_contacts(
    client: Client,
    make_user: Callable[..., User],
    client_org: Organisation,
    other_client_org: Organisation,
) -> None:
    # given
    contact_make(organisation=client_org, email_address="mine@acme.example")
    theirs = contact_make(organisation=other_client_org, email_address="theirs@boreal.example")
    log_in(client, make_user("org_admin"))
    # when
    page = client.get(reverse("marketing:portal_contacts")).content.decode()
    delete = client.post(reverse("marketing:portal_contact_delete", kwargs={"pk": theirs.pk}))
    # then
    assert "mine@acme.example" in page
    assert "theirs@boreal.example" not in page
    assert delete.status_code == 404
    assert CommercialContact.objects.filter(pk=theirs.pk).exists()
