"""``{% load short_notice %}{% short_notice "contact-forms" %}``: the GDPR art. 13 notice of a
register activity under a collection form (see ``garde.register.short_notice``)."""

from __future__ import annotations

from typing import Any

from django import template

from garde.register.short_notice import CNIL_COMPLAINT_URL, short_notice_for_activity

register = template.Library()


@register.inclusion_tag("register/_short_notice.html")
def short_notice(slug: str) -> dict[str, Any]:
    """The short notice of activity ``slug`` in the active language; empty when the published
    register has no such activity (a warning is logged)."""
    return {"short": short_notice_for_activity(slug), "cnil_url": CNIL_COMPLAINT_URL}
