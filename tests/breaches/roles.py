"""Rows of the role matrix (tests/test_role_matrix.py) for the breaches app's URLs."""

from __future__ import annotations

STAFF = {"dpo", "support", "sales", "marketing", "hr", "sysadmin"}

# Every staff role reaches the list and detail pages, but sees only the breaches it is
# assigned to (the DPO sees all): see tests/breaches/test_access.py.
EXPECTED: dict[str, str | set[str]] = {
    "breaches:console_list": STAFF,
    "breaches:console_new": {"dpo"},
    "breaches:console_export": {"dpo"},
    "breaches:console_detail": STAFF,
    "breaches:console_edit": {"dpo"},
    "breaches:console_notification": {"dpo"},
    "breaches:portal_list": {"org_dpo"},
    "breaches:portal_detail": {"org_dpo"},
}
SAMPLE_KWARGS: dict[str, object] = {"notification_id": 999999}
