"""Changing the breach register: recording a breach, assessing it, deciding and closing.

Every function is one business action: it saves, writes its decision-log entry when it decides
something, and writes its audit event in the same transaction. The caller checks permissions
(the views allow only the DPO to act). Notifications live in ``breaches.notifications``
(authority), ``breaches.clients`` (client companies) and ``breaches.persons`` (art. 34).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.breaches.choices import (
    PUBLIC_ECOMM_SERVICES,
    BreachSource,
    BreachStatus,
    Nature,
    Regime,
    RiskLevel,
    ServiceKind,
)
from garde.breaches.errors import BreachError, BreachStateError
from garde.breaches.models import Breach, Decision
from garde.breaches.risk import assess
from garde.core.services import audit_record

if TYPE_CHECKING:
    from garde.accounts.models import User
    from garde.register.models import DataCategory, DataSubjectCategory, ProcessingActivity
    from garde.requests.models import Request

TEXT_FACTS = (
    "title",
    "discovery_method",
    "description",
    "circumstance",
    "origin",
    "data_detail",
    "consequences",
    "measures_taken",
    "measures_proposed",
    "prior_measures",
    "dpo_contact",
    "cross_border",
    "other_providers",
)


@dataclass
class BreachFacts:
    """What is known of a breach; every field of the register but the assessment and the
    decisions."""

    title: str
    discovered_at: datetime
    discovery_method: str
    aware_at: datetime
    description: str
    natures: Sequence[str]
    dpo_contact: str
    services: Sequence[str] = ()
    started_at: datetime | None = None
    ended_at: datetime | None = None
    circumstance: str = ""
    origin: str = "unknown"
    data_detail: str = ""
    people_count: int | None = None
    records_count: int | None = None
    vulnerable_people: bool = False
    consequences: str = ""
    measures_taken: str = ""
    measures_proposed: str = ""
    prior_measures: str = ""
    cross_border: str = ""
    other_providers: str = ""
    activities: Iterable[ProcessingActivity] = field(default_factory=list)
    data_categories: Iterable[DataCategory] = field(default_factory=list)
    subject_categories: Iterable[DataSubjectCategory] = field(default_factory=list)


def regime_for(services: Iterable[str]) -> str:
    """R-38: a breach in providing internet access or telephony is under the telecom regime."""
    return Regime.TELECOM if set(services) & PUBLIC_ECOMM_SERVICES else Regime.GDPR


def _validate(facts: BreachFacts) -> None:
    now = timezone.now()
    for name in ("discovered_at", "aware_at", "started_at"):
        value = getattr(facts, name)
        if value is not None and value > now:
            raise BreachError(_("Cette date est dans le futur."), field=name)
    if not facts.natures or not set(facts.natures) <= set(Nature.values):
        raise BreachError(_("Indiquez la nature de la violation."), field="natures")
    if not set(facts.services) <= set(ServiceKind.values):
        raise BreachError(_("Service inconnu."), field="services")
    for name in ("title", "description", "discovery_method", "dpo_contact"):
        if not str(getattr(facts, name)).strip():
            raise BreachError(_("Ce champ est obligatoire."), field=name)
    if facts.ended_at is not None and facts.started_at and facts.ended_at < facts.started_at:
        raise BreachError(_("La fin précède le début."), field="ended_at")


def _apply(breach: Breach, facts: BreachFacts) -> None:
    for name in TEXT_FACTS:
        setattr(breach, name, str(getattr(facts, name)).strip())
    for name in (
        "discovered_at",
        "aware_at",
        "started_at",
        "ended_at",
        "people_count",
        "records_count",
        "vulnerable_people",
    ):
        setattr(breach, name, getattr(facts, name))
    breach.natures = sorted(set(facts.natures))
    breach.services = sorted(set(facts.services))
    breach.regime = regime_for(breach.services)


def _relations(breach: Breach, facts: BreachFacts) -> None:
    breach.activities.set(list(facts.activities))
    breach.data_categories.set(list(facts.data_categories))
    breach.subject_categories.set(list(facts.subject_categories))


def decision_log(
    *, breach: Breach, actor: User | None, subject: str, decision: str, reason: str = ""
) -> Decision:
    """One entry of the decision log (called inside the deciding service's transaction)."""
    return Decision.objects.create(
        breach=breach, actor=actor, subject=subject, decision=decision, reason=reason
    )


@transaction.atomic
def breach_create(
    *,
    actor: User,
    source: str,
    facts: BreachFacts,
    report: Request | None = None,
    request: HttpRequest | None = None,
) -> Breach:
    """Record a breach (art. 33(5)): from a breach report of the RGPD tab, an outside report or
    the operator's own detection."""
    if source not in BreachSource.values:
        raise BreachError(_("Origine inconnue."), field="source")
    _validate(facts)
    breach = Breach(source=source, report=report, created_by=actor, reference="")
    _apply(breach, facts)
    breach.reference = f"TMP-{secrets.token_hex(6)}"
    breach.save()
    breach.reference = f"BR-{breach.aware_at:%Y}-{breach.pk:05d}"
    breach.save(update_fields=["reference"])
    _relations(breach, facts)
    decision_log(
        breach=breach,
        actor=actor,
        subject="record",
        decision=_("Violation inscrite au registre (régime : %(regime)s).")
        % {"regime": Regime(breach.regime).label},
    )
    audit_record(
        action="breach.created",
        actor=actor,
        obj=breach,
        request=request,
        details={
            "reference": breach.reference,
            "source": source,
            "regime": breach.regime,
            "report": report.reference if report is not None else None,
        },
    )
    return breach


def require_open(breach: Breach) -> None:
    if breach.status != BreachStatus.OPEN:
        raise BreachStateError(_("Cette violation est clôturée."))


@transaction.atomic
def breach_update(
    *, breach: Breach, actor: User, facts: BreachFacts, request: HttpRequest | None = None
) -> Breach:
    """Complete or correct the facts; the changed field names go to the audit trail."""
    require_open(breach)
    _validate(facts)
    before = {name: getattr(breach, name) for name in (*TEXT_FACTS, "aware_at", "services")}
    previous_regime = breach.regime
    _apply(breach, facts)
    breach.save()
    _relations(breach, facts)
    changed = sorted(name for name, value in before.items() if getattr(breach, name) != value)
    if breach.regime != previous_regime:
        decision_log(
            breach=breach,
            actor=actor,
            subject="regime",
            decision=_("Régime : %(regime)s.") % {"regime": Regime(breach.regime).label},
        )
    audit_record(
        action="breach.updated",
        actor=actor,
        obj=breach,
        request=request,
        details={"reference": breach.reference, "changed": changed},
    )
    return breach


@transaction.atomic
def breach_assess(
    *,
    breach: Breach,
    actor: User,
    dpc_base: Decimal,
    dpc_adjustment: Decimal,
    ei: Decimal,
    confidentiality: Decimal,
    integrity: Decimal,
    availability: Decimal,
    malicious: bool,
    rationale: str,
    request: HttpRequest | None = None,
) -> Breach:
    """Assess the severity by ENISA's method and keep the factors, the result and the level."""
    require_open(breach)
    if not rationale.strip():
        raise BreachError(_("Expliquez l'évaluation."), field="rationale")
    try:
        result = assess(
            dpc_base=dpc_base,
            dpc_adjustment=dpc_adjustment,
            ei=ei,
            confidentiality=confidentiality,
            integrity=integrity,
            availability=availability,
            malicious=malicious,
        )
    except ValueError as error:
        raise BreachError(_("Valeur hors de la méthode."), field="dpc_base") from error
    breach.dpc, breach.ei, breach.cb = result.dpc, result.ei, result.cb
    breach.severity = result.severity
    breach.risk_level = result.level
    breach.risk_rationale = rationale.strip()
    breach.assessed_at = timezone.now()
    breach.assessment_factors = {
        "method": "ENISA 2013: SE = DPC x EI + CB",
        "dpc_base": str(dpc_base),
        "dpc_adjustment": str(dpc_adjustment),
        "ei": str(ei),
        "cb_confidentiality": str(confidentiality),
        "cb_integrity": str(integrity),
        "cb_availability": str(availability),
        "cb_malicious": malicious,
        "severity": str(result.severity),
        "band": result.band,
    }
    breach.save()
    decision_log(
        breach=breach,
        actor=actor,
        subject="risk",
        decision=_("Gravité %(severity)s : %(level)s.")
        % {"severity": result.severity, "level": RiskLevel(result.level).label},
        reason=breach.risk_rationale,
    )
    audit_record(
        action="breach.assessed",
        actor=actor,
        obj=breach,
        request=request,
        details={"severity": str(result.severity), "level": result.level},
    )
    return breach


def facts_from_report(report: Request) -> dict[str, Any]:
    """Initial form values for a breach recorded from a breach report of the RGPD tab."""
    return {
        "title": report.description[:200].splitlines()[0] if report.description else "",
        "discovered_at": report.received_at,
        "aware_at": report.received_at,
        "started_at": report.breach_occurred_at,
        "discovery_method": _("Signalement %(reference)s de %(name)s (%(email)s).")
        % {
            "reference": report.reference,
            "name": report.requester_name,
            "email": report.requester_email,
        },
        "description": report.description,
        "data_detail": report.breach_data,
    }
