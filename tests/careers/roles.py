"""Rows of the role matrix (tests/test_role_matrix.py) for the careers app's URLs: the public
careers pages, and HR's console (the hr role alone sees offers' admin, applications and CVs)."""

from __future__ import annotations

from garde.core.permissions import PUBLIC

HR = {"hr"}

EXPECTED: dict[str, str | set[str]] = {
    "careers:offers": PUBLIC,
    "careers:apply": PUBLIC,
    "careers:apply_spontaneous": PUBLIC,
    "careers:sent": PUBLIC,
    "careers:withdraw": PUBLIC,
    "careers:withdrawn": PUBLIC,
    "careers:console_offers": HR,
    "careers:console_offer_new": HR,
    "careers:console_offer_edit": HR,
    "careers:console_offer_toggle": HR,
    "careers:console_offer_delete": HR,
    "careers:console_applications": HR,
    "careers:console_application": HR,
    "careers:console_cv": HR,
}
SAMPLE_KWARGS: dict[str, object] = {}
