"""The demo site "demo": the consent configuration the Garde pages themselves use, with the
purposes of the privacy policy (strictly necessary, statistics, preferences)."""

from __future__ import annotations

from typing import Any

from garde.consent.models import ConsentSite
from garde.consent.services import consent_site_create, consent_site_publish

DEMO_SITE = "demo"

DEMO_CONFIG: dict[str, Any] = {
    "cookie_name": "garde_consent",
    "cookie_domain": None,
    "texts": {
        "fr": {
            "title": "Vos choix sur les cookies",
            "body": (
                "Nous utilisons des cookies nécessaires au fonctionnement du site (connexion, "
                "session, mémorisation de votre choix) et, avec votre accord, des cookies de "
                "statistiques et de préférences. Vous pouvez changer d'avis à tout moment."
            ),
            "accept_all": "Tout accepter",
            "refuse_all": "Tout refuser",
            "customise": "Personnaliser",
            "save": "Enregistrer mes choix",
            "close": "Fermer",
            "gpc_notice": (
                "Votre navigateur envoie le signal Global Privacy Control : les cookies non "
                "nécessaires sont refusés."
            ),
            "required": "Toujours actif",
            "history": "Historique de mes choix",
            "download": "Télécharger",
            "placeholder": "Ce contenu est bloqué tant que vous n'avez pas accepté : %s.",
            "accept_one": "Accepter et afficher",
        },
        "en": {
            "title": "Your cookie choices",
            "body": (
                "We use cookies the site needs to work (log-in, session, remembering your "
                "choice) and, with your consent, statistics and preferences cookies. You can "
                "change your mind at any time."
            ),
            "accept_all": "Accept all",
            "refuse_all": "Refuse all",
            "customise": "Customise",
            "save": "Save my choices",
            "close": "Close",
            "gpc_notice": (
                "Your browser sends the Global Privacy Control signal: non-essential cookies "
                "are refused."
            ),
            "required": "Always on",
            "history": "History of my choices",
            "download": "Download",
            "placeholder": "This content is blocked until you accept: %s.",
            "accept_one": "Accept and show",
        },
    },
    "purposes": [
        {
            "key": "necessary",
            "required": True,
            "name": {"fr": "Strictement nécessaires", "en": "Strictly necessary"},
            "description": {
                "fr": "Connexion, session et mémorisation de votre choix sur les cookies.",
                "en": "Log-in, session and remembering your cookie choice.",
            },
            "services": [
                {
                    "name": "Garde",
                    "cookies": [
                        {"name": "sessionid", "domain": None, "path": "/"},
                        {"name": "csrftoken", "domain": None, "path": "/"},
                        {"name": "garde_consent", "domain": None, "path": "/"},
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
            "services": [
                {
                    "name": "Statistiques de démonstration",
                    "cookies": [{"name": "_demo_stats", "domain": None, "path": "/"}],
                }
            ],
        },
        {
            "key": "preferences",
            "required": False,
            "name": {"fr": "Préférences", "en": "Preferences"},
            "description": {
                "fr": "Reconnaître un visiteur qui revient et retenir ses réglages.",
                "en": "Recognising a returning visitor and keeping their settings.",
            },
            "services": [
                {
                    "name": "Préférences de démonstration",
                    "cookies": [{"name": "_demo_prefs", "domain": None, "path": "/"}],
                }
            ],
        },
    ],
}


def demo_load() -> list[str]:
    """Demo loader (``garde demo``): create and publish site "demo" once; later runs keep it."""
    site = ConsentSite.objects.filter(key=DEMO_SITE).first()
    if site is None:
        site = consent_site_create(
            key=DEMO_SITE, name="Site de démonstration", draft=DEMO_CONFIG, actor=None
        )
    if site.version == 0:
        site = consent_site_publish(site=site, actor=None)
    return [f"consent: site '{site.key}' published (version {site.version})"]
