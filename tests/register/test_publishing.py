"""Publishing freezes the working register into numbered, audited versions; the operator profile
changes only through an audited service."""

from __future__ import annotations

import pytest

from garde.accounts.models import User
from garde.core.models import AuditEvent
from garde.register.defaults import register_load_default
from garde.register.models import OperatorProfile, RegisterVersion
from garde.register.services.publishing import (
    OperatorProfileFieldError,
    operator_profile_update,
    register_publish,
)
from garde.register.snapshot import working_register_snapshot

pytestmark = pytest.mark.django_db


def test_register_publish_numbers_versions_and_audits_each(dpo: User) -> None:
    # given
    register_load_default()
    # when
    second = register_publish(actor=dpo, note="second")
    third = register_publish(actor=dpo)
    # then
    assert list(RegisterVersion.objects.order_by("number").values_list("number", flat=True)) == [
        1,
        2,
        3,
    ]
    assert (second.published_by, second.note, third.note) == (dpo, "second", "")
    assert second.snapshot == working_register_snapshot()
    events = AuditEvent.objects.filter(action="register.published").order_by("id")
    assert [e.details["number"] for e in events] == [1, 2, 3]
    assert [e.actor for e in events] == [None, dpo, dpo]
    assert events.last().details == {"number": 3, "activities": 11, "note": ""}
    assert (events.last().object_type, events.last().object_id) == (
        "register.registerversion",
        str(third.pk),
    )


def test_operator_profile_update_saves_and_audits_field_names(dpo: User) -> None:
    # given
    register_load_default()
    # when
    profile = operator_profile_update(actor=dpo, dpo_email="dpo@adista.example", group_name="AG")
    # then
    assert OperatorProfile.objects.get().dpo_email == "dpo@adista.example"
    assert profile.group_name == "AG"
    event = AuditEvent.objects.get(action="register.operator_profile_updated")
    assert (event.actor, event.details) == (dpo, {"fields": ["dpo_email", "group_name"]})


def test_operator_profile_update_refuses_unknown_fields_and_changes_nothing(dpo: User) -> None:
    # given
    register_load_default()
    # when
    with pytest.raises(OperatorProfileFieldError) as refused:
        operator_profile_update(actor=dpo, dpo_email="x@example.org", pk="7")
    # then
    assert refused.value.field == "pk"
    assert OperatorProfile.objects.get().dpo_email == "dpd@adista.fr"
    assert not AuditEvent.objects.filter(action="register.operator_profile_updated").exists()


def test_a_profile_change_reaches_the_notice_only_when_published(dpo: User, client: object) -> None:
    # given
    register_load_default()
    operator_profile_update(actor=dpo, dpo_email="dpo@adista.example")
    # when
    before = client.get("/confidentialite/").content.decode()  # type: ignore[attr-defined]
    register_publish(actor=dpo)
    after = client.get("/confidentialite/").content.decode()  # type: ignore[attr-defined]
    # then
    assert "dpd@adista.fr" in before
    assert "dpo@adista.example" not in before
    assert "dpo@adista.example" in after
