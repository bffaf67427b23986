"""The DPO's retention page: rules and their enforcement, holds, sweeps and deletion logs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import User
from garde.core.models import AuditEvent
from garde.retention.choices import HoldBasis
from garde.retention.models import LegalHold
from garde.retention.services import legal_hold_place, retention_sweep
from tests.conftest import log_in
from tests.retention.factories import register_publish, retention_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo_client(client: Client, make_user: Callable[..., User]) -> Client:
    return log_in(client, make_user("dpo", email="dpo@inherent.example"))


def test_the_page_shows_rules_with_their_enforcement_holds_and_sweeps(
    dpo_client: Client, make_user: Callable[..., User], event_at: Callable[..., AuditEvent]
) -> None:
    # given
    register_publish(retention_rule(), retention_rule("contact-forms", store="billing.invoices"))
    legal_hold_place(
        actor=make_user("dpo"),
        email="held@acme.example",
        reason="Litige Dupont",
        legal_basis=HoldBasis.LITIGATION,
    )
    event_at(400)
    retention_sweep()
    # when
    response = dpo_client.get(reverse("retention:console"))
    # then
    assert response.status_code == 200
    rules = {row.plan.rule.key: row for row in response.context["rules"]}
    assert (rules["audit-events"].plan.outcome, rules["audit-events"].last_log.erased_count) == (
        "enforced",
        1,
    )
    assert rules["contact-forms"].plan.note == ("not enforced: no handler for billing.invoices")
    assert [hold.email for hold in response.context["holds"]] == ["held@acme.example"]
    assert response.context["page"].paginator.count == 1
    html = response.content.decode()
    assert "Litige Dupont" in html
    assert "not enforced: no handler for billing.invoices" in html


def test_the_page_query_count_does_not_grow(
    dpo_client: Client,
    make_user: Callable[..., User],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    register_publish(retention_rule())
    for i in range(5):
        legal_hold_place(
            actor=make_user("dpo"),
            user=make_user("member"),
            reason=f"hold {i}",
            legal_basis=HoldBasis.LITIGATION,
        )
        retention_sweep(actor=make_user("dpo"))
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        dpo_client.get(reverse("retention:console"))


def test_the_dpo_places_a_hold_from_the_page(dpo_client: Client) -> None:
    # when
    response = dpo_client.post(
        reverse("retention:console"),
        {
            "request_reference": "DSR-2026-0042",
            "reason": "Demande contestée",
            "legal_basis": "litigation",
            "until": "2099-12-31",
        },
    )
    # then
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.request_reference, hold.reason, hold.created_by.email) == (
        "DSR-2026-0042",
        "Demande contestée",
        "dpo@inherent.example",
    )
    assert hold.until == datetime(2100, 1, 1, tzinfo=ZoneInfo("Europe/Paris"))  # end of the day
    assert AuditEvent.objects.filter(action="retention.hold_placed").count() == 1


def test_a_hold_without_a_target_is_refused_and_nothing_changes(dpo_client: Client) -> None:
    response = dpo_client.post(
        reverse("retention:console"), {"reason": "Litige", "legal_basis": "litigation"}
    )
    assert response.status_code == 400
    assert "Visez une seule cible" in response.content.decode()
    assert LegalHold.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="retention.").exists()


def test_the_dpo_releases_a_hold(dpo_client: Client, make_user: Callable[..., User]) -> None:
    # given
    hold = legal_hold_place(
        actor=make_user("dpo"),
        email="x@acme.example",
        reason="Litige",
        legal_basis=HoldBasis.LITIGATION,
    )
    # when
    response = dpo_client.post(reverse("retention:hold_release", args=[hold.pk]))
    again = dpo_client.post(reverse("retention:hold_release", args=[hold.pk]))
    # then
    hold.refresh_from_db()
    assert (response.status_code, again.status_code) == (302, 404)
    assert hold.released_by is not None
    assert hold.released_by.email == "dpo@inherent.example"


def test_the_sweep_page_lists_its_deletion_logs(
    dpo_client: Client, event_at: Callable[..., AuditEvent]
) -> None:
    # given
    register_publish(retention_rule())
    event_at(400)
    sweep = retention_sweep(dry_run=True)
    # when
    response = dpo_client.get(reverse("retention:sweep_detail", args=[sweep.pk]))
    # then
    log = sweep.logs.get()
    assert [entry.pk for entry in response.context["logs"]] == [log.pk]
    html = response.content.decode()
    assert log.identifiers_sha256 in html
    assert "Simulation" in html
