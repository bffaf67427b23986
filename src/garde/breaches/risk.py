"""Severity of a breach by ENISA's method ("Recommendations for a methodology of the assessment
of severity of personal data breaches", 2013): SE = DPC x EI + CB.

- DPC, data processing context: a base score by the kind of data (1 simple, 2 behavioural,
  3 financial, 4 sensitive), adjusted up or down by the context, kept within 1 to 4.
- EI, ease of identification: 0.25 negligible, 0.5 limited, 0.75 significant, 1 maximum.
- CB, circumstances of the breach: loss of confidentiality (0, 0.25 to known recipients, 0.5
  to unknown ones), of integrity (0, 0.25 recoverable, 0.5 not recoverable), of availability
  (0, 0.25 temporary, 0.5 permanent), plus 0.5 for malicious intent.

ENISA's bands: below 2 low, 2 to 3 medium, 3 to 4 high, 4 and above very high. The mapping to the
GDPR's levels is a configurable default (⚠, GARDE_BREACH_RISK_THRESHOLDS): low -> no risk (art.
33(1) "unlikely to result in a risk"), medium -> risk, high and very high -> high risk (art. 34).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from garde.breaches.choices import RiskLevel

DPC_BASES = (Decimal(1), Decimal(2), Decimal(3), Decimal(4))
EI_VALUES = (Decimal("0.25"), Decimal("0.5"), Decimal("0.75"), Decimal(1))
CB_STEPS = (Decimal(0), Decimal("0.25"), Decimal("0.5"))
MALICIOUS = Decimal("0.5")
DEFAULT_THRESHOLDS = (Decimal(2), Decimal(3))  # (risk from, high risk from)


@dataclass(frozen=True)
class Assessment:
    dpc: Decimal
    ei: Decimal
    cb: Decimal
    severity: Decimal
    band: str
    level: str


def _band(severity: Decimal) -> str:
    if severity < 2:
        return "low"
    if severity < 3:
        return "medium"
    if severity < 4:
        return "high"
    return "very_high"


def thresholds() -> tuple[Decimal, Decimal]:
    risk, high = getattr(settings, "GARDE_BREACH_RISK_THRESHOLDS", DEFAULT_THRESHOLDS)
    return Decimal(str(risk)), Decimal(str(high))


def assess(
    *,
    dpc_base: Decimal,
    dpc_adjustment: Decimal,
    ei: Decimal,
    confidentiality: Decimal,
    integrity: Decimal,
    availability: Decimal,
    malicious: bool,
) -> Assessment:
    """The severity and the level it gives; raises ValueError on a value outside the method."""
    if dpc_base not in DPC_BASES or ei not in EI_VALUES:
        raise ValueError("DPC base or EI outside the method's values")
    if not all(v in CB_STEPS for v in (confidentiality, integrity, availability)):
        raise ValueError("CB element outside the method's values")
    if not Decimal(-3) <= dpc_adjustment <= Decimal(3):
        raise ValueError("DPC adjustment outside -3..3")
    dpc = min(Decimal(4), max(Decimal(1), dpc_base + dpc_adjustment))
    cb = confidentiality + integrity + availability + (MALICIOUS if malicious else Decimal(0))
    severity = dpc * ei + cb
    risk_from, high_from = thresholds()
    if severity >= high_from:
        level = RiskLevel.HIGH
    elif severity >= risk_from:
        level = RiskLevel.RISK
    else:
        level = RiskLevel.NONE
    return Assessment(
        dpc=dpc, ei=ei, cb=cb, severity=severity, band=_band(severity), level=str(level)
    )
