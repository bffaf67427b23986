"""Rows of the role matrix (tests/test_role_matrix.py) for the consent app's console URLs."""

from __future__ import annotations

EXPECTED: dict[str, str | set[str]] = {
    "consent_console:site_list": {"dpo"},
    "consent_console:site_create": {"dpo"},
    "consent_console:site_detail": {"dpo"},
    "consent_console:site_settings": {"dpo"},
    "consent_console:site_texts": {"dpo"},
    "consent_console:publish": {"dpo"},
    "consent_console:purpose_create": {"dpo"},
    "consent_console:purpose_edit": {"dpo"},
    "consent_console:purpose_remove": {"dpo"},
    "consent_console:service_add": {"dpo"},
    "consent_console:service_remove": {"dpo"},
    "consent_console:cookie_add": {"dpo"},
    "consent_console:cookie_remove": {"dpo"},
}
SAMPLE_KWARGS: dict[str, object] = {
    "consent_site": "nope",
    "consent_purpose": "nope",
    "consent_service": 0,
    "consent_cookie": 0,
}

# --- audience statistics (consent/stats_*, helper "stats"): dashboard and CSV export for
# marketing and the DPO, the script public at a fixed address. Keep this block when editing. ---
EXPECTED.update(
    {
        "consent_stats:dashboard": {"marketing", "dpo"},
        "consent_stats:export": {"marketing", "dpo"},
        "consent_stats_public:script": "public",
    }
)
# --- end of audience statistics ---
