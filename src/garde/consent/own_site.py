"""Garde's own public pages (home, notice, rights form, and the operator's other forms) are one
of the operator's websites: they embed the banner with site key ``garde`` (see
``web/base.html``). The site is created and published once, idempotently, by the demo loader
and on start; the DPO then edits it in the console like any other site.

Its consent cookie has its own name so that a choice made on another site served from the same
host (the banner's demo page, site "demo") is never read as a choice about this one.
"""

from __future__ import annotations

import copy
from typing import Any

from garde.consent.demo import DEMO_CONFIG
from garde.consent.models import LIFETIME_DEFAULT_DAYS, ConsentSite
from garde.consent.services import consent_site_create, consent_site_publish

OWN_SITE = "garde"
OWN_COOKIE = "garde_site_consent"

# The purposes of the register's "website-cookies" activity (register/defaults/websites.py).
_LOGIN = "Vous permettre de vous connecter"
_STATISTICS = (
    "Établir des statistiques sans identifier une quelconque autre information individuelle"
)
_PREFERENCES = "Mémoriser vos préférences et vos paramètres"


def _cookie(name: str, days: int, fr: str, en: str) -> dict[str, Any]:
    return {
        "name": name,
        "domain": None,
        "path": "/",
        "lifetime_days": days,
        "description": {"fr": fr, "en": en},
    }


OWN_CONFIG: dict[str, Any] = {
    "cookie_name": OWN_COOKIE,
    "cookie_domain": None,
    "lifetime_days": LIFETIME_DEFAULT_DAYS,
    "allowed_origins": [],
    "register_activity": "website-cookies",
    "texts": copy.deepcopy(DEMO_CONFIG["texts"]),
    "purposes": [
        {
            "key": "necessary",
            "required": True,
            "name": {"fr": "Strictement nécessaires", "en": "Strictly necessary"},
            "description": {
                "fr": "Connexion, sécurité des formulaires, langue choisie et mémorisation de "
                "votre choix sur les cookies.",
                "en": "Log-in, form security, the language you chose and remembering your "
                "cookie choice.",
            },
            "register_purposes": [_LOGIN],
            "services": [
                {
                    "name": "Garde",
                    "cookies": [
                        _cookie("garde_session", 0, "Votre session.", "Your session."),
                        _cookie(
                            "garde_csrf", 364, "Protège les formulaires.", "Protects the forms."
                        ),
                        _cookie("garde_lang", 0, "La langue choisie.", "The language you chose."),
                        _cookie(
                            OWN_COOKIE,
                            LIFETIME_DEFAULT_DAYS,
                            "Mémorise votre choix sur les cookies.",
                            "Remembers your cookie choice.",
                        ),
                    ],
                }
            ],
        },
        {
            "key": "statistics",
            "required": False,
            "name": {"fr": "Statistiques", "en": "Statistics"},
            "description": {
                "fr": "Mesurer la fréquentation des pages pour améliorer le site.",
                "en": "Measuring page visits to improve the site.",
            },
            "register_purposes": [_STATISTICS],
            "services": [
                {
                    "name": "Mesure d'audience",
                    "cookies": [
                        _cookie(
                            "garde_stats",
                            395,
                            "Distingue les visites.",
                            "Tells visits apart.",
                        )
                    ],
                }
            ],
        },
        {
            "key": "preferences",
            "required": False,
            "name": {"fr": "Préférences", "en": "Preferences"},
            "description": {
                "fr": "Retenir vos réglages d'affichage d'une visite à l'autre.",
                "en": "Keeping your display settings from one visit to the next.",
            },
            "register_purposes": [_PREFERENCES],
            "services": [
                {
                    "name": "Préférences d'affichage",
                    "cookies": [
                        _cookie(
                            "garde_prefs",
                            LIFETIME_DEFAULT_DAYS,
                            "Vos réglages d'affichage.",
                            "Your display settings.",
                        )
                    ],
                }
            ],
        },
    ],
}


def own_site_ensure() -> ConsentSite:
    """Create and publish Garde's own site if it does not exist or was never published; an
    existing site is left as the DPO made it."""
    site = ConsentSite.objects.filter(key=OWN_SITE).first()
    if site is None:
        site = consent_site_create(
            key=OWN_SITE,
            name="Garde (pages publiques)",
            draft=copy.deepcopy(OWN_CONFIG),
            actor=None,
        )
    if site.version == 0:
        site = consent_site_publish(site=site, actor=None)
    return site


def demo_load() -> list[str]:
    """Demo loader (``garde demo``)."""
    site = own_site_ensure()
    return [f"consent: site '{site.key}' published (version {site.version})"]
