"""Consent reads: the configuration the banner is served, and a visitor's own history."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from garde.consent.errors import ConsentSiteNotFoundError
from garde.consent.models import ConsentRecord, ConsentSite, ConsentSiteVersion


def consent_site_get_published(*, site_key: str) -> ConsentSite:
    site = ConsentSite.objects.filter(key=site_key, version__gt=0).first()
    if site is None:
        raise ConsentSiteNotFoundError(_("Site inconnu."), field="site")
    return site


def consent_config_get(*, site: ConsentSite) -> dict[str, Any]:
    """The published configuration in the banner's format (docs: /tmp/consent.md)."""
    published = site.published
    return {
        "site": site.key,
        "version": site.version,
        "lifetime_days": site.lifetime_days,
        "cookie_name": published.get("cookie_name", "garde_consent"),
        "cookie_domain": published.get("cookie_domain"),
        "api": f"{settings.BASE_URL}/api/v1/consent",
        "policy_url": f"{settings.BASE_URL}{reverse('register:notice')}",
        "texts": published["texts"],
        "purposes": published["purposes"],
    }


def consent_config_etag(config: dict[str, Any]) -> str:
    """A strong validator: the version, then a hash of the served JSON (which also changes with
    the base URL)."""
    encoded = json.dumps(config, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return f'"v{config["version"]}-{hashlib.sha256(encoded).hexdigest()[:16]}"'


def consent_history_for_visitor(*, site: ConsentSite, visitor: str) -> list[ConsentRecord]:
    """The records of one visitor on one site, oldest first. The visitor id is the bearer: it
    is random, 22+ characters, and known only to the visitor's browser."""
    records = ConsentRecord.objects.filter(site=site, visitor=visitor)
    return list(records.order_by("recorded_at", "id"))


def consent_site_list_for_console() -> QuerySet[ConsentSite]:
    """Every site for the DPO console, with its number of consent records (one query)."""
    return ConsentSite.objects.annotate(record_count=Count("records")).defer("draft", "published")


def consent_site_get(*, site_key: str) -> ConsentSite | None:
    """One site, published or not (the console edits drafts)."""
    return ConsentSite.objects.filter(key=site_key).first()


def consent_site_versions(*, site: ConsentSite) -> QuerySet[ConsentSiteVersion]:
    """A site's published versions, newest first, without their configurations."""
    return site.versions.order_by("-version").only(
        "version", "published_at", "text_version", "lifetime_days", "site_id"
    )
