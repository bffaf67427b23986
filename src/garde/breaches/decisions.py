"""The DPO's decisions on a breach: notifying the CNIL or not (R-32, R-38), informing the people
or an art. 34(3) exception (R-36, R-37), who may see it, and its closure. Each writes its
decision-log entry and its audit event in the same transaction; the caller checks permissions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.breaches.choices import BreachStatus, PersonsDecision, Regime, RiskLevel
from garde.breaches.errors import BreachError, NotificationRequiredError
from garde.breaches.models import Breach
from garde.breaches.services import decision_log, require_open
from garde.core.services import audit_record

if TYPE_CHECKING:
    from garde.accounts.models import User


@transaction.atomic
def breach_decide_authority(
    *,
    breach: Breach,
    actor: User,
    notify: bool,
    reason: str,
    request: HttpRequest | None = None,
) -> Breach:
    """Record the decision to notify the CNIL or not, with its reason (R-32). Not notifying
    requires an assessment finding a risk unlikely, and is never open under the telecom
    regime (R-38)."""
    require_open(breach)
    if not reason.strip():
        raise BreachError(_("Motivez la décision."), field="reason")
    if not notify:
        if breach.regime == Regime.TELECOM:
            raise NotificationRequiredError(
                _(
                    "Une violation d'un service de communications électroniques est toujours "
                    "notifiée à la CNIL, quel que soit le risque."
                ),
                field="notify",
            )
        if breach.risk_level != RiskLevel.NONE:
            raise NotificationRequiredError(
                _("Ne pas notifier exige une évaluation concluant à un risque improbable."),
                field="notify",
            )
    breach.notify_authority = notify
    breach.notify_reason = reason.strip()
    breach.save(update_fields=["notify_authority", "notify_reason"])
    decision_log(
        breach=breach,
        actor=actor,
        subject="authority",
        decision=_("Notifier la CNIL.") if notify else _("Ne pas notifier la CNIL."),
        reason=breach.notify_reason,
    )
    audit_record(
        action="breach.authority_decided",
        actor=actor,
        obj=breach,
        request=request,
        details={"notify": notify, "reason": breach.notify_reason},
    )
    return breach


@transaction.atomic
def breach_decide_persons(
    *,
    breach: Breach,
    actor: User,
    decision: str,
    reason: str,
    public_notice_url: str = "",
    request: HttpRequest | None = None,
) -> Breach:
    """Decide about telling the people concerned (art. 34): inform them, or one of the art.
    34(3) exceptions with its reason (c needs the public communication's address), or "not
    required" when the risk is not high."""
    require_open(breach)
    if decision not in PersonsDecision.values or decision == PersonsDecision.UNDECIDED:
        raise BreachError(_("Choix inconnu."), field="decision")
    if not reason.strip():
        raise BreachError(_("Motivez la décision."), field="reason")
    if decision == PersonsDecision.EXEMPT_EFFORT and not public_notice_url:
        raise BreachError(
            _("Indiquez l'adresse de la communication publique."), field="public_notice_url"
        )
    if decision == PersonsDecision.NOT_REQUIRED and breach.risk_level in ("", RiskLevel.HIGH):
        raise NotificationRequiredError(
            _("Un risque élevé impose d'informer les personnes, sauf exception de l'art. 34.3."),
            field="decision",
        )
    breach.persons_decision = decision
    breach.persons_reason = reason.strip()
    breach.public_notice_url = public_notice_url
    breach.save(update_fields=["persons_decision", "persons_reason", "public_notice_url"])
    decision_log(
        breach=breach,
        actor=actor,
        subject="persons",
        decision=str(PersonsDecision(decision).label),
        reason=breach.persons_reason,
    )
    audit_record(
        action="breach.persons_decided",
        actor=actor,
        obj=breach,
        request=request,
        details={"decision": decision, "reason": breach.persons_reason},
    )
    return breach


@transaction.atomic
def breach_assign(
    *, breach: Breach, actor: User, users: Iterable[User], request: HttpRequest | None = None
) -> Breach:
    """Give staff members access to the breach (only the DPO team sees breaches otherwise)."""
    chosen = list(users)
    breach.assignees.set(chosen)
    audit_record(
        action="breach.assigned",
        actor=actor,
        obj=breach,
        request=request,
        details={"assignees": sorted(u.email for u in chosen)},
    )
    return breach


def closure_blockers(breach: Breach) -> list[str]:
    """Why the breach cannot be closed yet (empty: it can)."""
    blockers = []
    sent = breach.authority_notifications.filter(sent_at__isnull=False).exists()
    if breach.regime == Regime.TELECOM and not sent:
        blockers.append(
            _(
                "Régime télécom : la notification à la CNIL est obligatoire, quel que soit le "
                "risque."
            )
        )
    elif breach.notify_authority is None:
        blockers.append(_("La décision de notifier la CNIL ou non n'est pas prise."))
    elif breach.notify_authority and not sent:
        blockers.append(_("La notification à la CNIL n'est pas envoyée."))
    elif not breach.notify_authority and breach.risk_level != RiskLevel.NONE:
        blockers.append(_("Sans notification, l'évaluation doit conclure à un risque improbable."))
    if breach.risk_level == RiskLevel.HIGH and not breach.persons_decision:
        blockers.append(_("Risque élevé : décidez de l'information des personnes."))
    return blockers


@transaction.atomic
def breach_close(
    *, breach: Breach, actor: User, reason: str, request: HttpRequest | None = None
) -> Breach:
    """Close the breach. The register keeps it (nothing is ever deleted)."""
    require_open(breach)
    if not reason.strip():
        raise BreachError(_("Motivez la clôture."), field="reason")
    blockers = closure_blockers(breach)
    if blockers:
        raise NotificationRequiredError(" ".join(blockers), field="reason")
    breach.status = BreachStatus.CLOSED
    breach.closed_at = timezone.now()
    breach.closure_reason = reason.strip()
    breach.save(update_fields=["status", "closed_at", "closure_reason"])
    decision_log(
        breach=breach, actor=actor, subject="close", decision=_("Clôture."), reason=reason.strip()
    )
    audit_record(
        action="breach.closed",
        actor=actor,
        obj=breach,
        request=request,
        details={"reference": breach.reference, "notified": bool(breach.notify_authority)},
    )
    return breach
