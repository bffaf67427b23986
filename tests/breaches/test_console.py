"""The console: who sees breaches, recording one from a portal report, the DPO's actions, the
register export and the CNIL draft export."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import User
from garde.breaches.choices import NotificationKind
from garde.breaches.decisions import breach_assign
from garde.breaches.models import Breach
from garde.breaches.notifications import breach_notification_draft
from garde.core.models import AuditEvent
from garde.requests.choices import RequestKind
from garde.requests.models import Request
from tests.conftest import log_in

pytestmark = pytest.mark.django_db


def test_only_the_dpo_and_assigned_staff_see_breaches(
    make_breach: Callable[..., Breach],
    dpo: User,
    make_user: Callable[..., User],
    client: Client,
) -> None:
    # given: one breach assigned to a sysadmin, another to nobody
    sysadmin = make_user("sysadmin", email="ops@inherent.example")
    support = make_user("support", email="help@inherent.example")
    assigned = make_breach(title="Serveur compromis")
    hidden = make_breach(title="Courriel mal adressé")
    breach_assign(breach=assigned, actor=dpo, users=[sysadmin])
    pages = {}
    for user in (dpo, sysadmin, support):
        log_in(client, user)
        listing = client.get(reverse("breaches:console_list")).content.decode()
        pages[user.email] = (
            "Serveur compromis" in listing,
            "Courriel mal adressé" in listing,
            client.get(reverse("breaches:console_detail", kwargs={"pk": assigned.pk})).status_code,
            client.get(reverse("breaches:console_detail", kwargs={"pk": hidden.pk})).status_code,
        )
    # then
    assert pages == {
        "dpo@inherent.example": (True, True, 200, 200),
        "ops@inherent.example": (True, False, 200, 404),
        "help@inherent.example": (False, False, 404, 404),
    }


def test_assigned_staff_cannot_act(
    make_breach: Callable[..., Breach], dpo: User, make_user: Callable[..., User], client: Client
) -> None:
    sysadmin = make_user("sysadmin")
    breach = make_breach()
    breach_assign(breach=breach, actor=dpo, users=[sysadmin])
    log_in(client, sysadmin)
    response = client.post(
        reverse("breaches:console_detail", kwargs={"pk": breach.pk}),
        {"action": "close", "close-reason": "x"},
    )
    assert response.status_code == 403
    breach.refresh_from_db()
    assert breach.status == "open"


def test_r_34_dpo_records_a_breach_from_a_portal_report(
    dpo: User, make_user: Callable[..., User], client: Client
) -> None:
    # given: a member's breach report from the RGPD tab
    member = make_user("member", email="alice@acme.example", full_name="Alice Bernard")
    log_in(client, member)
    client.post(
        reverse("requests:portal_breach_new"),
        {
            "description": "Des factures d'autres clients apparaissent dans mon espace.",
            "breach_data": "factures",
        },
    )
    report = Request.objects.get(kind=RequestKind.BREACH_REPORT)
    log_in(client, dpo)
    url = reverse("breaches:console_new") + f"?report={report.pk}"
    prefilled = client.get(url)
    # when
    response = client.post(
        url,
        {
            "source": "portal_report",
            "title": "Factures visibles par d'autres clients",
            "discovered_at": "2026-11-02T09:00",
            "aware_at": "2026-11-02T10:30",
            "discovery_method": "Signalement du portail",
            "description": report.description,
            "natures": ["confidentiality"],
            "origin": "internal_accidental",
            "dpo_contact": "dpo@inherent.example",
        },
    )
    # then
    assert "Des factures d&#x27;autres clients" in prefilled.content.decode()
    breach = Breach.objects.get()
    assert response.status_code == 302
    assert (breach.report, breach.source, breach.created_by) == (report, "portal_report", dpo)
    assert AuditEvent.objects.filter(action="breach.created", object_id=str(breach.pk)).count() == 1


def test_bad_breach_input_is_a_form_error_and_stores_nothing(dpo: User, client: Client) -> None:
    log_in(client, dpo)
    response = client.post(
        reverse("breaches:console_new"),
        {
            "source": "staff",
            "title": "x",
            "discovered_at": "2999-01-01T00:00",
            "aware_at": "pas une date",
            "natures": ["nope"],
        },
    )
    assert response.status_code == 400
    assert Breach.objects.count() == 0


def test_dpo_assesses_decides_and_drafts_through_the_page(
    make_breach: Callable[..., Breach], dpo: User, client: Client
) -> None:
    # given
    breach = make_breach()
    log_in(client, dpo)
    url = reverse("breaches:console_detail", kwargs={"pk": breach.pk})
    # when
    client.post(
        url,
        {
            "action": "assess",
            "assess-dpc_base": "3",
            "assess-dpc_adjustment": "0",
            "assess-ei": "1",
            "assess-confidentiality": "0.5",
            "assess-integrity": "0",
            "assess-availability": "0",
            "assess-malicious": "on",
            "assess-rationale": "Données bancaires exposées",
        },
    )
    client.post(
        url, {"action": "authority", "authority-notify": "yes", "authority-reason": "Risque élevé"}
    )
    client.post(url, {"action": "draft", "draft-kind": "initial"})
    page = client.get(url)
    # then: SE = 3 x 1 + 0.5 + 0.5 = 4 -> high risk
    breach.refresh_from_db()
    assert (str(breach.severity), breach.risk_level, breach.notify_authority) == (
        "4.00",
        "high",
        True,
    )
    assert breach.assessment_factors["band"] == "very_high"
    assert breach.authority_notifications.get().kind == NotificationKind.INITIAL
    assert page.status_code == 200


def test_r_39a_cnil_draft_export_carries_the_form_fields(
    make_breach: Callable[..., Breach], dpo: User, client: Client
) -> None:
    # given
    breach = make_breach(
        consequences="Hameçonnage",
        measures_taken="Accès coupés",
        people_count=1200,
        records_count=1500,
    )
    draft = breach_notification_draft(breach=breach, actor=dpo, kind=NotificationKind.INITIAL)
    log_in(client, dpo)
    # when
    as_json = client.get(
        reverse(
            "breaches:console_notification",
            kwargs={"pk": breach.pk, "notification_id": draft.pk, "format": "json"},
        )
    )
    as_pdf = client.get(
        reverse(
            "breaches:console_notification",
            kwargs={"pk": breach.pk, "notification_id": draft.pk, "format": "pdf"},
        )
    )
    # then
    content = json.loads(as_json.content)
    keys = [f["key"] for s in content["sections"] for f in s["fields"]]
    assert keys == [
        "kind",
        "controller_name",
        "controller_address",
        "controller_sector",
        "dpo_contact",
        "started_at",
        "ended_at",
        "discovered_at",
        "aware_at",
        "discovery_method",
        "delay_reason",
        "natures",
        "circumstance",
        "origin",
        "description",
        "systems",
        "subject_categories",
        "people_count",
        "vulnerable_people",
        "data_categories",
        "data_detail",
        "records_count",
        "consequences",
        "severity",
        "measures_taken",
        "measures_proposed",
        "prior_measures",
        "persons",
        "persons_reason",
        "cross_border",
        "processor",
    ]
    values = {f["key"]: f["value"] for s in content["sections"] for f in s["fields"]}
    assert (values["people_count"], values["consequences"]) == ("1200", "Hameçonnage")
    assert as_pdf.content.startswith(b"%PDF")


def test_r_34_register_export_contains_every_breach_and_its_fields(
    make_breach: Callable[..., Breach], dpo: User, client: Client
) -> None:
    make_breach(title="Clé USB perdue", people_count=30)
    log_in(client, dpo)
    csv_text = client.get(reverse("breaches:console_export", kwargs={"format": "csv"}))
    pdf = client.get(reverse("breaches:console_export", kwargs={"format": "pdf"}))
    lines = csv_text.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Référence,État,Régime,Origine du signalement,Découverte")
    assert "Clé USB perdue" in lines[1]
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="breach.register_exported").count() == 2
