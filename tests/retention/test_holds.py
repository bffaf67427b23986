"""Placing and releasing legal holds: one target, a reason and a basis, always audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from garde.accounts.models import Organisation, User
from garde.core.errors import GardeError
from garde.core.models import AuditEvent
from garde.retention.choices import HoldBasis
from garde.retention.models import LegalHold
from garde.retention.services import legal_hold_place, legal_hold_release

pytestmark = pytest.mark.django_db


def test_placing_a_hold_ties_an_address_to_its_account_and_is_audited(
    make_user: Callable[..., User],
) -> None:
    # given
    dpo = make_user("dpo")
    person = make_user("member", email="paul@acme.example")
    # when
    hold = legal_hold_place(
        actor=dpo,
        email=" Paul@ACME.example ",
        reason="  Réquisition judiciaire 2026/17  ",
        legal_basis=HoldBasis.LCEN,
    )
    # then
    assert (hold.user, hold.email, hold.reason, hold.created_by) == (
        person,
        "paul@acme.example",
        "Réquisition judiciaire 2026/17",
        dpo,
    )
    audit = AuditEvent.objects.get(action="retention.hold_placed")
    assert (audit.actor, audit.object_id, audit.details) == (
        dpo,
        str(hold.pk),
        {"target": "person", "legal_basis": "lcen_2021_1362", "until": None},
    )


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"email": "", "reason": "x"}, "hold_target"),
        ({"email": "a@b.example", "request_reference": "DSR-1", "reason": "x"}, "hold_target"),
        ({"email": "a@b.example", "reason": "   "}, "hold_reason"),
        ({"email": "a@b.example", "reason": "x", "legal_basis": "whim"}, "hold_basis"),
        (
            {"email": "a@b.example", "reason": "x", "until": timezone.now() - timedelta(1)},
            "hold_until",
        ),
    ],
)
def test_a_refused_hold_changes_nothing(
    make_user: Callable[..., User], arguments: dict[str, Any], code: str
) -> None:
    # given
    dpo = make_user("dpo")
    arguments = {"legal_basis": HoldBasis.LITIGATION, **arguments}
    # when
    with pytest.raises(GardeError) as refused:
        legal_hold_place(actor=dpo, **arguments)
    # then
    assert refused.value.code == code
    assert LegalHold.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_releasing_a_hold_is_audited_once(
    make_user: Callable[..., User], client_org: Organisation
) -> None:
    # given
    dpo = make_user("dpo")
    hold = legal_hold_place(
        actor=dpo, organisation=client_org, reason="Litige", legal_basis=HoldBasis.LITIGATION
    )
    # when
    released = legal_hold_release(hold=hold, actor=dpo)
    again = legal_hold_release(hold=hold, actor=dpo)
    # then
    assert (released.released_by, again.released_at) == (dpo, released.released_at)
    assert released.released_at is not None
    assert AuditEvent.objects.filter(action="retention.hold_released").count() == 1
