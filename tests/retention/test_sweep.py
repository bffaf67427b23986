"""Sweeps: with the clock moved, exactly the records past their retention go, held records stay
and the log says why, dry runs erase nothing, and every published rule is accounted for."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db.models import Q

from garde.accounts.models import Organisation, User
from garde.core.models import AuditEvent
from garde.retention.choices import HoldBasis
from garde.retention.errors import SweepAlreadyRunningError
from garde.retention.models import SweepRun
from garde.retention.registry import ModelPurgeHandler, registry
from garde.retention.services import legal_hold_place, legal_hold_release, retention_sweep
from garde.retention.tasks import retention_sweep_daily
from tests.retention.factories import register_publish, retention_rule, surviving

pytestmark = pytest.mark.django_db

EventAt = Callable[..., AuditEvent]


def identifiers_hash(chunks: Sequence[Sequence[int]]) -> str:
    """The deletion log's hash, recomputed from the erased ids cut into chunks."""
    value = ""
    for chunk in chunks:
        lines = "".join(f"{identifier}\n" for identifier in sorted(str(i) for i in chunk))
        chunk_hash = hashlib.sha256(lines.encode()).hexdigest()
        value = hashlib.sha256((value + chunk_hash).encode()).hexdigest()
    return value


def test_a_sweep_erases_exactly_the_audit_events_past_their_retention(
    event_at: EventAt, make_user: Callable[..., User]
) -> None:
    # given: a one-year rule; events 400 and 366 days old are due, 364 days and today are not
    register_publish(retention_rule())
    actor = make_user("member")
    due = [event_at(400, actor), event_at(366, actor)]
    kept = [event_at(364, actor), event_at(0, actor)]
    # when
    sweep = retention_sweep()
    # then
    assert surviving(*due, *kept) == {kept[0].pk, kept[1].pk}
    assert (sweep.status, sweep.dry_run, sweep.erased_count, sweep.held_count) == (
        "completed",
        False,
        2,
        0,
    )


def test_moving_the_clock_past_the_retention_makes_a_record_due(
    event_at: EventAt, now: datetime
) -> None:
    # given: an event 200 days old under a one-year rule
    register_publish(retention_rule())
    event = event_at(200)
    # when: a sweep today, then one 200 days later
    today = retention_sweep()
    with time_machine.travel(now + timedelta(days=200)):
        later = retention_sweep()
    # then
    assert (today.erased_count, later.erased_count) == (0, 1)
    assert surviving(event) == set()


def test_a_held_record_survives_and_the_deletion_log_says_why(
    event_at: EventAt, make_user: Callable[..., User]
) -> None:
    # given: a litigation hold on one person, who acted in two expired events
    register_publish(retention_rule())
    dpo, person, other = make_user("dpo"), make_user("member"), make_user("member")
    hold = legal_hold_place(
        actor=dpo,
        user=person,
        reason="Litige prud'homal n° 24/123",
        legal_basis=HoldBasis.LITIGATION,
    )
    held = [event_at(400, person), event_at(500, person)]
    erased = event_at(400, other)
    # when
    sweep = retention_sweep()
    # then
    assert surviving(*held, erased) == {held[0].pk, held[1].pk}
    log = sweep.logs.get(rule_key="audit-events")
    assert (log.erased_count, log.held_count, sweep.held_count) == (1, 2, 2)
    assert log.held_reasons == [
        {
            "hold": hold.pk,
            "reason": "Litige prud'homal n° 24/123",
            "legal_basis": "litigation",
            "count": 2,
        }
    ]


def test_once_the_hold_is_released_the_next_sweep_erases_what_it_kept(
    event_at: EventAt, make_user: Callable[..., User]
) -> None:
    # given
    register_publish(retention_rule())
    dpo, person = make_user("dpo"), make_user("member")
    hold = legal_hold_place(
        actor=dpo, user=person, reason="Contrôle fiscal", legal_basis=HoldBasis.ACCOUNTING
    )
    event = event_at(400, person)
    assert retention_sweep().held_count == 1
    # when
    legal_hold_release(hold=hold, actor=dpo)
    sweep = retention_sweep()
    # then
    assert (sweep.erased_count, sweep.held_count, surviving(event)) == (1, 0, set())


def test_a_hold_past_its_end_date_no_longer_holds(
    event_at: EventAt, make_user: Callable[..., User], now: datetime
) -> None:
    # given: a hold until ten days from now
    register_publish(retention_rule())
    dpo, person = make_user("dpo"), make_user("member")
    legal_hold_place(
        actor=dpo,
        user=person,
        reason="Réquisition",
        legal_basis=HoldBasis.LCEN,
        until=now + timedelta(days=10),
    )
    event = event_at(400, person)
    # when: one sweep today, one eleven days later
    today = retention_sweep()
    with time_machine.travel(now + timedelta(days=11)):
        later = retention_sweep()
    # then
    assert (today.held_count, later.held_count, later.erased_count) == (1, 0, 1)
    assert surviving(event) == set()


def test_a_hold_on_an_address_holds_an_account_opened_later_with_it(
    event_at: EventAt, make_user: Callable[..., User]
) -> None:
    # given: a hold on an address nobody uses yet, then an account with that address
    register_publish(retention_rule())
    dpo = make_user("dpo")
    hold = legal_hold_place(
        actor=dpo,
        email="Jeanne.Martin@acme.example",
        reason="Plainte en cours",
        legal_basis=HoldBasis.LITIGATION,
    )
    person = make_user("member", email="jeanne.martin@ACME.example")
    event = event_at(400, person)
    # when
    sweep = retention_sweep()
    # then
    assert (hold.email, hold.user) == ("jeanne.martin@acme.example", None)
    assert surviving(event) == {event.pk}
    assert sweep.logs.get().held_reasons[0]["hold"] == hold.pk


def test_a_hold_on_an_organisation_holds_the_events_of_that_organisation(
    event_at: EventAt, make_user: Callable[..., User], client_org: Organisation
) -> None:
    # given
    register_publish(retention_rule())
    dpo = make_user("dpo")
    legal_hold_place(
        actor=dpo,
        organisation=client_org,
        reason="Audit du client",
        legal_basis=HoldBasis.LITIGATION,
    )
    client_event = event_at(400, make_user("org_admin"))
    operator_event = event_at(400, make_user("support"))
    # when
    retention_sweep()
    # then
    assert surviving(client_event, operator_event) == {client_event.pk}


def test_a_dry_run_erases_nothing_and_reports_what_it_would_erase(event_at: EventAt) -> None:
    # given
    register_publish(retention_rule())
    events = [event_at(400), event_at(380), event_at(10)]
    # when
    sweep = retention_sweep(dry_run=True)
    # then
    assert surviving(*events) == {e.pk for e in events}
    assert (sweep.dry_run, sweep.status, sweep.erased_count) == (True, "completed", 2)
    assert sweep.logs.get().erased_count == 2


def test_the_deletion_log_has_the_count_time_range_and_identifiers_hash(
    event_at: EventAt, make_user: Callable[..., User]
) -> None:
    # given: five expired events and, between them, one held event; batches of two
    register_publish(retention_rule())
    dpo, person = make_user("dpo"), make_user("member")
    legal_hold_place(actor=dpo, user=person, reason="Litige", legal_basis=HoldBasis.LITIGATION)
    first, second = event_at(400), event_at(401)
    event_at(450, person)
    third, fourth, fifth = event_at(402), event_at(403), event_at(404)
    # when
    sweep = retention_sweep(batch_size=2)
    # then: the hash chains the erased ids in chunks of two, whatever the held row in between
    log = sweep.logs.get()
    assert (log.erased_count, log.held_count, log.batch_size) == (5, 1, 2)
    assert (log.anchor_min, log.anchor_max) == (fifth.occurred_at, first.occurred_at)
    assert log.identifiers_sha256 == identifiers_hash(
        [[first.pk, second.pk], [third.pk, fourth.pk], [fifth.pk]]
    )


def test_the_hash_does_not_depend_on_the_sweep_being_a_dry_run(event_at: EventAt) -> None:
    register_publish(retention_rule())
    events = [event_at(400 + i) for i in range(3)]
    dry = retention_sweep(dry_run=True).logs.get()
    real = retention_sweep().logs.get()
    expected = identifiers_hash([[e.pk for e in events]])
    assert (dry.identifiers_sha256, real.identifiers_sha256) == (expected, expected)


def test_every_published_rule_is_logged_with_how_it_was_enforced(event_at: EventAt) -> None:
    # given: a rule with a handler, one without, one the store cannot date, one event-driven
    register_publish(
        retention_rule(),
        retention_rule("contact-forms", store="billing.invoices", anchor="collection"),
        retention_rule("audit-by-collection", anchor="collection"),
        retention_rule(
            "newsletter",
            store="marketing.newsletter_subscribers",
            count=None,
            anchor="unsubscription",
        ),
    )
    # when
    sweep = retention_sweep()
    # then
    assert [(log.rule_key, log.outcome, log.note) for log in sweep.logs.order_by("id")] == [
        ("audit-events", "enforced", ""),
        (
            "contact-forms",
            "not_enforced",
            "not enforced: no handler for billing.invoices",
        ),
        (
            "audit-by-collection",
            "not_enforced",
            "not enforced: core.audit_events cannot date its records from collection",
        ),
        (
            "newsletter",
            "event_driven",
            "event-driven: enforced by its own app when the unsubscription event happens",
        ),
    ]


def test_a_rule_under_six_months_is_applied_as_six_months_to_the_audit_trail(
    event_at: EventAt,
) -> None:
    # given: a three-month rule; the audit trail keeps events 180 days at least (CNIL 2021-122)
    register_publish(retention_rule(count=3, unit="months"))
    old, young = event_at(200), event_at(150)
    # when
    sweep = retention_sweep()
    # then
    assert surviving(old, young) == {young.pk}
    assert sweep.logs.get().note == "cut-off moved back to the store's minimum retention (180 days)"


def test_without_a_published_register_a_sweep_enforces_nothing(event_at: EventAt) -> None:
    event = event_at(800)
    sweep = retention_sweep()
    assert (sweep.register_version, sweep.logs.count(), surviving(event)) == (None, 0, {event.pk})


def test_a_sweep_records_one_audit_event_with_its_totals(
    event_at: EventAt, make_user: Callable[..., User]
) -> None:
    # given
    register_publish(retention_rule())
    dpo = make_user("dpo")
    event_at(400)
    # when
    sweep = retention_sweep(actor=dpo)
    # then
    audit = AuditEvent.objects.get(action="retention.sweep_completed")
    assert (audit.actor, audit.object_type, audit.object_id) == (
        dpo,
        "retention.sweeprun",
        str(sweep.pk),
    )
    assert audit.details == {"dry_run": False, "register_version": 1, "erased": 1, "held": 0}


def test_a_second_real_sweep_is_refused_while_one_is_running(event_at: EventAt) -> None:
    # given
    register_publish(retention_rule())
    event = event_at(400)
    SweepRun.objects.create(trigger="schedule")
    # when / then
    with pytest.raises(SweepAlreadyRunningError):
        retention_sweep()
    assert surviving(event) == {event.pk}
    assert SweepRun.objects.count() == 1
    assert retention_sweep(dry_run=True).erased_count == 1  # a dry run may still run


def test_a_sweep_that_stopped_making_progress_no_longer_blocks(now: datetime) -> None:
    # given: a sweep that died two hours ago
    with time_machine.travel(now - timedelta(hours=2)):
        stale = SweepRun.objects.create(trigger="schedule")
    # when
    sweep = retention_sweep()
    # then
    stale.refresh_from_db()
    assert (stale.status, stale.error, sweep.status) == (
        "failed",
        "abandoned: no progress",
        "completed",
    )


class _ExplodingHandler(ModelPurgeHandler):
    def erase(self, pks: Sequence[Any]) -> int:
        raise RuntimeError("disk full")


@pytest.fixture
def exploding_store() -> Iterator[None]:
    registry.register(
        _ExplodingHandler(
            key="test.exploding",
            description="test",
            model=AuditEvent,
            anchor_fields={"event": "occurred_at"},
        )
    )
    yield
    registry.unregister("test.exploding")


@pytest.mark.usefixtures("exploding_store")
def test_a_failing_sweep_is_marked_failed_and_audited(event_at: EventAt) -> None:
    # given
    register_publish(
        retention_rule(),
        retention_rule("boom", store="test.exploding", count=200, unit="days"),
    )
    event_at(400)  # due under both rules: the first erases it
    event_at(300)  # due under the second only, whose handler fails
    # when
    with pytest.raises(RuntimeError, match="disk full"):
        retention_sweep()
    # then: the first rule's batch committed and is logged; the sweep says it failed
    sweep = SweepRun.objects.get()
    assert (sweep.status, sweep.error, sweep.erased_count) == (
        "failed",
        "RuntimeError('disk full')",
        1,
    )
    assert AuditEvent.objects.filter(action="retention.sweep_failed").count() == 1


@pytest.fixture
def closed_accounts_store() -> Iterator[None]:
    registry.register(
        ModelPurgeHandler(
            key="test.closed_accounts",
            description="test",
            model=User,
            anchor_fields={"account_closure": "deleted_at"},
            mode="anonymise",
            blank_fields={"phone": "", "job_title": ""},
            anonymised=Q(phone="", job_title=""),
        )
    )
    yield
    registry.unregister("test.closed_accounts")


@pytest.mark.usefixtures("closed_accounts_store")
def test_an_anonymising_handler_blanks_fields_once(
    make_user: Callable[..., User], now: datetime
) -> None:
    # given: an account closed 400 days ago, one closed 100 days ago, one open
    register_publish(
        retention_rule("closed", store="test.closed_accounts", anchor="account_closure")
    )
    closed = make_user("member", deleted_at=now - timedelta(days=400))
    recent = make_user("member", deleted_at=now - timedelta(days=100))
    active = make_user("member")
    # when
    first, second = retention_sweep(), retention_sweep()
    # then
    assert (first.erased_count, second.erased_count) == (1, 0)
    assert list(
        User.objects.filter(pk__in=[closed.pk, recent.pk, active.pk])
        .order_by("pk")
        .values_list("phone", "job_title")
    ) == [
        ("", ""),
        ("+33 6 12 34 56 78", "Responsable informatique"),
        ("+33 6 12 34 56 78", "Responsable informatique"),
    ]


def test_the_daily_task_is_idempotent(event_at: EventAt) -> None:
    register_publish(retention_rule())
    event_at(400)
    first, second = retention_sweep_daily.call(), retention_sweep_daily.call()
    assert (first["erased"], second["erased"]) == (1, 0)
    assert SweepRun.objects.filter(trigger="schedule").count() == 2
