"""Reading the breach register. Only the DPO team sees every breach; other staff see the
breaches they are assigned to; a client's DPO sees the notices sent to their organisation."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Min, QuerySet
from django.utils import timezone

from garde.accounts.choices import OrganisationKind
from garde.accounts.models import Organisation, User
from garde.accounts.selectors import user_organisation, user_roles
from garde.breaches.choices import BreachStatus, NotificationKind, Regime
from garde.breaches.models import (
    TELECOM_COMPLEMENT_DAYS,
    AuthorityNotification,
    Breach,
    ClientNotice,
)
from garde.core.roles import Role
from garde.register.choices import ProcessingRole
from garde.requests.choices import RequestKind
from garde.requests.models import Request
from garde.requests.selectors import request_list_for_operator


def breach_list_for_staff(*, user: User) -> QuerySet[Breach]:
    breaches = Breach.objects.annotate(
        first_sent_at=Min("authority_notifications__sent_at")
    ).order_by("-aware_at", "-id")
    if Role.DPO in user_roles(user):
        return breaches
    return breaches.filter(assignees=user)


def breach_get_for_staff(*, user: User, pk: int) -> Breach | None:
    return breach_list_for_staff(user=user).filter(pk=pk).first()


@dataclass(frozen=True)
class Clock:
    """Where a breach stands against its notification deadline."""

    deadline: datetime
    first_sent_at: datetime | None
    time_left: timedelta | None
    overdue: bool
    complement_deadline: datetime | None
    stopped: bool

    @property
    def hours_left(self) -> int | None:
        if self.time_left is None:
            return None
        return int(self.time_left.total_seconds() // 3600)

    @property
    def minutes_left(self) -> int | None:
        if self.time_left is None:
            return None
        return int(self.time_left.total_seconds() // 60) % 60


def breach_clock(breach: Breach, *, now: datetime | None = None) -> Clock:
    """The clock stops at the first notification sent, or at a decision not to notify."""
    now = (now or timezone.now()).astimezone(UTC)
    first_sent = getattr(breach, "first_sent_at", None)
    if first_sent is None and not hasattr(breach, "first_sent_at"):
        first_sent = (
            AuthorityNotification.objects.filter(breach=breach, sent_at__isnull=False)
            .order_by("sent_at")
            .values_list("sent_at", flat=True)
            .first()
        )
    stopped = first_sent is not None or breach.notify_authority is False
    deadline = breach.deadline
    complement = None
    if breach.regime == Regime.TELECOM and first_sent is not None:
        complement = first_sent.astimezone(UTC) + timedelta(days=TELECOM_COMPLEMENT_DAYS)
    if stopped:
        return Clock(
            deadline=deadline,
            first_sent_at=first_sent,
            time_left=None,
            overdue=first_sent is not None and first_sent > deadline,
            complement_deadline=complement,
            stopped=True,
        )
    return Clock(
        deadline=deadline,
        first_sent_at=None,
        time_left=max(deadline - now, timedelta(0)),
        overdue=now > deadline,
        complement_deadline=None,
        stopped=False,
    )


def clients_concerned(breach: Breach) -> QuerySet[Organisation]:
    """The client companies the register links to the breach's processor activities (the
    operator acting for them): exactly those are notified (art. 33(2))."""
    return (
        Organisation.objects.filter(
            kind=OrganisationKind.CLIENT,
            processing_activities__in=breach.activities.filter(role=ProcessingRole.PROCESSOR),
        )
        .distinct()
        .order_by("name")
    )


def client_notice_list_for_user(*, user: User) -> QuerySet[ClientNotice]:
    organisation = user_organisation(user)
    if organisation is None:
        return ClientNotice.objects.none()
    return (
        ClientNotice.objects.filter(organisation=organisation)
        .select_related("breach", "organisation")
        .order_by("-notified_at", "-id")
    )


def client_notice_get_for_user(*, user: User, pk: int) -> ClientNotice | None:
    return client_notice_list_for_user(user=user).filter(pk=pk).first()


@dataclass(frozen=True)
class Figures:
    per_month: list[tuple[str, int]]
    median_hours_to_notify: float | None
    open_count: int
    notified_count: int


def breach_figures(breaches: QuerySet[Breach]) -> Figures:
    """Breaches per month of awareness and the median time from awareness to the first
    notification sent to the CNIL (``breaches`` as ``breach_list_for_staff`` annotates them)."""
    rows: list[tuple[datetime, datetime | None, str]] = list(
        breaches.values_list("aware_at", "first_sent_at", "status")  # type: ignore[misc]
    )
    months = Counter(timezone.localtime(aware).strftime("%Y-%m") for aware, _s, _st in rows)
    delays = [(sent - aware).total_seconds() / 3600 for aware, sent, _st in rows if sent]
    return Figures(
        per_month=sorted(months.items(), reverse=True),
        median_hours_to_notify=round(statistics.median(delays), 1) if delays else None,
        open_count=sum(1 for *_x, status in rows if status == BreachStatus.OPEN),
        notified_count=len(delays),
    )


def notification_initial_sent(breach: Breach) -> AuthorityNotification | None:
    return (
        breach.authority_notifications.filter(
            kind__in=(NotificationKind.INITIAL, NotificationKind.COMPLETE), sent_at__isnull=False
        )
        .order_by("sent_at")
        .first()
    )


def notification_draft_pending(breach: Breach) -> AuthorityNotification | None:
    """The latest notification to the CNIL drafted and not yet recorded as sent."""
    return breach.authority_notifications.filter(sent_at__isnull=True).order_by("-pk").first()


def notification_get(breach: Breach, *, pk: int) -> AuthorityNotification | None:
    """One of ``breach``'s notifications to the CNIL (the caller has checked the breach)."""
    return breach.authority_notifications.filter(pk=pk).first()


def breach_report_get(*, user: User, pk: int) -> Request | None:
    """A breach report of the operator's queue that ``user`` may see, to record in the
    register."""
    return (
        request_list_for_operator(user=user).filter(pk=pk, kind=RequestKind.BREACH_REPORT).first()
    )
