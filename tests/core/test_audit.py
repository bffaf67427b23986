"""The audit trail: append-only (model, queryset and database refuse changes), removed only by
the retention sweep (tests/retention), and visible to each viewer as far as their role allows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garde.accounts.models import Organisation, User
from garde.core.errors import AuditImmutableError
from garde.core.models import AuditEvent
from garde.core.selectors import audit_event_list_for_viewer
from garde.core.services import audit_record
from tests.conftest import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(make_user: Callable[..., User]) -> AuditEvent:
    return audit_record(action="test.happened", actor=make_user("member"), details={"n": 1})


def test_audit_record_copies_actor_roles_organisation_and_ip(
    make_user: Callable[..., User], rf: object
) -> None:
    user = make_user("org_dpo")
    request = rf.get("/", REMOTE_ADDR="203.0.113.9")  # type: ignore[attr-defined]
    event = audit_record(action="x.y", actor=user, obj=user, request=request)
    assert (event.actor_roles, event.organisation.name, event.source_ip) == (
        "org_dpo",
        "Acme Industries",
        "203.0.113.9",
    )
    assert (event.object_type, event.object_id) == ("accounts.user", str(user.pk))


def test_a_saved_event_cannot_be_saved_again(event: AuditEvent) -> None:
    event.action = "tampered"
    with pytest.raises(AuditImmutableError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.happened"


def test_queryset_update_and_delete_are_refused(event: AuditEvent) -> None:
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditImmutableError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="test.happened").exists()


def test_the_database_refuses_an_update_in_raw_sql(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'tampered' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.happened"


def test_postgresql_refuses_deleting_a_recent_event_in_raw_sql(event: AuditEvent) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE trigger exists on PostgreSQL only (see docs/design-notes.md)")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_purge_pks_removes_exactly_the_given_events(make_user: Callable[..., User]) -> None:
    # given: three events old enough for PostgreSQL's trigger (the retention sweep picks them)
    user = make_user("member")
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        first, second, third = (audit_record(action="old", actor=user) for _ in range(3))
    # when
    deleted = AuditEvent.objects.purge_pks([first.pk, third.pk, 999999])
    # then
    assert deleted == 2
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {second.pk}


def test_dpo_sees_everything_org_admin_their_organisation_member_themselves(
    make_user: Callable[..., User], other_client_org: Organisation
) -> None:
    # given
    dpo, admin, member = make_user("dpo"), make_user("org_admin"), make_user("member")
    colleague = make_user("member")
    outsider = make_user("member", organisation=other_client_org)
    for actor in (member, colleague, outsider):
        audit_record(action="test.action", actor=actor)

    def actors(viewer: User) -> set[int]:
        return set(
            audit_event_list_for_viewer(viewer=viewer, action="test.").values_list(
                "actor_id", flat=True
            )
        )

    # then
    assert actors(dpo) == {member.pk, colleague.pk, outsider.pk}
    assert actors(admin) == {member.pk, colleague.pk}
    assert actors(member) == {member.pk}


def test_console_audit_page_filters_by_action_and_paginates(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    dpo = make_user("dpo")
    for i in range(60):
        audit_record(action="bulk.event", actor=dpo, details={"i": i})
    log_in(client, dpo)
    # when
    first = client.get(reverse("web:console_audit"), {"action": "bulk."})
    second = client.get(reverse("web:console_audit"), {"action": "bulk.", "page": 2})
    # then
    assert first.context["page"].paginator.count == 60
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 10


def test_console_audit_list_query_count_does_not_grow(
    client: Client,
    make_user: Callable[..., User],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    dpo = make_user("dpo")
    for _ in range(30):
        audit_record(action="bulk.event", actor=make_user("member"))
    log_in(client, dpo)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        client.get(reverse("web:console_audit"))


def test_portal_activity_of_a_member_lists_only_their_events(
    client: Client, make_user: Callable[..., User]
) -> None:
    member, colleague = make_user("member"), make_user("member")
    audit_record(action="mine.event", actor=member)
    audit_record(action="theirs.event", actor=colleague)
    log_in(client, member)
    page = client.get(reverse("web:portal_activity")).context["page"]
    assert {e.action for e in page.object_list} == {"mine.event"}
