"""ENISA severity: SE = DPC x EI + CB, and the level it gives (configurable thresholds)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from garde.breaches.risk import assess


@pytest.mark.parametrize(
    ("dpc", "adjust", "ei", "c", "i", "a", "malicious", "severity", "band", "level"),
    [
        ("1", "0", "0.25", "0.25", "0", "0", False, "0.5", "low", "none"),
        ("2", "0", "1", "0", "0", "0", False, "2", "medium", "risk"),
        ("3", "0", "1", "0.5", "0", "0", True, "4", "very_high", "high"),
        ("4", "1", "0.5", "0", "0.25", "0", False, "2.25", "medium", "risk"),
        ("1", "-3", "1", "0", "0", "0", False, "1", "low", "none"),
    ],
)
def test_r_32_enisa_severity_and_level(
    dpc: str,
    adjust: str,
    ei: str,
    c: str,
    i: str,
    a: str,
    malicious: bool,
    severity: str,
    band: str,
    level: str,
) -> None:
    result = assess(
        dpc_base=Decimal(dpc),
        dpc_adjustment=Decimal(adjust),
        ei=Decimal(ei),
        confidentiality=Decimal(c),
        integrity=Decimal(i),
        availability=Decimal(a),
        malicious=malicious,
    )
    assert (result.severity, result.band, result.level) == (Decimal(severity), band, level)


def test_thresholds_are_configurable(settings: object) -> None:
    settings.GARDE_BREACH_RISK_THRESHOLDS = ("1", "2")  # type: ignore[attr-defined]
    result = assess(
        dpc_base=Decimal(1),
        dpc_adjustment=Decimal(0),
        ei=Decimal(1),
        confidentiality=Decimal(0),
        integrity=Decimal(0),
        availability=Decimal(0),
        malicious=False,
    )
    assert result.level == "risk"


def test_a_value_outside_the_method_is_refused() -> None:
    with pytest.raises(ValueError, match="EI"):
        assess(
            dpc_base=Decimal(1),
            dpc_adjustment=Decimal(0),
            ei=Decimal("0.3"),
            confidentiality=Decimal(0),
            integrity=Decimal(0),
            availability=Decimal(0),
            malicious=False,
        )
