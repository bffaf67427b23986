"""Editing the working register (issue 3, item 4): each change is checked against the
register's rules, saved and audited together; a refused change saves and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from garde.accounts.models import Organisation, User
from garde.core.models import AuditEvent
from garde.register.choices import LegalBasis, ProcessingRole
from garde.register.models import ProcessingActivity, RetentionRule
from garde.register.services.activities import (
    ActivityArchivedError,
    RegisterValidationError,
    activity_archive,
    activity_create,
    activity_restore,
    activity_update,
    retention_rule_delete,
    retention_rule_save,
)
from garde.register.services.publishing import register_publish
from tests.register.console_factories import (
    DataCategoryFactory,
    DataSubjectCategoryFactory,
    ProcessingActivityFactory,
    RetentionRuleFactory,
    StorageLocationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo")


def new_activity_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "newsletter",
        "role": ProcessingRole.CONTROLLER,
        "name_fr": "Newsletter",
        "purposes_fr": "Informer les abonnés",
        "legal_basis": LegalBasis.CONSENT,
        "sources": ["direct"],
        "data_subjects": [DataSubjectCategoryFactory()],
        "data_categories": [DataCategoryFactory()],
        "storage_locations": [StorageLocationFactory()],
    }
    data.update(changes)
    return data


def snapshot_of(activity: ProcessingActivity) -> dict[str, Any]:
    row = ProcessingActivity.objects.filter(pk=activity.pk).values().get()
    row["client_controllers"] = list(activity.client_controllers.values_list("pk", flat=True))
    row["data_categories"] = list(activity.data_categories.values_list("pk", flat=True))
    return row


def test_creating_an_activity_is_audited(dpo: User) -> None:
    # when
    activity = activity_create(actor=dpo, data=new_activity_data())
    # then
    assert activity.slug == "newsletter"
    assert [c.key for c in activity.data_categories.all()] == ["user.contact.email"]
    event = AuditEvent.objects.get(action="register.activity_created")
    assert (event.actor, event.object_id) == (dpo, str(activity.pk))
    assert event.details == {"slug": "newsletter", "role": "controller"}


def test_editing_records_the_names_of_the_changed_fields(dpo: User) -> None:
    # given
    activity = ProcessingActivityFactory()
    before = activity.updated_at
    phone = DataCategoryFactory(key="user.contact.phone_number", name_fr="Téléphone")
    # when
    updated = activity_update(
        actor=dpo,
        activity=activity,
        data={
            "name_fr": activity.name_fr,
            "legal_basis": LegalBasis.LEGITIMATE_INTEREST,
            "purposes_fr": "Prospection commerciale",
            "data_categories": [phone],
        },
    )
    # then
    assert updated.legal_basis == LegalBasis.LEGITIMATE_INTEREST
    assert updated.updated_at > before
    assert [c.key for c in updated.data_categories.all()] == ["user.contact.phone_number"]
    event = AuditEvent.objects.get(action="register.activity_updated")
    assert event.details == {
        "slug": activity.slug,
        "fields": ["data_categories", "legal_basis", "purposes_fr"],
    }


def test_an_edit_that_changes_nothing_records_nothing(dpo: User) -> None:
    activity = ProcessingActivityFactory()
    activity_update(actor=dpo, activity=activity, data={"name_fr": activity.name_fr})
    assert not AuditEvent.objects.filter(action="register.activity_updated").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purposes_fr": "  "}, "purposes_fr"),
        ({"data_categories": []}, "data_categories"),
        ({"data_subjects": []}, "data_subjects"),
        ({"name_fr": ""}, "name_fr"),
        ({"legal_basis": "whim"}, "legal_basis"),
        ({"sources": ["rumour"]}, "sources"),
        ({"not_stated": ["colour"]}, "not_stated"),
        ({"slug": "renamed"}, "slug"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_refused_edit_changes_nothing_and_records_nothing(
    dpo: User, changes: dict[str, Any], field: str
) -> None:
    # given
    activity = ProcessingActivityFactory()
    before = snapshot_of(activity)
    # when
    with pytest.raises(RegisterValidationError) as refused:
        activity_update(actor=dpo, activity=activity, data=changes)
    # then
    assert refused.value.field == field
    assert snapshot_of(activity) == before
    assert not AuditEvent.objects.exists()


def test_r25_a_controller_activity_cannot_name_client_controllers(
    dpo: User, client_org: Organisation
) -> None:
    # given
    activity = ProcessingActivityFactory()
    before = snapshot_of(activity)
    # when
    with pytest.raises(RegisterValidationError) as refused:
        activity_update(actor=dpo, activity=activity, data={"client_controllers": [client_org]})
    # then
    assert refused.value.field == "client_controllers"
    assert snapshot_of(activity) == before
    assert not AuditEvent.objects.exists()


def test_r25_a_processor_activity_names_its_clients_or_acts_on_their_instructions(
    dpo: User, client_org: Organisation
) -> None:
    # given
    data = new_activity_data(slug="hosting", role=ProcessingRole.PROCESSOR)
    # when
    with pytest.raises(RegisterValidationError) as refused:
        activity_create(actor=dpo, data=data)
    on_instructions = activity_create(
        actor=dpo,
        data={**data, "slug": "backups", "legal_basis": LegalBasis.CONTROLLER_INSTRUCTIONS},
    )
    for_clients = activity_create(actor=dpo, data={**data, "client_controllers": [client_org]})
    # then
    assert refused.value.field == "legal_basis"
    assert on_instructions.role == for_clients.role == ProcessingRole.PROCESSOR
    assert list(for_clients.client_controllers.all()) == [client_org]
    assert AuditEvent.objects.filter(action="register.activity_created").count() == 2


def test_r25_only_client_organisations_can_be_client_controllers(
    dpo: User, operator: Organisation
) -> None:
    data = new_activity_data(role=ProcessingRole.PROCESSOR, client_controllers=[operator])
    with pytest.raises(RegisterValidationError) as refused:
        activity_create(actor=dpo, data=data)
    assert refused.value.field == "client_controllers"
    assert not ProcessingActivity.objects.exists()


def test_a_refused_creation_saves_nothing(dpo: User) -> None:
    with pytest.raises(RegisterValidationError) as refused:
        activity_create(actor=dpo, data=new_activity_data(data_categories=[]))
    assert refused.value.field == "data_categories"
    assert not ProcessingActivity.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_duplicate_slug_is_refused(dpo: User) -> None:
    ProcessingActivityFactory(slug="newsletter")
    with pytest.raises(RegisterValidationError) as refused:
        activity_create(actor=dpo, data=new_activity_data())
    assert refused.value.field == "slug"
    assert ProcessingActivity.objects.count() == 1


def test_archived_activities_leave_the_next_version_and_can_be_restored(dpo: User) -> None:
    # given
    kept = ProcessingActivityFactory(slug="kept")
    archived = ProcessingActivityFactory(slug="archived")
    # when
    activity_archive(actor=dpo, activity=archived)
    activity_archive(actor=dpo, activity=archived)
    version = register_publish(actor=dpo)
    activity_restore(actor=dpo, activity=archived)
    # then
    assert [a["slug"] for a in version.snapshot["activities"]] == [kept.slug]
    archived.refresh_from_db()
    assert archived.archived_at is None
    events = AuditEvent.objects.filter(action__startswith="register.activity_").order_by("pk")
    assert list(events.values_list("action", flat=True)) == [
        "register.activity_archived",
        "register.activity_restored",
    ]


def test_an_archived_activity_cannot_be_edited(dpo: User) -> None:
    activity = ProcessingActivityFactory(archived_at=timezone.now())
    with pytest.raises(ActivityArchivedError):
        activity_update(actor=dpo, activity=activity, data={"name_fr": "Autre"})
    activity.refresh_from_db()
    assert activity.name_fr != "Autre"
    assert not AuditEvent.objects.exists()


def test_retention_rules_are_added_changed_and_deleted_with_audit(dpo: User) -> None:
    # given
    activity = ProcessingActivityFactory(slug="contact-forms")
    # when
    rule = retention_rule_save(
        actor=dpo,
        activity=activity,
        data={
            "key": "contact-forms",
            "description_fr": "Formulaires de contact",
            "count": 1,
            "unit": "years",
            "anchor": "last_contact",
        },
    )
    retention_rule_save(actor=dpo, activity=activity, rule=rule, data={"count": 2})
    retention_rule_delete(actor=dpo, rule=rule)
    # then
    assert not RetentionRule.objects.exists()
    events = AuditEvent.objects.filter(action__startswith="register.retention_rule")
    assert [(e.action, e.details) for e in events.order_by("pk")] == [
        ("register.retention_rule_created", {"activity": "contact-forms", "rule": "contact-forms"}),
        (
            "register.retention_rule_updated",
            {"activity": "contact-forms", "rule": "contact-forms", "fields": ["count"]},
        ),
        ("register.retention_rule_deleted", {"activity": "contact-forms", "rule": "contact-forms"}),
    ]


@pytest.mark.parametrize("count", [0, -1])
def test_a_retention_period_must_be_positive(dpo: User, count: int) -> None:
    # given
    rule = RetentionRuleFactory(count=3)
    # when
    with pytest.raises(RegisterValidationError) as refused:
        retention_rule_save(actor=dpo, activity=rule.activity, rule=rule, data={"count": count})
    # then
    assert refused.value.field == "count"
    rule.refresh_from_db()
    assert rule.count == 3
    assert not AuditEvent.objects.exists()


def test_a_rule_until_the_anchor_event_has_no_count(dpo: User) -> None:
    rule = RetentionRuleFactory(count=3)
    retention_rule_save(
        actor=dpo,
        activity=rule.activity,
        rule=rule,
        data={"count": None, "anchor": "unsubscription"},
    )
    rule.refresh_from_db()
    assert (rule.count, rule.anchor) == (None, "unsubscription")


def test_a_rule_of_another_activity_is_refused(dpo: User) -> None:
    rule = RetentionRuleFactory(count=3)
    other = ProcessingActivityFactory()
    with pytest.raises(RegisterValidationError):
        retention_rule_save(actor=dpo, activity=other, rule=rule, data={"count": 5})
    rule.refresh_from_db()
    assert rule.count == 3
