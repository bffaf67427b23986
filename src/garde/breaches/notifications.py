"""Notifying the CNIL: drafts carrying every field of the CNIL's online form (GDPR) or of
Annex I of Regulation 611/2013 (telecom), phased notification (initial, then complements, each
dated), and the record of when a notification was sent and the reference the CNIL gave back.

The field lists are documented in docs/breaches.md; the CNIL form's list is reconstructed from
the CNIL's guidance (⚠ R-39a), only art. 33(3)(a)-(d) is certain.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.breaches.choices import NotificationKind, Regime
from garde.breaches.cnil_form import missing_fields, notification_content, when
from garde.breaches.errors import BreachStateError, DelayReasonRequiredError, MissingFieldsError
from garde.breaches.models import TELECOM_COMPLEMENT_DAYS, AuthorityNotification, Breach
from garde.breaches.selectors import notification_initial_sent
from garde.breaches.services import decision_log
from garde.core.services import audit_record

if TYPE_CHECKING:
    from garde.accounts.models import User


@transaction.atomic
def breach_notification_draft(
    *, breach: Breach, actor: User, kind: str, request: HttpRequest | None = None
) -> AuthorityNotification:
    """Draft a notification from the register's current facts. An initial (or complete)
    notification comes once; complements follow a sent initial one. Drafting again before
    sending refreshes the draft."""
    if kind not in NotificationKind.values:
        raise MissingFieldsError(_("Type de notification inconnu."), field="kind")
    first = breach.authority_notifications.filter(
        kind__in=(NotificationKind.INITIAL, NotificationKind.COMPLETE)
    )
    if kind == NotificationKind.COMPLEMENTARY:
        if notification_initial_sent(breach) is None:
            raise BreachStateError(
                _("Une notification complémentaire suit une notification initiale envoyée."),
                field="kind",
            )
    elif first.filter(sent_at__isnull=False).exists():
        raise BreachStateError(
            _("La notification initiale est déjà envoyée : rédigez un complément."), field="kind"
        )
    missing = missing_fields(breach, kind)
    if missing:
        raise MissingFieldsError(
            _("Complétez d'abord : %(fields)s.") % {"fields": ", ".join(missing)},
            field=missing[0],
        )
    draft = breach.authority_notifications.filter(kind=kind, sent_at__isnull=True).first()
    content = notification_content(breach, kind)
    if draft is None:
        draft = AuthorityNotification.objects.create(
            breach=breach, kind=kind, content=content, drafted_by=actor
        )
    else:
        draft.content = content
        draft.drafted_at = timezone.now()
        draft.drafted_by = actor
        draft.save(update_fields=["content", "drafted_at", "drafted_by"])
    audit_record(
        action="breach.notification_drafted",
        actor=actor,
        obj=breach,
        request=request,
        details={"notification": draft.pk, "kind": kind},
    )
    return draft


def _late(notification: AuthorityNotification, sent_at: datetime) -> bool:
    breach = notification.breach
    if notification.kind != NotificationKind.COMPLEMENTARY:
        return sent_at > breach.deadline
    if breach.regime != Regime.TELECOM:
        return False
    initial = notification_initial_sent(breach)
    if initial is None or initial.sent_at is None:
        return False
    return sent_at > initial.sent_at.astimezone(UTC) + timedelta(days=TELECOM_COMPLEMENT_DAYS)


@transaction.atomic
def breach_notification_record_sent(
    *,
    notification: AuthorityNotification,
    actor: User,
    sent_at: datetime,
    cnil_reference: str,
    delay_reason: str = "",
    request: HttpRequest | None = None,
) -> AuthorityNotification:
    """Record that the notification was sent, when, and the CNIL's reference. A notification
    after the deadline is refused without the reasons for the delay (art. 33(1)). A sent
    notification keeps its dates: it is never changed again."""
    if notification.sent_at is not None:
        raise BreachStateError(_("Cette notification est déjà envoyée."), field="sent_at")
    if sent_at > timezone.now():
        raise MissingFieldsError(_("Cette date est dans le futur."), field="sent_at")
    if _late(notification, sent_at) and not delay_reason.strip():
        raise DelayReasonRequiredError(
            _("Notification hors délai : indiquez les motifs du retard (art. 33.1)."),
            field="delay_reason",
        )
    breach = notification.breach
    notification.sent_at = sent_at
    notification.cnil_reference = cnil_reference.strip()
    notification.delay_reason = delay_reason.strip()
    for section in notification.content.get("sections", []):
        for item in section["fields"]:
            if item["key"] == "delay_reason":
                item["value"] = notification.delay_reason
    notification.save(update_fields=["sent_at", "cnil_reference", "delay_reason", "content"])
    if breach.notify_authority is not True:
        breach.notify_authority = True
        breach.save(update_fields=["notify_authority"])
    decision_log(
        breach=breach,
        actor=actor,
        subject="authority",
        decision=_("%(kind)s envoyée à la CNIL le %(date)s (référence %(reference)s).")
        % {
            "kind": NotificationKind(notification.kind).label,
            "date": when(sent_at),
            "reference": notification.cnil_reference or "—",
        },
        reason=notification.delay_reason,
    )
    audit_record(
        action="breach.notification_sent",
        actor=actor,
        obj=breach,
        request=request,
        details={
            "notification": notification.pk,
            "kind": notification.kind,
            "sent_at": sent_at.isoformat(),
            "cnil_reference": notification.cnil_reference,
            "late": bool(notification.delay_reason),
        },
    )
    return notification
