"""Rows of the role matrix (tests/test_role_matrix.py) for the marketing app's URLs."""

from __future__ import annotations

from garde.core.permissions import PUBLIC

QUEUE = {"marketing", "sales"}

EXPECTED: dict[str, str | set[str]] = {
    "marketing:contact": PUBLIC,
    "marketing:callback": PUBLIC,
    "marketing:console_list": QUEUE,
    "marketing:console_detail": QUEUE,
}
SAMPLE_KWARGS: dict[str, object] = {}

# --- newsletter, mailings and commercial contacts (mnews) ----------------------------------
# No row lists or exports subscribers: the console shows counts only.
EXPECTED.update(
    {
        "marketing:newsletter_form": PUBLIC,
        "marketing:newsletter_sent": PUBLIC,
        "marketing:newsletter_confirm": PUBLIC,
        "marketing:newsletter_unsubscribe": PUBLIC,
        "marketing:newsletter_console": {"marketing"},
        "marketing:newsletter_mailing_new": {"marketing"},
        "marketing:newsletter_mailing": {"marketing"},
        "marketing:newsletter_mailing_edit": {"marketing"},
        "marketing:newsletter_mailing_progress": {"marketing"},
        "marketing:newsletter_mailing_send": {"marketing"},
        "marketing:newsletter_mailing_resume": {"marketing"},
        "marketing:portal_contacts": {"org_admin"},
        "marketing:portal_contact_delete": {"org_admin"},
    }
)
