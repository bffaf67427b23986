"""Purge handlers: discovered at start-up, keyset batches of bounded size, hold matching."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from garde.core.models import AuditEvent
from garde.register.selectors import retention_rules_published
from garde.retention.registry import ActiveHolds, HoldRef, ModelPurgeHandler, registry
from tests.retention.factories import register_publish, retention_rule

EventAt = Callable[..., AuditEvent]


def test_apps_register_their_handlers_at_start_up() -> None:
    handler = registry.get("core.audit_events")
    assert handler is not None
    assert (handler.mode, handler.batch_size, handler.minimum_age) == (
        "delete",
        1000,
        timedelta(days=180),
    )
    assert handler.supports_anchor("event")
    assert not handler.supports_anchor("collection")


def test_a_store_key_is_registered_once() -> None:
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        registry.register(
            ModelPurgeHandler(
                key="core.audit_events",
                description="again",
                model=AuditEvent,
                anchor_fields={"event": "occurred_at"},
            )
        )


def test_an_anonymising_handler_must_say_what_to_blank() -> None:
    with pytest.raises(ImproperlyConfigured, match="blank_fields"):
        ModelPurgeHandler(
            key="test.bad",
            description="bad",
            model=AuditEvent,
            anchor_fields={"event": "occurred_at"},
            mode="anonymise",
        )


@pytest.mark.django_db
def test_the_handler_yields_batches_of_at_most_the_batch_size_one_query_each(
    event_at: EventAt, django_assert_num_queries: Callable[[int], object]
) -> None:
    # given: seven expired events and one recent one
    events = [event_at(400) for _ in range(7)]
    event_at(10)
    handler = registry.get("core.audit_events")
    assert handler is not None
    rule = retention_rules_published(register_publish(retention_rule()))[0]
    # when
    batches = handler.due(
        rule=rule,
        cutoff=timezone.now() - timedelta(days=365),
        holds=ActiveHolds(),
        batch_size=3,
    )
    with django_assert_num_queries(1):  # type: ignore[operator]
        first = next(batches)
    rest = list(batches)
    # then: ids come in ascending order, three at most per batch, never all at once
    assert [len(batch.pks) for batch in [first, *rest]] == [3, 3, 1]
    assert [pk for batch in [first, *rest] for pk in batch.pks] == [e.pk for e in events]


def test_the_oldest_matching_hold_is_the_one_reported() -> None:
    older = HoldRef(id=3, reason="older", legal_basis="litigation")
    newer = HoldRef(id=8, reason="newer", legal_basis="accounting")
    holds = ActiveHolds(
        by_user={42: newer},
        by_email={"a@b.example": older},
        by_request={"DSR-2026-0001": newer},
    )
    assert holds.match(user_id=42, email="A@b.example ") == older
    assert holds.match(request_reference=" DSR-2026-0001") == newer
    assert holds.match(user_id=7, email="c@d.example", organisation_id=1) is None
    assert holds.by_id() == {3: older, 8: newer}
