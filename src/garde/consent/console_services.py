"""Console writes on a consent site: creating it, editing its draft configuration (settings and
banner texts here; purposes, services and cookies in ``console_purposes``) and publishing it.

The draft is the site's ``draft`` JSON, in the banner's format (see ``services``), plus what
only the console uses: ``lifetime_days`` (the choice's lifetime, applied at publication),
``allowed_origins``, ``register_activity`` and, on each purpose, ``register_purposes`` (the
lines of the register's cookie processing the purpose carries out). Every edit is one audited
action (``consent.draft_updated``); publishing is ``consent.site_published``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from garde.consent.console_checks import (
    REGISTER_ACTIVITY,
    consent_draft_problems,
)
from garde.consent.demo import DEMO_CONFIG
from garde.consent.errors import ConsentInvalidError
from garde.consent.models import LIFETIME_DEFAULT_DAYS, LIFETIME_MAX_DAYS, ConsentSite
from garde.consent.services import (
    NECESSARY,
    TEXT_KEYS,
    consent_site_create,
    consent_site_publish,
)
from garde.core.services import audit_record

if TYPE_CHECKING:
    from garde.accounts.models import User

# RFC 6265 section 4.1.1: a cookie name is an RFC 2616 token.
COOKIE_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$")
DOMAIN_RE = re.compile(
    r"^\.?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9-]{1,63})*$"
)
_ORIGIN_RE = re.compile(r"^https?://[a-z0-9.-]+(:\d{1,5})?$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,49}$")


def invalid(message: str, field: str) -> ConsentInvalidError:
    return ConsentInvalidError(message, field=field)


def consent_lifetime_check(lifetime_days: int, *, field: str = "lifetime_days") -> None:
    """R-54/R-58: the choice is kept 1 day to 13 months (395 days)."""
    if not 1 <= lifetime_days <= LIFETIME_MAX_DAYS:
        raise invalid(
            _("La durée de conservation du choix va de 1 à %(max)d jours (13 mois).")
            % {"max": LIFETIME_MAX_DAYS},
            field,
        )


def consent_origins_clean(origins: Sequence[str]) -> list[str]:
    """Each origin as ``scheme://host[:port]``, lower-cased, without duplicates."""
    cleaned: list[str] = []
    for raw in origins:
        origin = raw.strip().rstrip("/").lower()
        if not origin:
            continue
        if not _ORIGIN_RE.match(origin):
            raise invalid(
                _("Origine invalide : « %(origin)s » (attendu : https://www.exemple.fr).")
                % {"origin": raw.strip()},
                "allowed_origins",
            )
        if origin not in cleaned:
            cleaned.append(origin)
    return cleaned


def consent_draft_initial(*, lifetime_days: int, allowed_origins: list[str]) -> dict[str, Any]:
    """A new site's draft: the default banner texts and the strictly necessary purpose with the
    consent cookie itself (exempt, CNIL 2020-091). The DPO then links it to the register."""
    return {
        "cookie_name": "garde_consent",
        "cookie_domain": None,
        "lifetime_days": lifetime_days,
        "allowed_origins": allowed_origins,
        "register_activity": REGISTER_ACTIVITY,
        "texts": copy.deepcopy(DEMO_CONFIG["texts"]),
        "purposes": [
            {
                "key": NECESSARY,
                "required": True,
                "name": {"fr": "Strictement nécessaires", "en": "Strictly necessary"},
                "description": {
                    "fr": "Fonctionnement du site et mémorisation de votre choix sur les cookies.",
                    "en": "Running the site and remembering your cookie choice.",
                },
                "register_purposes": [],
                "services": [
                    {
                        "name": "Garde",
                        "cookies": [
                            {
                                "name": "garde_consent",
                                "domain": None,
                                "path": "/",
                                "lifetime_days": lifetime_days,
                                "description": {
                                    "fr": "Mémorise votre choix sur les cookies.",
                                    "en": "Remembers your cookie choice.",
                                },
                            }
                        ],
                    }
                ],
            }
        ],
    }


@transaction.atomic
def consent_console_site_create(
    *,
    key: str,
    name: str,
    allowed_origins: Sequence[str],
    actor: User,
    lifetime_days: int = LIFETIME_DEFAULT_DAYS,
    request: HttpRequest | None = None,
) -> ConsentSite:
    """A new site with its initial draft; nothing is served until it is published."""
    consent_lifetime_check(lifetime_days)
    origins = consent_origins_clean(allowed_origins)
    draft = consent_draft_initial(lifetime_days=lifetime_days, allowed_origins=origins)
    return consent_site_create(
        key=key,
        name=name.strip(),
        draft=draft,
        actor=actor,
        lifetime_days=lifetime_days,
        request=request,
    )


def draft_edit(
    *,
    site: ConsentSite,
    actor: User,
    request: HttpRequest | None,
    change: str,
    details: dict[str, Any],
    apply: Callable[[dict[str, Any]], None],
) -> ConsentSite:
    """Lock the site, apply ``apply`` to a copy of its draft, save it and audit the change:
    nothing is saved when ``apply`` refuses."""
    locked = ConsentSite.objects.select_for_update().get(pk=site.pk)
    draft = copy.deepcopy(locked.draft)
    apply(draft)
    locked.draft = draft
    locked.save(update_fields=["draft"])
    audit_record(
        action="consent.draft_updated",
        actor=actor,
        obj=locked,
        request=request,
        details={"key": locked.key, "change": change, **details},
    )
    return locked


@transaction.atomic
def consent_draft_settings_update(
    *,
    site: ConsentSite,
    name: str,
    allowed_origins: Sequence[str],
    lifetime_days: int,
    cookie_name: str,
    cookie_domain: str | None,
    actor: User,
    request: HttpRequest | None = None,
) -> ConsentSite:
    """The site's name (at once) and the draft's origins, choice lifetime and consent cookie."""
    consent_lifetime_check(lifetime_days)
    origins = consent_origins_clean(allowed_origins)
    if not COOKIE_NAME_RE.match(cookie_name) or len(cookie_name) > 64:
        raise invalid(_("Le nom du cookie de consentement est invalide."), "cookie_name")
    domain = (cookie_domain or "").strip().lower() or None
    if domain is not None and not DOMAIN_RE.match(domain):
        raise invalid(_("Domaine invalide (exemple : .exemple.fr)."), "cookie_domain")

    def apply(draft: dict[str, Any]) -> None:
        draft.update(
            lifetime_days=lifetime_days,
            allowed_origins=origins,
            cookie_name=cookie_name,
            cookie_domain=domain,
        )

    site = draft_edit(
        site=site,
        actor=actor,
        request=request,
        change="settings",
        details={"lifetime_days": lifetime_days, "allowed_origins": origins},
        apply=apply,
    )
    if site.name != name.strip():
        site.name = name.strip()
        site.save(update_fields=["name"])
    return site


@transaction.atomic
def consent_draft_texts_update(
    *,
    site: ConsentSite,
    texts: dict[str, dict[str, str]],
    actor: User,
    request: HttpRequest | None = None,
) -> ConsentSite:
    """Every banner text, in French and English; none may be empty."""
    cleaned: dict[str, dict[str, str]] = {}
    for lang in ("fr", "en"):
        cleaned[lang] = {}
        for key in TEXT_KEYS:
            value = (texts.get(lang) or {}).get(key, "").strip()
            if not value:
                raise invalid(_("Ce texte est obligatoire."), f"{key}_{lang}")
            cleaned[lang][key] = value

    def apply(draft: dict[str, Any]) -> None:
        draft["texts"] = cleaned

    return draft_edit(
        site=site, actor=actor, request=request, change="texts", details={}, apply=apply
    )


@transaction.atomic
def consent_draft_publish(
    *, site: ConsentSite, actor: User, request: HttpRequest | None = None
) -> ConsentSite:
    """Publish the draft as the next version, refused while ``consent_draft_problems`` finds
    anything: among others, a purpose the register's cookie processing does not declare (the
    register is the source of truth; the notice and the banner must say the same)."""
    locked = ConsentSite.objects.select_for_update().get(pk=site.pk)
    problems = consent_draft_problems(site=locked)
    if problems:
        first = problems[0]
        raise invalid(first.message, first.field)
    lifetime = locked.draft.get("lifetime_days", locked.lifetime_days)
    return consent_site_publish(site=locked, actor=actor, lifetime_days=lifetime, request=request)
