"""Reads for the newsletter console and the client portal. The subscriber list is never
listed nor exported to anyone (the policy: "ni communiquées à des tiers, ni revendues"): the
console gets counts only. A client's org_admin sees the contacts their organisation gave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from garde.accounts.models import Organisation
from garde.marketing.models_newsletter import (
    CommercialContact,
    DeliveryState,
    Mailing,
    MailingDelivery,
    MailingStatus,
    NewsletterSubscriber,
    SubscriberStatus,
    SuppressionEntry,
)


@dataclass(frozen=True)
class AudienceCounts:
    confirmed: int
    pending: int
    suppressed: int
    commercial_info: int
    event_invitations: int


def audience_counts() -> AudienceCounts:
    """How many people each audience holds (three queries, no row leaves the database)."""
    subscribers = NewsletterSubscriber.objects.aggregate(
        confirmed=Count("pk", filter=Q(status=SubscriberStatus.CONFIRMED)),
        pending=Count("pk", filter=Q(status=SubscriberStatus.PENDING)),
    )
    contacts = CommercialContact.objects.aggregate(
        commercial=Count("email", filter=Q(commercial_info=True), distinct=True),
        events=Count("email", filter=Q(event_invitations=True), distinct=True),
    )
    return AudienceCounts(
        confirmed=subscribers["confirmed"],
        pending=subscribers["pending"],
        suppressed=SuppressionEntry.objects.count(),
        commercial_info=contacts["commercial"],
        event_invitations=contacts["events"],
    )


def mailing_list() -> QuerySet[Mailing]:
    return Mailing.objects.select_related("created_by")


def mailing_get(*, pk: int) -> Mailing | None:
    return Mailing.objects.filter(pk=pk).first()


def mailing_progress(*, mailing: Mailing) -> dict[str, int]:
    """Counts of the mailing's deliveries by state (every state present, zero when none)."""
    counts = dict.fromkeys(DeliveryState.values, 0)
    for row in (
        MailingDelivery.objects.filter(mailing=mailing)
        .values("state")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["state"]] = row["n"]
    return counts


def mailing_is_stalled(*, mailing: Mailing, stale_after: timedelta) -> bool:
    return (
        mailing.status == MailingStatus.SENDING
        and mailing.heartbeat_at is not None
        and mailing.heartbeat_at < timezone.now() - stale_after
    )


def commercial_contact_list_for_organisation(
    *, organisation: Organisation
) -> QuerySet[CommercialContact]:
    return CommercialContact.objects.filter(organisation=organisation)


def commercial_contact_get_for_organisation(
    *, organisation: Organisation, pk: int
) -> CommercialContact | None:
    return CommercialContact.objects.filter(organisation=organisation, pk=pk).first()
