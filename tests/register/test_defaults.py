"""The seeded register of "inherent": one activity per processing of its published policy, the
policy's own retention values, and the reference values it is silent about marked as such."""

from __future__ import annotations

import pytest
from django.conf import settings

from garde.core.models import AuditEvent
from garde.register.choices import LegalBasis, ProcessingRole
from garde.register.defaults import demo_load, register_load_default, taxonomy_load
from garde.register.models import (
    DataCategory,
    DataSubjectCategory,
    OperatorProfile,
    ProcessingActivity,
    Recipient,
    RegisterVersion,
    RetentionRule,
    SecurityMeasure,
    StorageLocation,
)

pytestmark = pytest.mark.django_db

MODELS = (
    DataCategory,
    DataSubjectCategory,
    OperatorProfile,
    ProcessingActivity,
    Recipient,
    RegisterVersion,
    RetentionRule,
    SecurityMeasure,
    StorageLocation,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_load_default_is_idempotent() -> None:
    # given
    first = register_load_default()
    after_first = counts()
    # when
    second = register_load_default()
    # then
    assert counts() == after_first
    assert after_first["ProcessingActivity"] == 11
    assert after_first["RegisterVersion"] == 1
    assert second.pk == first.pk
    assert AuditEvent.objects.filter(action="register.default_loaded").count() == 1
    assert AuditEvent.objects.filter(action="register.published").count() == 1


def test_load_default_keeps_what_the_dpo_changed() -> None:
    # given
    register_load_default()
    RetentionRule.objects.filter(key="contact-requests").update(count=2)
    ProcessingActivity.objects.filter(slug="newsletter").delete()
    # when
    register_load_default()
    # then: the edit survives, the missing activity comes back, nothing is published
    assert RetentionRule.objects.get(key="contact-requests").count == 2
    assert ProcessingActivity.objects.filter(slug="newsletter").exists()
    assert RegisterVersion.objects.count() == 1


def test_taxonomy_holds_fideslang_defaults_with_parents_and_garde_additions() -> None:
    # when
    created = taxonomy_load()
    # then
    assert created == {"data_categories": 89, "data_subjects": 20}
    email = DataCategory.objects.get(key="user.contact.email")
    assert (email.name_fr, email.name_en, email.parent.key) == (
        "Adresse e-mail",
        "User Contact Email",
        "user.contact",
    )
    assert DataCategory.objects.get(key="user.content.private.cv").parent.key == (
        "user.content.private"
    )
    assert DataCategory.objects.filter(parent__isnull=True).count() == 2  # system, user
    assert set(
        DataSubjectCategory.objects.filter(
            key__in=["end_user", "client_contact", "client_data_subject", "job_applicant"]
        ).values_list("key", flat=True)
    ) == {"end_user", "client_contact", "client_data_subject", "job_applicant"}
    assert taxonomy_load() == {"data_categories": 0, "data_subjects": 0}


def test_operator_profile_is_the_policys() -> None:
    register_load_default()
    profile = OperatorProfile.objects.get()
    assert (profile.company_name, profile.group_name, profile.dpo_email) == (
        "inherent",
        "Adista Group",
        "dpd@adista.fr",
    )
    assert profile.address == (
        "9 rue Blaise Pascal, Site Technologique Saint Jacques 1, 54320 Maxéville \u2013 France"
    )
    assert profile.portal_url == f"{settings.BASE_URL}/portal/"
    assert profile.careers_url == "https://carrieres.adista.fr"


def test_r24_controller_register_has_each_listed_entry_with_its_required_fields() -> None:
    # given: R-24 lists rights requests, cookies, connection logs, contact/callback, newsletter,
    # recruitment, breach register and customer accounts
    register_load_default()
    listed = {
        "rights-requests",
        "website-cookies",
        "connection-logs",
        "contact-forms",
        "newsletter",
        "recruitment",
        "breaches",
        "end-user-accounts",
    }
    # when
    controller = ProcessingActivity.objects.filter(role=ProcessingRole.CONTROLLER)
    # then
    assert listed <= set(controller.values_list("slug", flat=True))
    for activity in controller:
        assert activity.purposes_fr, activity.slug
        assert activity.purposes_en, activity.slug
        assert activity.data_subjects.exists(), activity.slug
        assert activity.data_categories.exists(), activity.slug
        assert activity.recipients.exists(), activity.slug
        assert activity.retention_rules.exists(), activity.slug
        assert activity.security_measures.exists(), activity.slug
        assert activity.storage_locations.exists(), activity.slug


def test_r25_hosting_for_clients_is_in_the_processor_register() -> None:
    register_load_default()
    hosting = ProcessingActivity.objects.get(slug="hosting-services")
    assert hosting.role == ProcessingRole.PROCESSOR
    assert hosting.legal_basis == LegalBasis.CONTROLLER_INSTRUCTIONS
    assert "n'a pas accès" in hosting.description_fr
    assert not hosting.client_controllers.exists()
    assert list(
        ProcessingActivity.objects.filter(role=ProcessingRole.PROCESSOR).values_list(
            "slug", flat=True
        )
    ) == ["hosting-services"]


@pytest.mark.parametrize(
    ("key", "count", "unit", "anchor", "store", "not_stated"),
    [
        # stated by the policy
        ("connection-logs", 1, "years", "connection", "connlogs.connection_logs", False),
        ("contact-requests", 1, "years", "collection", "marketing.contact_requests", False),
        (
            "newsletter-subscribers",
            None,
            "years",
            "unsubscription",
            "marketing.newsletter_subscribers",
            False,
        ),
        ("applications-maximum", 1, "years", "collection", "careers.applications", False),
        # usual reference values, for the DPO to confirm
        (
            "applications-without-agreement",
            3,
            "months",
            "process_end",
            "careers.applications",
            True,
        ),
        ("audit-events", 1, "years", "event", "core.audit_events", True),
        ("cookie-consent-choice", 6, "months", "consent", "consent.records", True),
        ("clients-end-of-contract", 5, "years", "end_of_contract", "", True),
        (
            "prospects-last-contact",
            3,
            "years",
            "last_contact",
            "marketing.commercial_contacts",
            True,
        ),
        ("audience-statistics", 25, "months", "collection", "consent.page_views", True),
        ("rights-requests", 5, "years", "request_closure", "requests.rights_requests", True),
        ("breach-register", 5, "years", "event", "breaches.breaches", True),
    ],
)
def test_r82_seeded_retention_rules(
    key: str, count: int | None, unit: str, anchor: str, store: str, not_stated: bool
) -> None:
    register_load_default()
    rule = RetentionRule.objects.get(key=key)
    assert (rule.count, rule.unit, rule.anchor, rule.store, rule.not_stated) == (
        count,
        unit,
        anchor,
        store,
        not_stated,
    )


def test_r60_connection_logs_match_the_policy() -> None:
    register_load_default()
    logs = ProcessingActivity.objects.get(slug="connection-logs")
    assert logs.legal_basis == LegalBasis.LEGAL_OBLIGATION
    assert "2021-1362" in logs.legal_basis_detail_fr
    assert set(logs.data_categories.values_list("key", flat=True)) == {
        "user.account.username",
        "user.device.ip_address",
        "user.device.connection_time",
    }
    assert list(logs.storage_locations.values_list("name_fr", "country")) == [
        ("Datacenters d'inherent, en France", "FR")
    ]
    assert set(logs.security_measures.values_list("name_fr", flat=True)) == {
        "Systèmes dédiés distincts",
        "Contrôle d'intégrité",
        "Accès restreint aux administrateurs",
    }
    assert set(logs.recipients.values_list("name_fr", flat=True)) == {
        "Administrateurs d'inherent",
        "Autorités judiciaires et administratives habilitées par la loi (réquisitions)",
    }
    assert logs.not_stated == []


def test_newsletter_is_shared_with_no_one_outside_marketing() -> None:
    register_load_default()
    newsletter = ProcessingActivity.objects.get(slug="newsletter")
    assert list(newsletter.recipients.values_list("kind", "name_fr")) == [
        ("staff", "Service Marketing d'inherent")
    ]


def test_not_stated_names_only_real_fields() -> None:
    register_load_default()
    fields = {f.name for f in ProcessingActivity._meta.get_fields()}
    named = {name for a in ProcessingActivity.objects.all() for name in a.not_stated}
    assert named
    assert named <= fields


def test_demo_load_publishes_the_register_and_says_where_the_notice_is() -> None:
    # when
    first = demo_load()
    second = demo_load()
    # then
    assert first == second
    assert "  Register of processing: version 1 published." in first
    assert (
        f"    Privacy notice   {settings.BASE_URL}/confidentialite/ (English: /en/privacy/)"
        in first
    )
    assert RegisterVersion.objects.count() == 1
