"""Reading the fulfilment engine's records: restrictions in force (which Garde's own stores
honour), art. 19 notification tasks, the erasure journal."""

from __future__ import annotations

from django.db.models import QuerySet

from garde.dsr.choices import NotificationStatus
from garde.dsr.erasure import identity_normalise
from garde.dsr.models import (
    ErasureJournalEntry,
    FulfilmentRun,
    ProcessingRestriction,
    RecipientNotification,
)


def restriction_active(*, identity_type: str, identity_value: str) -> bool:
    """True while a restriction (GDPR art. 18) is in force for this identity: the caller's store
    keeps the data but must not use it (no mailing, no profiling, no change but by the DPO).
    Matching is on the identity as restrictions store it (trimmed, e-mails in lower case)."""
    kind, value = identity_normalise(identity_type, identity_value)
    return ProcessingRestriction.objects.filter(
        identity_type=kind, identity_value=value, lifted_at__isnull=True
    ).exists()


def restriction_list(*, active_only: bool = True) -> QuerySet[ProcessingRestriction]:
    restrictions = ProcessingRestriction.objects.select_related("request", "created_by")
    if active_only:
        restrictions = restrictions.filter(lifted_at__isnull=True)
    return restrictions.order_by("-created_at", "-pk")


def notification_list(
    *, run: FulfilmentRun | None = None, open_only: bool = False
) -> QuerySet[RecipientNotification]:
    """Art. 19 tasks, oldest first, with their activity and recipient (one query)."""
    tasks = RecipientNotification.objects.select_related("activity", "recipient", "run")
    if run is not None:
        tasks = tasks.filter(run=run)
    if open_only:
        tasks = tasks.filter(status=NotificationStatus.OPEN)
    return tasks.order_by("created_at", "pk")


def erasure_journal_list(*, run: FulfilmentRun | None = None) -> QuerySet[ErasureJournalEntry]:
    entries = ErasureJournalEntry.objects.all()
    if run is not None:
        entries = entries.filter(run=run)
    return entries.order_by("sequence")


__all__ = [
    "erasure_journal_list",
    "notification_list",
    "restriction_active",
    "restriction_list",
]
