"""Reminders of the notification clock (periodic job ``breaches.reminders``, hourly): once when
the deadline is near (12 hours left under the GDPR's 72, 6 under the telecom 24), once when it
has passed. Sent to the DPO team and the breach's assignees."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from garde.accounts.models import User
from garde.breaches.choices import BreachStatus, Regime
from garde.breaches.models import Breach
from garde.breaches.selectors import breach_clock
from garde.core.mail import send_mail_after_commit
from garde.core.roles import Role
from garde.core.services import audit_record

SOON: dict[str, timedelta] = {Regime.GDPR: timedelta(hours=12), Regime.TELECOM: timedelta(hours=6)}


def _recipients(breach: Breach) -> list[User]:
    dpos = User.objects.filter(memberships__role=Role.DPO, is_active=True)
    return list((dpos | breach.assignees.filter(is_active=True)).distinct().order_by("email"))


@transaction.atomic
def breaches_send_reminders(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    candidates = (
        Breach.objects.select_for_update()
        .filter(status=BreachStatus.OPEN)
        .exclude(notify_authority=False)
        .order_by("pk")
    )
    for breach in candidates:
        clock = breach_clock(breach, now=now)
        if clock.stopped:
            continue
        if clock.overdue:
            field, kind = "reminder_late_sent_at", "late"
        elif clock.deadline - now <= SOON[breach.regime]:
            field, kind = "reminder_soon_sent_at", "soon"
        else:
            continue
        if getattr(breach, field) is not None:
            continue
        setattr(breach, field, now)
        breach.save(update_fields=[field])
        link = settings.BASE_URL + reverse("breaches:console_detail", kwargs={"pk": breach.pk})
        for user in _recipients(breach):
            send_mail_after_commit(
                to=user.email,
                template="breaches/mail/reminder",
                language=user.language,
                context={"breach": breach, "clock": clock, "kind": kind, "link": link},
            )
        audit_record(action=f"breach.reminder_{kind}", obj=breach, details={"at": now.isoformat()})
        sent += 1
    return sent
