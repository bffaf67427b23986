"""Applying retention rules, and placing and releasing legal holds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.core.calendar import subtract_period
from garde.core.errors import GardeError
from garde.core.services import audit_record
from garde.register.selectors import register_version_latest
from garde.retention.choices import HoldBasis, SweepStatus, SweepTrigger
from garde.retention.errors import SweepAlreadyRunningError
from garde.retention.models import DeletionLog, LegalHold, SweepRun
from garde.retention.registry import (
    ActiveHolds,
    DueBatch,
    HoldRef,
    PurgeHandler,
    identifiers_chain,
)
from garde.retention.selectors import RulePlan, legal_holds_active_index, retention_plan

if TYPE_CHECKING:
    from garde.accounts.models import Organisation, User

# A real sweep that has not committed a batch for this long is taken to have died.
STALE_AFTER = timedelta(hours=1)


def retention_sweep(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    actor: User | None = None,
    trigger: str = SweepTrigger.COMMAND,
    batch_size: int | None = None,
) -> SweepRun:
    """Apply every rule of the latest published register as of ``now``.

    For each rule with a registered handler and a duration, the cut-off is ``now`` minus the
    duration (calendar arithmetic, in local time); records anchored before it are erased batch
    by batch, except those a legal hold keeps, which are counted with the hold. Each rule gets a
    ``DeletionLog``; rules without a handler are logged as not enforced, rules without a
    duration ("until unsubscription") as event-driven. A dry run logs the same figures and
    erases nothing.

    Not one transaction: each batch commits with its log update, so a sweep over millions of
    rows holds no long lock and a crash leaves logs that match what was erased. Running the
    sweep again carries on where it stopped. The sweep's audit event is written with its final
    status. Raises ``SweepAlreadyRunningError`` when another real sweep is in progress.
    """
    now = now or timezone.now()
    version = register_version_latest()
    sweep = _sweep_start(
        dry_run=dry_run,
        actor=actor,
        trigger=trigger,
        register_version=version.number if version else None,
    )
    try:
        holds = legal_holds_active_index(now=now)
        plans = retention_plan(version) if version is not None else []
        for plan in plans:
            _rule_apply(
                sweep=sweep,
                plan=plan,
                now=now,
                holds=holds,
                dry_run=dry_run,
                batch_size=batch_size,
            )
    except Exception as error:
        _sweep_finish(sweep=sweep, actor=actor, status=SweepStatus.FAILED, error=repr(error))
        raise
    _sweep_finish(sweep=sweep, actor=actor, status=SweepStatus.COMPLETED)
    return sweep


@transaction.atomic
def _sweep_start(
    *, dry_run: bool, actor: User | None, trigger: str, register_version: int | None
) -> SweepRun:
    now = timezone.now()
    if not dry_run:
        SweepRun.objects.filter(
            status=SweepStatus.RUNNING, dry_run=False, updated_at__lt=now - STALE_AFTER
        ).update(status=SweepStatus.FAILED, finished_at=now, error="abandoned: no progress")
    try:
        with transaction.atomic():
            return SweepRun.objects.create(
                started_at=now,
                updated_at=now,
                dry_run=dry_run,
                trigger=trigger,
                triggered_by=actor,
                register_version=register_version,
            )
    except IntegrityError:
        raise SweepAlreadyRunningError(_("Une passe de conservation est déjà en cours.")) from None


def _rule_apply(
    *,
    sweep: SweepRun,
    plan: RulePlan,
    now: datetime,
    holds: ActiveHolds,
    dry_run: bool,
    batch_size: int | None,
) -> None:
    rule = plan.rule
    log = DeletionLog(
        sweep=sweep,
        rule_key=rule.key,
        activity_slug=rule.activity_slug,
        store=rule.store,
        rule_count=rule.count,
        rule_unit=rule.unit,
        rule_anchor=rule.anchor,
        outcome=plan.outcome,
        note=plan.note,
    )
    handler = plan.handler
    if handler is None or rule.count is None:
        log.save()
        return
    cutoff = subtract_period(timezone.localtime(now), count=rule.count, unit=rule.unit)
    if handler.minimum_age is not None and cutoff > now - handler.minimum_age:
        cutoff = now - handler.minimum_age
        log.note = (
            f"cut-off moved back to the store's minimum retention ({handler.minimum_age.days} days)"
        )
    log.cutoff = cutoff
    log.mode = handler.mode
    log.batch_size = batch_size or handler.batch_size
    log.save()
    held: dict[int, int] = {}
    reasons = holds.by_id()
    for batch in handler.due(rule=rule, cutoff=cutoff, holds=holds, batch_size=log.batch_size):
        _batch_apply(
            sweep=sweep,
            log=log,
            handler=handler,
            batch=batch,
            held=held,
            reasons=reasons,
            dry_run=dry_run,
        )


@transaction.atomic
def _batch_apply(
    *,
    sweep: SweepRun,
    log: DeletionLog,
    handler: PurgeHandler,
    batch: DueBatch,
    held: dict[int, int],
    reasons: dict[int, HoldRef],
    dry_run: bool,
) -> None:
    erased = 0
    if batch.pks:
        identifiers = handler.identifiers(batch.pks)
        erased = len(batch.pks) if dry_run else handler.erase(batch.pks)
        log.identifiers_sha256 = identifiers_chain(log.identifiers_sha256, identifiers)
        log.erased_count += erased
        if batch.anchor_min is not None and (
            log.anchor_min is None or batch.anchor_min < log.anchor_min
        ):
            log.anchor_min = batch.anchor_min
        if batch.anchor_max is not None and (
            log.anchor_max is None or batch.anchor_max > log.anchor_max
        ):
            log.anchor_max = batch.anchor_max
    newly_held = sum(batch.held.values())
    for hold_id, count in batch.held.items():
        held[hold_id] = held.get(hold_id, 0) + count
    log.held_count += newly_held
    log.held_reasons = [
        {
            "hold": hold_id,
            "reason": reasons[hold_id].reason,
            "legal_basis": reasons[hold_id].legal_basis,
            "count": count,
        }
        for hold_id, count in sorted(held.items())
    ]
    log.updated_at = timezone.now()
    log.save(
        update_fields=[
            "identifiers_sha256",
            "erased_count",
            "anchor_min",
            "anchor_max",
            "held_count",
            "held_reasons",
            "updated_at",
        ]
    )
    SweepRun.objects.filter(pk=sweep.pk).update(
        updated_at=log.updated_at,
        erased_count=F("erased_count") + erased,
        held_count=F("held_count") + newly_held,
    )


@transaction.atomic
def _sweep_finish(*, sweep: SweepRun, actor: User | None, status: str, error: str = "") -> None:
    sweep.refresh_from_db(fields=["erased_count", "held_count"])
    sweep.status = status
    sweep.error = error[:2000]
    sweep.finished_at = sweep.updated_at = timezone.now()
    sweep.save(update_fields=["status", "error", "finished_at", "updated_at"])
    audit_record(
        action=(
            "retention.sweep_completed"
            if status == SweepStatus.COMPLETED
            else "retention.sweep_failed"
        ),
        actor=actor,
        obj=sweep,
        details={
            "dry_run": sweep.dry_run,
            "register_version": sweep.register_version,
            "erased": sweep.erased_count,
            "held": sweep.held_count,
        },
    )


@transaction.atomic
def legal_hold_place(
    *,
    actor: User,
    reason: str,
    legal_basis: str,
    user: User | None = None,
    email: str = "",
    organisation: Organisation | None = None,
    request_reference: str = "",
    until: datetime | None = None,
    request: HttpRequest | None = None,
) -> LegalHold:
    """Hold the records of one person (``user`` and/or ``email``), one ``organisation`` or one
    request (``request_reference``) back from erasure. A hold on an e-mail address is also
    tied to the account with that address, if there is one, so it survives a change of address.
    The caller is responsible for checking that ``actor`` may place holds (the DPO)."""
    reason = reason.strip()
    email = email.strip().lower()
    request_reference = request_reference.strip()
    if not reason:
        raise GardeError(_("Indiquez le motif du gel."), field="reason", code="hold_reason")
    if legal_basis not in HoldBasis.values:
        raise GardeError(_("Choisissez un fondement."), field="legal_basis", code="hold_basis")
    targets = (user is not None or bool(email), organisation is not None, bool(request_reference))
    if sum(targets) != 1:
        raise GardeError(
            _("Visez une seule cible : une personne, une organisation ou une demande."),
            code="hold_target",
        )
    if until is not None and until <= timezone.now():
        raise GardeError(
            _("La fin du gel doit être dans le futur."), field="until", code="hold_until"
        )
    if email and user is None:
        from garde.accounts.models import User

        user = User.objects.filter(email__iexact=email).first()
    hold = LegalHold.objects.create(
        user=user,
        email=email,
        organisation=organisation,
        request_reference=request_reference,
        reason=reason,
        legal_basis=legal_basis,
        until=until,
        created_by=actor,
    )
    audit_record(
        action="retention.hold_placed",
        actor=actor,
        obj=hold,
        request=request,
        details={
            "target": hold.target_kind,
            "legal_basis": legal_basis,
            "until": until.isoformat() if until else None,
        },
    )
    return hold


@transaction.atomic
def legal_hold_release(
    *, hold: LegalHold, actor: User, request: HttpRequest | None = None
) -> LegalHold:
    """Release ``hold``: the next sweep erases what it kept and is due. Releasing a released
    hold changes nothing. The caller checks that ``actor`` may release holds."""
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        return hold
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.save(update_fields=["released_at", "released_by"])
    audit_record(
        action="retention.hold_released",
        actor=actor,
        obj=hold,
        request=request,
        details={"target": hold.target_kind, "legal_basis": hold.legal_basis},
    )
    return hold
