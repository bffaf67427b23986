"""Reading the retention engine: what each published rule will do, active holds, past sweeps.

The rules come only from the latest published register (``retention_rules_published``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from garde.register.formatting import retention_period_text
from garde.register.models import RegisterVersion
from garde.register.selectors import (
    PublishedRetentionRule,
    register_version_latest,
    retention_rules_published,
)
from garde.retention.choices import RuleOutcome, SweepStatus
from garde.retention.models import DeletionLog, LegalHold, SweepRun
from garde.retention.registry import ActiveHolds, HoldRef, PurgeHandler, registry


@dataclass(frozen=True)
class RulePlan:
    """A published rule and how a sweep treats it; ``note`` says why when it is not enforced."""

    rule: PublishedRetentionRule
    outcome: str
    note: str
    handler: PurgeHandler | None


def rule_plan(rule: PublishedRetentionRule) -> RulePlan:
    if rule.count is None:
        note = f"event-driven: enforced by its own app when the {rule.anchor} event happens"
        return RulePlan(rule, RuleOutcome.EVENT_DRIVEN, note, None)
    if not rule.store:
        return RulePlan(
            rule, RuleOutcome.NOT_ENFORCED, "not enforced: the rule names no store", None
        )
    handler = registry.get(rule.store)
    if handler is None:
        note = f"not enforced: no handler for {rule.store}"
        return RulePlan(rule, RuleOutcome.NOT_ENFORCED, note, None)
    if not handler.supports_anchor(rule.anchor):
        note = f"not enforced: {rule.store} cannot date its records from {rule.anchor}"
        return RulePlan(rule, RuleOutcome.NOT_ENFORCED, note, None)
    return RulePlan(rule, RuleOutcome.ENFORCED, "", handler)


def retention_plan(version: RegisterVersion | None = None) -> list[RulePlan]:
    """Every rule of ``version`` (default: the latest published) with its enforcement."""
    return [rule_plan(rule) for rule in retention_rules_published(version)]


def _active(now: datetime) -> Q:
    return Q(released_at__isnull=True) & (Q(until__isnull=True) | Q(until__gt=now))


def legal_hold_list_active(*, now: datetime | None = None) -> QuerySet[LegalHold]:
    now = now or timezone.now()
    return LegalHold.objects.filter(_active(now)).select_related(
        "user", "organisation", "created_by"
    )


def legal_hold_get_active(*, hold_id: int) -> LegalHold | None:
    return legal_hold_list_active().filter(pk=hold_id).first()


def legal_holds_active_index(*, now: datetime) -> ActiveHolds:
    """The holds in force at ``now``, indexed for the purge handlers. A hold on an e-mail
    address also holds the account with that address, and one on an account its address."""
    index = ActiveHolds()
    holds = (
        LegalHold.objects.filter(_active(now))
        .order_by("-id")  # the lowest id is written last and wins
        .values_list(
            "id",
            "reason",
            "legal_basis",
            "user_id",
            "user__email",
            "email",
            "organisation_id",
            "request_reference",
        )
    )
    emails: dict[str, HoldRef] = {}
    for hold_id, reason, basis, user_id, user_email, email, org_id, request in holds.iterator():
        ref = HoldRef(id=hold_id, reason=reason, legal_basis=basis)
        if user_id is not None:
            index.by_user[user_id] = ref
            emails[user_email.lower()] = ref
        if email:
            emails[email.lower()] = ref
        if org_id is not None:
            index.by_organisation[org_id] = ref
        if request:
            index.by_request[request.strip()] = ref
    index.by_email.update(emails)
    if emails:
        from garde.accounts.models import User

        same_address = Q()
        for address in emails:
            same_address |= Q(email__iexact=address)
        accounts = User.objects.filter(same_address).values_list("pk", "email")
        for user_pk, email in accounts:
            held = emails[email.lower()]
            current = index.by_user.get(user_pk)
            if current is None or held.id < current.id:
                index.by_user[user_pk] = held
    return index


def sweep_run_list() -> QuerySet[SweepRun]:
    return SweepRun.objects.select_related("triggered_by")


def sweep_run_get(*, sweep_id: int) -> SweepRun | None:
    return sweep_run_list().filter(pk=sweep_id).first()


def sweep_run_latest_completed(*, dry_run: bool = False) -> SweepRun | None:
    return (
        SweepRun.objects.filter(status=SweepStatus.COMPLETED, dry_run=dry_run)
        .order_by("-started_at", "-id")
        .first()
    )


def deletion_log_list(*, sweep: SweepRun) -> QuerySet[DeletionLog]:
    return DeletionLog.objects.filter(sweep=sweep).order_by("id")


def sweep_report(*, limit: int) -> list[tuple[SweepRun, list[DeletionLog]]]:
    """The ``limit`` latest sweeps, newest first, each with its deletion logs (two queries)."""
    sweeps = list(sweep_run_list()[: max(limit, 0)])
    logs: dict[int, list[DeletionLog]] = {sweep.pk: [] for sweep in sweeps}
    for log in DeletionLog.objects.filter(sweep__in=sweeps).order_by("id"):
        logs[log.sweep_id].append(log)
    return [(sweep, logs[sweep.pk]) for sweep in sweeps]


@dataclass(frozen=True)
class RuleStatus:
    """A published rule, how sweeps treat it, and what the latest real sweep did with it."""

    plan: RulePlan
    last_log: DeletionLog | None

    @property
    def outcome_label(self) -> str:
        return str(RuleOutcome(self.plan.outcome).label)

    @property
    def period_text(self) -> str:
        """ "1 an à compter de l'événement enregistré", in the active language."""
        rule = self.plan.rule
        language = "en" if get_language() == "en" else "fr"
        return retention_period_text(
            {"count": rule.count, "unit": rule.unit, "anchor": rule.anchor}, language
        )


def retention_rule_status_list() -> tuple[RegisterVersion | None, list[RuleStatus]]:
    version = register_version_latest()
    plans = retention_plan(version) if version is not None else []
    latest = sweep_run_latest_completed()
    last_logs = {log.rule_key: log for log in deletion_log_list(sweep=latest)} if latest else {}
    return version, [RuleStatus(plan, last_logs.get(plan.rule.key)) for plan in plans]
