"""HR's console: offers CRUD (open/close), the applications list (filters, search, pagination,
pinned query count), the detail with pipeline transitions and notes, and the audited CV
download. Only hr sees applications and CVs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import User
from garde.careers import services
from garde.careers.models import Application, ApplicationNote, JobOffer
from garde.core.models import AuditEvent
from tests.careers.conftest import Submit
from tests.conftest import log_in
from tests.requests import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(client: Client, hr: User) -> Client:
    return log_in(client, hr)


def test_hr_creates_edits_closes_and_deletes_offers(hr_client: Client, hr: User) -> None:
    # when
    created = hr_client.post(
        reverse("careers:console_offer_new"),
        {"title": "Technicien", "location": "Metz", "description": "Réseaux", "is_open": "on"},
    )
    offer = JobOffer.objects.get()
    hr_client.post(
        reverse("careers:console_offer_edit", kwargs={"pk": offer.pk}),
        {
            "title": "Technicien réseau",
            "location": "Metz",
            "description": "Réseaux",
            "is_open": "on",
        },
    )
    hr_client.post(reverse("careers:console_offer_toggle", kwargs={"pk": offer.pk}))
    offer.refresh_from_db()
    # then
    assert created.status_code == 302
    assert (offer.title, offer.is_open) == ("Technicien réseau", False)
    # when
    hr_client.post(reverse("careers:console_offer_delete", kwargs={"pk": offer.pk}))
    # then
    assert JobOffer.objects.count() == 0
    assert list(
        AuditEvent.objects.filter(action__startswith="careers.offer")
        .order_by("pk")
        .values_list("action", "actor_id")
    ) == [
        ("careers.offer_created", hr.pk),
        ("careers.offer_updated", hr.pk),
        ("careers.offer_closed", hr.pk),
        ("careers.offer_deleted", hr.pk),
    ]


def test_an_offer_with_applications_cannot_be_deleted(
    hr_client: Client, offer: JobOffer, submit: Submit
) -> None:
    # given
    submit(offer=offer)
    # when
    response = hr_client.post(
        reverse("careers:console_offer_delete", kwargs={"pk": offer.pk}), follow=True
    )
    # then
    assert JobOffer.objects.filter(pk=offer.pk).exists()
    assert [str(m) for m in response.context["messages"]] == [
        "Des candidatures concernent cette offre : fermez-la plutôt que de la supprimer."
    ]


def test_an_empty_offer_form_is_refused_and_stores_nothing(hr_client: Client) -> None:
    # when
    response = hr_client.post(reverse("careers:console_offer_new"), {"title": "", "location": ""})
    # then
    assert response.status_code == 400
    assert JobOffer.objects.count() == 0


def test_the_list_filters_by_offer_status_and_search_and_pins_its_queries(
    hr_client: Client,
    offer: JobOffer,
    submit: Submit,
    hr: User,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    # given
    to_offer = submit(offer=offer, full_name="Alice Durand", email="alice@example.org")
    spontaneous = submit(full_name="Bruno Petit", email="bruno@example.org")
    refused = submit(offer=offer, full_name="Chloé Roux", email="chloe@example.org")
    services.application_transition(application=refused, actor=hr, to="refused")
    url = reverse("careers:console_applications")

    def names(query: dict[str, str]) -> list[str]:
        return [a.full_name for a in hr_client.get(url, query).context["page"]]

    # then
    assert names({}) == ["Chloé Roux", "Bruno Petit", "Alice Durand"]
    assert names({"offer": str(offer.pk)}) == ["Chloé Roux", "Alice Durand"]
    assert names({"offer": "spontaneous"}) == ["Bruno Petit"]
    assert names({"status": "refused"}) == ["Chloé Roux"]
    assert names({"q": "bruno@"}) == ["Bruno Petit"]
    assert names({"status": "nope"}) == ["Chloé Roux", "Bruno Petit", "Alice Durand"]
    assert {to_offer.pk, spontaneous.pk} < set(Application.objects.values_list("pk", flat=True))
    # session, user, roles, count, page, offers for the filter: not one per row
    with django_assert_num_queries(6):
        hr_client.get(url)


def test_the_list_is_paginated(hr_client: Client, submit: Submit) -> None:
    # given
    for index in range(27):
        submit(full_name=f"Candidat {index:02d}")
    # when
    second = hr_client.get(reverse("careers:console_applications"), {"page": "2"})
    # then
    assert [a.full_name for a in second.context["page"]] == ["Candidat 01", "Candidat 00"]


def test_hr_moves_an_application_along_the_pipeline_and_adds_notes(
    hr_client: Client, submit: Submit, hr: User
) -> None:
    # given
    application = submit()
    url = reverse("careers:console_application", kwargs={"pk": application.pk})
    # when
    for step in ("reviewed", "interview", "hired"):
        hr_client.post(url, {"to": step})
    hr_client.post(url, {"note-body": "Très bon entretien."})
    refused = hr_client.post(url, {"to": "received"})
    # then
    application.refresh_from_db()
    assert application.status == "hired"
    assert application.process_ended_at is not None
    assert refused.status_code == 400
    assert list(ApplicationNote.objects.values_list("body", "author_id")) == [
        ("Très bon entretien.", hr.pk)
    ]
    assert [
        e.details
        for e in AuditEvent.objects.filter(action="careers.application_status_changed").order_by(
            "pk"
        )
    ] == [
        {"from": "received", "to": "reviewed"},
        {"from": "reviewed", "to": "interview"},
        {"from": "interview", "to": "hired"},
    ]


def test_hr_downloads_the_cv_as_an_attachment_and_the_download_is_audited(
    hr_client: Client, submit: Submit, hr: User
) -> None:
    # given
    application = submit()
    # when
    response = hr_client.get(reverse("careers:console_cv", kwargs={"pk": application.pk}))
    # then
    assert response.status_code == 200
    assert response.content == samples.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="cv.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action="careers.cv_downloaded")
    assert (event.actor_id, event.object_id, event.source_ip) == (
        hr.pk,
        str(application.pk),
        "127.0.0.1",
    )


@pytest.mark.parametrize("role", ["dpo", "support", "sales", "marketing", "sysadmin", "member"])
def test_only_hr_sees_applications_and_cvs(
    client: Client, make_user: Callable[..., User], submit: Submit, role: str
) -> None:
    # given
    application = submit()
    log_in(client, make_user(role))
    # when
    responses = [
        client.get(reverse("careers:console_applications")),
        client.get(reverse("careers:console_application", kwargs={"pk": application.pk})),
        client.get(reverse("careers:console_cv", kwargs={"pk": application.pk})),
    ]
    # then
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert not AuditEvent.objects.filter(action="careers.cv_downloaded").exists()
