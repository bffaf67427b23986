"""The DPO console of the register (issue 3, items 4 and 6): list, detail, editing, retention
rules, versions, comparison and downloads. Only the DPO reaches it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from garde.accounts.models import Organisation, User
from garde.core.models import AuditEvent
from garde.register.choices import LegalBasis, ProcessingRole
from garde.register.models import ProcessingActivity, RegisterVersion, RetentionRule
from garde.register.services.activities import retention_rule_save
from garde.register.services.publishing import register_publish
from tests.conftest import log_in
from tests.register.console_factories import (
    ProcessingActivityFactory,
    RetentionRuleFactory,
    activity_data,
)

pytestmark = pytest.mark.django_db
NOT_STATED = "non précisé dans la politique publiée — à décider"


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo")


@pytest.fixture
def dpo_client(client: Client, dpo: User) -> Client:
    return log_in(client, dpo)


def page(client: Client, name: str, *, status: int = 200, **kwargs: Any) -> str:
    response = client.get(reverse(name, kwargs=kwargs or None))
    assert response.status_code == status
    return response.content.decode()


def state(activity: ProcessingActivity) -> dict[str, Any]:
    row = ProcessingActivity.objects.filter(pk=activity.pk).values().get()
    row["client_controllers"] = sorted(activity.client_controllers.values_list("pk", flat=True))
    return row


@pytest.mark.parametrize(("role", "status"), [("dpo", 200), ("support", 403), ("sysadmin", 403)])
def test_only_the_dpo_reaches_the_register_console(
    client_as: Callable[[str], Client], role: str, status: int
) -> None:
    response = client_as(role).get(reverse("register:console_activities"))
    assert response.status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get(reverse("register:console_versions"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_console_tab_links_to_the_register_for_the_dpo_only(
    client_as: Callable[[str], Client], make_user: Callable[..., User], client: Client
) -> None:
    link = f'href="{reverse("register:console_activities")}"'
    assert link in page(client_as("dpo"), "web:console_home")
    log_in(client, make_user("support"))
    assert link not in page(client, "web:console_home")


def test_r24_r25_the_list_shows_the_controller_and_processor_registers_apart_with_pinned_queries(
    dpo_client: Client,
    client_org: Organisation,
    django_assert_max_num_queries: Callable[[int], Any],
) -> None:
    # given
    for n in range(6):
        RetentionRuleFactory(activity=ProcessingActivityFactory(name_fr=f"Contrôle {n}"))
        ProcessingActivityFactory(
            name_fr=f"Hébergement {n}",
            role=ProcessingRole.PROCESSOR,
            legal_basis=LegalBasis.CONTROLLER_INSTRUCTIONS,
            client_controllers=[client_org],
        )
    # when
    # session, user, roles, count, latest version, activities, their clients: 7 for any size
    with django_assert_max_num_queries(7):
        html = page(dpo_client, "register:console_activities")
    # then
    controller = html.index("<h3>Responsable de traitement (art. 30.1)</h3>")
    processor = html.index("<h3>Sous-traitant (art. 30.2)</h3>")
    assert controller < html.index("Contrôle 5") < processor < html.index("Hébergement 0")
    assert html.count("Acme Industries") == 6
    assert "12 traitements" in html


def test_the_list_searches_names_and_filters_by_register_and_archive(dpo_client: Client) -> None:
    # given
    ProcessingActivityFactory(name_fr="Newsletter", name_en="Newsletter")
    ProcessingActivityFactory(name_fr="Recrutement", name_en="Recruitment")
    ProcessingActivityFactory(name_fr="Ancien recrutement", archived_at=timezone.now())
    url = reverse("register:console_activities")

    def listed(**query: str) -> list[str]:
        response = dpo_client.get(url, query)
        return [a.name_fr for a in response.context["page"]]

    # when / then
    assert listed() == ["Newsletter", "Recrutement"]
    assert listed(q="recruit") == ["Recrutement"]
    assert listed(q="recrut", archived="all") == ["Ancien recrutement", "Recrutement"]
    assert listed(archived="archived") == ["Ancien recrutement"]
    assert listed(role="processor") == []
    assert listed(role="nonsense") == ["Newsletter", "Recrutement"]


def test_long_lists_are_paginated(dpo_client: Client) -> None:
    ProcessingActivityFactory.create_batch(51)
    url = reverse("register:console_activities")
    assert len(dpo_client.get(url).context["page"]) == 50
    assert len(dpo_client.get(url, {"page": 2}).context["page"]) == 1


def test_the_detail_page_shows_every_field_and_highlights_what_is_still_to_decide(
    dpo_client: Client,
) -> None:
    # given
    activity = ProcessingActivityFactory(
        name_fr="Prospection",
        legal_basis_detail_fr="Intérêt commercial",
        not_stated=["legal_basis", "storage_locations"],
    )
    RetentionRuleFactory(activity=activity, key="prospects", not_stated=True)
    # when
    html = page(dpo_client, "register:console_activity", slug=activity.slug)
    # then
    for text in (
        "Prospection",
        "Gestion de la relation client",
        "Exécution d&#x27;un contrat (art. 6.1.b)",
        "Intérêt commercial",
        "user.contact.email",
        "Service commercial",
        "Datacenters de l&#x27;opérateur, en France",
        "Contrôle d&#x27;accès par rôle",
        "prospects",
    ):
        assert text in html
    assert html.count(f"<mark>{NOT_STATED}</mark>") == 3  # two fields and one rule
    assert "Base légale, Lieux de conservation" in html


def test_an_unknown_activity_is_a_404(dpo_client: Client) -> None:
    page(dpo_client, "register:console_activity", status=404, slug="nope")


def test_the_dpo_creates_an_activity_through_the_form(dpo_client: Client, dpo: User) -> None:
    # given
    template = ProcessingActivityFactory(slug="template")
    data = activity_data(template, slug="newsletter", name_fr="Newsletter")
    # when
    response = dpo_client.post(reverse("register:console_activity_create"), data)
    # then
    assert response.status_code == 302
    created = ProcessingActivity.objects.get(slug="newsletter")
    assert response["Location"] == reverse("register:console_activity", args=["newsletter"])
    assert created.name_fr == "Newsletter"
    assert AuditEvent.objects.get(action="register.activity_created").actor == dpo


def test_editing_through_the_form_is_audited_with_the_changed_field_names(
    dpo_client: Client, dpo: User
) -> None:
    # given
    activity = ProcessingActivityFactory(not_stated=["legal_basis"])
    data = activity_data(
        activity,
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        transfers_outside_eu_fr="Aucun",
        not_stated=[],
    )
    # when
    response = dpo_client.post(
        reverse("register:console_activity_edit", args=[activity.slug]), data
    )
    # then
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.legal_basis, activity.not_stated) == (LegalBasis.LEGITIMATE_INTEREST, [])
    event = AuditEvent.objects.get(action="register.activity_updated")
    assert event.actor == dpo
    assert event.details == {
        "slug": activity.slug,
        "fields": ["legal_basis", "not_stated", "transfers_outside_eu_fr"],
    }


def test_r25_a_refused_edit_shows_the_rule_and_changes_nothing(
    dpo_client: Client, client_org: Organisation
) -> None:
    # given
    activity = ProcessingActivityFactory()
    before = state(activity)
    data = activity_data(activity, name_fr="Renommé", client_controllers=[client_org.pk])
    # when
    response = dpo_client.post(
        reverse("register:console_activity_edit", args=[activity.slug]), data
    )
    # then
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["client_controllers"]
    assert state(activity) == before
    assert not AuditEvent.objects.filter(action__startswith="register.").exists()


def test_invalid_form_data_changes_nothing(dpo_client: Client) -> None:
    # given
    activity = ProcessingActivityFactory()
    before = state(activity)
    data = activity_data(activity, purposes_fr="", data_categories=[])
    # when
    response = dpo_client.post(
        reverse("register:console_activity_edit", args=[activity.slug]), data
    )
    # then
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"purposes_fr", "data_categories"}
    assert state(activity) == before
    assert not AuditEvent.objects.filter(action__startswith="register.").exists()


def test_the_slug_cannot_be_changed_through_the_form(dpo_client: Client) -> None:
    activity = ProcessingActivityFactory(slug="prospects")
    data = activity_data(activity, slug="renamed", name_fr="Prospection B2B")
    dpo_client.post(reverse("register:console_activity_edit", args=["prospects"]), data)
    activity.refresh_from_db()
    assert (activity.slug, activity.name_fr) == ("prospects", "Prospection B2B")


def test_archive_and_restore_are_posts(dpo_client: Client) -> None:
    # given
    activity = ProcessingActivityFactory()
    archive = reverse("register:console_activity_archive", args=[activity.slug])
    # when
    refused_get = dpo_client.get(archive)
    archived = dpo_client.post(archive)
    activity.refresh_from_db()
    archived_at = activity.archived_at
    dpo_client.post(reverse("register:console_activity_restore", args=[activity.slug]))
    # then
    assert refused_get.status_code == 405
    assert archived.status_code == 302
    assert archived_at is not None
    activity.refresh_from_db()
    assert activity.archived_at is None


def test_retention_rules_are_added_edited_and_deleted_on_the_activity_page(
    dpo_client: Client,
) -> None:
    # given
    activity = ProcessingActivityFactory(slug="contact-forms")
    rule_data = {
        "key": "contact-forms",
        "description_fr": "Formulaires de contact",
        "count": "1",
        "unit": "years",
        "anchor": "last_contact",
    }
    # when
    added = dpo_client.post(
        reverse("register:console_rule_create", args=["contact-forms"]), rule_data
    )
    rule = RetentionRule.objects.get()
    edit = reverse("register:console_rule_edit", args=["contact-forms", rule.pk])
    edited = dpo_client.post(edit, {**rule_data, "count": "2"})
    rule.refresh_from_db()
    count_after_edit = rule.count
    deleted = dpo_client.post(
        reverse("register:console_rule_delete", args=["contact-forms", rule.pk])
    )
    # then
    assert [added.status_code, edited.status_code, deleted.status_code] == [302, 302, 302]
    assert count_after_edit == 2
    assert not RetentionRule.objects.filter(activity=activity).exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="register.retention_rule")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "register.retention_rule_created",
        "register.retention_rule_updated",
        "register.retention_rule_deleted",
    ]


def test_a_zero_retention_period_is_refused_on_the_form(dpo_client: Client) -> None:
    # given
    rule = RetentionRuleFactory(count=3)
    url = reverse("register:console_rule_edit", args=[rule.activity.slug, rule.pk])
    # when
    response = dpo_client.post(
        url,
        {
            "key": rule.key,
            "description_fr": rule.description_fr,
            "count": "0",
            "unit": rule.unit,
            "anchor": rule.anchor,
        },
    )
    # then
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["count"]
    rule.refresh_from_db()
    assert rule.count == 3
    assert not AuditEvent.objects.filter(action__startswith="register.").exists()


def test_a_rule_of_another_activity_is_a_404(dpo_client: Client) -> None:
    rule = RetentionRuleFactory()
    other = ProcessingActivityFactory()
    url = reverse("register:console_rule_edit", args=[other.slug, rule.pk])
    assert dpo_client.get(url).status_code == 404
    assert (
        dpo_client.post(
            reverse("register:console_rule_delete", args=[other.slug, rule.pk])
        ).status_code
        == 404
    )
    assert RetentionRule.objects.filter(pk=rule.pk).exists()


def test_r26_publishing_from_the_console_freezes_a_numbered_dated_version(
    dpo_client: Client, dpo: User
) -> None:
    # given
    ProcessingActivityFactory(name_fr="Prospection")
    # when
    response = dpo_client.post(reverse("register:console_publish"), {"note": "Première version"})
    # then
    version = RegisterVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("register:console_version", args=[1])
    assert (version.number, version.published_by, version.note) == (1, dpo, "Première version")
    listing = page(dpo_client, "register:console_versions")
    assert "Première version" in listing
    assert dpo.email in listing
    detail = page(dpo_client, "register:console_version", number=1)
    assert "Prospection" in detail
    assert "Registre du responsable de traitement (art. 30.1 RGPD)" in detail


def test_publishing_is_a_post(dpo_client: Client) -> None:
    assert dpo_client.get(reverse("register:console_publish")).status_code == 405
    assert not RegisterVersion.objects.exists()


def test_r26_two_versions_compared_show_the_changed_retention_period(
    dpo_client: Client, dpo: User
) -> None:
    # given
    rule = RetentionRuleFactory(
        activity=ProcessingActivityFactory(slug="contact-forms", name_fr="Formulaires"),
        key="contact-forms",
        count=1,
    )
    register_publish(actor=dpo)
    retention_rule_save(actor=dpo, activity=rule.activity, rule=rule, data={"count": 3})
    register_publish(actor=dpo)
    # when
    response = dpo_client.get(reverse("register:console_compare"), {"a": 1, "b": 2})
    # then
    assert response.status_code == 200
    (item,) = response.context["diffs"]
    assert item["diff"].slug == "contact-forms"
    ((label, change),) = item["changes"]
    assert (label, change.old, change.new) == (
        "Durées de conservation « contact-forms » · durée",
        "1 an à compter du dernier contact",
        "3 ans à compter du dernier contact",
    )
    html = response.content.decode()
    assert "1 an à compter du dernier contact" in html
    assert "3 ans à compter du dernier contact" in html


def test_comparing_with_an_unknown_version_is_a_404(dpo_client: Client, dpo: User) -> None:
    register_publish(actor=dpo)
    response = dpo_client.get(reverse("register:console_compare"), {"a": 1, "b": 7})
    assert response.status_code == 404


@pytest.fixture
def two_versions(dpo: User) -> RegisterVersion:
    ProcessingActivityFactory(slug="prospects", name_fr="Prospection")
    register_publish(actor=dpo)
    ProcessingActivityFactory(slug="newsletter", name_fr="Newsletter")
    return register_publish(actor=dpo)


def test_r26_one_click_csv_export_of_the_latest_version(
    dpo_client: Client, two_versions: RegisterVersion
) -> None:
    # when
    response = dpo_client.get(reverse("register:console_export_csv"))
    # then
    day = timezone.localtime(two_versions.published_at).date().isoformat()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="registre-v2-{day}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["register_version"], r["slug"]) for r in rows] == [
        ("2", "newsletter"),
        ("2", "prospects"),
    ]


def test_r26_json_and_pdf_exports_of_an_older_version(
    dpo_client: Client, two_versions: RegisterVersion
) -> None:
    # when
    document = dpo_client.get(reverse("register:console_export_json"), {"version": 1}).json()
    pdf = dpo_client.get(reverse("register:console_export_pdf"), {"version": 1})
    # then
    assert document["number"] == 1
    assert [a["slug"] for a in document["snapshot"]["activities"]] == ["prospects"]
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Prospection" in text
    assert "Newsletter" not in text


@pytest.mark.parametrize("fmt", ["csv", "json", "pdf"])
def test_exports_are_404_before_any_publication_or_for_an_unknown_version(
    dpo_client: Client, dpo: User, fmt: str
) -> None:
    url = reverse(f"register:console_export_{fmt}")
    assert dpo_client.get(url).status_code == 404
    register_publish(actor=dpo)
    assert dpo_client.get(url, {"version": 9}).status_code == 404
    assert dpo_client.get(url, {"version": "x"}).status_code == 404
    assert dpo_client.get(url).status_code == 200


def test_json_export_matches_the_published_snapshot(
    dpo_client: Client, two_versions: RegisterVersion
) -> None:
    body = json.loads(dpo_client.get(reverse("register:console_export_json")).content)
    assert body["snapshot"] == two_versions.snapshot
