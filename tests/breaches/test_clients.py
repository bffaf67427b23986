"""Telling client companies (R-35, art. 33(2)) and their side of the notice."""

from __future__ import annotations

from collections.abc import Callable
from email.message import Message

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import Organisation, User
from garde.breaches.clients import breach_notify_clients, client_question_add
from garde.breaches.errors import BreachError
from garde.breaches.models import Breach, ClientNotice
from garde.core.models import AuditEvent
from garde.register.models import ProcessingActivity
from tests.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_r_35_hosted_service_breach_notifies_exactly_the_clients_the_register_links(
    make_breach: Callable[..., Breach],
    dpo: User,
    hosting: ProcessingActivity,
    other_hosting: ProcessingActivity,
    client_org: Organisation,
    other_client_org: Organisation,
    make_user: Callable[..., User],
    smtp_server: list[Message],
) -> None:
    # given: Acme has a privacy contact, Boréal is linked to another service only
    client_org.privacy_contact_email = "privacy@acme.example"
    client_org.save()
    make_user("org_dpo", email="dpo@boreal.example", organisation=other_client_org)
    breach = make_breach(consequences="Lecture possible des fichiers", measures_taken="Correctif")
    breach.activities.set([hosting])
    # when
    notices = breach_notify_clients(breach=breach, actor=dpo)
    # then
    assert [(n.organisation.name, n.emails) for n in notices] == [
        ("Acme Industries", ["privacy@acme.example"])
    ]
    assert [m["X-RcptTo"] for m in smtp_server] == ["privacy@acme.example"]
    body = smtp_server[0].get_payload(decode=True).decode()
    assert "Lecture possible des fichiers" in body
    assert breach.reference in smtp_server[0]["Subject"]
    assert list(
        AuditEvent.objects.filter(action="breach.client_notified").values_list(
            "organisation__name", flat=True
        )
    ) == ["Acme Industries"]


def test_r_35_without_privacy_contact_the_clients_dpos_are_told(
    make_breach: Callable[..., Breach],
    dpo: User,
    hosting: ProcessingActivity,
    make_user: Callable[..., User],
    client_org: Organisation,
    smtp_server: list[Message],
) -> None:
    client_org.privacy_contact_email = ""
    client_org.save()
    make_user("org_dpo", email="dpo@acme.example")
    make_user("member", email="alice@acme.example")
    breach = make_breach()
    breach.activities.set([hosting])
    notices = breach_notify_clients(breach=breach, actor=dpo)
    assert notices[0].emails == ["dpo@acme.example"]
    assert [m["X-RcptTo"] for m in smtp_server] == ["dpo@acme.example"]


def test_r_35_notifying_twice_tells_nobody_twice(
    make_breach: Callable[..., Breach], dpo: User, hosting: ProcessingActivity, mailoutbox: list
) -> None:
    breach = make_breach()
    breach.activities.set([hosting])
    breach_notify_clients(breach=breach, actor=dpo)
    assert breach_notify_clients(breach=breach, actor=dpo) == []
    assert ClientNotice.objects.count() == 1


def test_r_35_controller_only_breach_has_no_client_to_notify(
    make_breach: Callable[..., Breach], dpo: User
) -> None:
    breach = make_breach()
    with pytest.raises(BreachError):
        breach_notify_clients(breach=breach, actor=dpo)
    assert ClientNotice.objects.count() == 0


def test_client_dpo_acknowledges_and_asks_a_question(
    make_breach: Callable[..., Breach],
    dpo: User,
    hosting: ProcessingActivity,
    make_user: Callable[..., User],
    client: Client,
    mailoutbox: list,
) -> None:
    # given
    breach = make_breach()
    breach.activities.set([hosting])
    notice = breach_notify_clients(breach=breach, actor=dpo)[0]
    acme_dpo = make_user("org_dpo", email="dpo@acme.example")
    log_in(client, acme_dpo)
    url = reverse("breaches:portal_detail", kwargs={"pk": notice.pk})
    # when
    shown = client.get(url)
    client.post(url, {"action": "acknowledge"})
    client.post(url, {"action": "question", "body": "Les sauvegardes sont-elles touchées ?"})
    # then
    assert shown.status_code == 200
    assert breach.description in shown.content.decode()
    notice.refresh_from_db()
    assert notice.acknowledged_by == acme_dpo
    assert list(notice.questions.values_list("body", "from_client")) == [
        ("Les sauvegardes sont-elles touchées ?", True)
    ]


def test_client_dpo_sees_only_its_own_organisations_notices(
    make_breach: Callable[..., Breach],
    dpo: User,
    hosting: ProcessingActivity,
    other_client_org: Organisation,
    make_user: Callable[..., User],
    client: Client,
    mailoutbox: list,
) -> None:
    # given: a notice to Acme; Boréal's DPO signs in
    breach = make_breach()
    breach.activities.set([hosting])
    notice = breach_notify_clients(breach=breach, actor=dpo)[0]
    log_in(client, make_user("org_dpo", email="dpo@boreal.example", organisation=other_client_org))
    # when
    listed = client.get(reverse("breaches:portal_list"))
    detail = client.get(reverse("breaches:portal_detail", kwargs={"pk": notice.pk}))
    refused = client.post(
        reverse("breaches:portal_detail", kwargs={"pk": notice.pk}), {"action": "acknowledge"}
    )
    # then
    assert breach.reference not in listed.content.decode()
    assert (detail.status_code, refused.status_code) == (404, 404)
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_another_client_cannot_write_on_a_notice(
    make_breach: Callable[..., Breach],
    dpo: User,
    hosting: ProcessingActivity,
    other_client_org: Organisation,
    make_user: Callable[..., User],
    mailoutbox: list,
) -> None:
    breach = make_breach()
    breach.activities.set([hosting])
    notice = breach_notify_clients(breach=breach, actor=dpo)[0]
    stranger = make_user("org_dpo", email="x@boreal.example", organisation=other_client_org)
    with pytest.raises(BreachError):
        client_question_add(notice=notice, actor=stranger, body="?")
    assert notice.questions.count() == 0
