"""Console writes on the purposes of a site's draft, and on the services and cookies under
each purpose. Each edit is one audited ``consent.draft_updated`` action (``draft_edit``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from garde.consent.console_services import (
    COOKIE_NAME_RE,
    DOMAIN_RE,
    KEY_RE,
    draft_edit,
    invalid,
)
from garde.consent.models import LIFETIME_MAX_DAYS, ConsentSite
from garde.consent.services import NECESSARY

if TYPE_CHECKING:
    from garde.accounts.models import User

_PATH_RE = re.compile(r"^/[^\s;,]{0,200}$")


def _purposes(draft: dict[str, Any]) -> list[dict[str, Any]]:
    purposes: list[dict[str, Any]] = draft.setdefault("purposes", [])
    return purposes


def _purpose(draft: dict[str, Any], purpose_key: str) -> dict[str, Any]:
    for purpose in _purposes(draft):
        if purpose.get("key") == purpose_key:
            return purpose
    raise invalid(_("Cette finalité n'existe pas dans le brouillon."), "purpose")


def _service(purpose: dict[str, Any], index: int) -> dict[str, Any]:
    services: list[dict[str, Any]] = purpose.setdefault("services", [])
    if not 0 <= index < len(services):
        raise invalid(_("Ce service n'existe pas dans le brouillon."), "service")
    return services[index]


@transaction.atomic
def consent_draft_purpose_save(
    *,
    site: ConsentSite,
    purpose_key: str | None,
    key: str,
    name: dict[str, str],
    description: dict[str, str],
    register_purposes: Sequence[str],
    actor: User,
    request: HttpRequest | None = None,
) -> ConsentSite:
    """Add a purpose (``purpose_key`` None) or change one. Keys are unique; "necessary" is the
    one required purpose and keeps its key."""
    if not KEY_RE.match(key):
        raise invalid(
            _("Clé invalide : minuscules, chiffres, « _ » et « - », commençant par une lettre."),
            "key",
        )
    if purpose_key == NECESSARY and key != NECESSARY:
        raise invalid(_("La finalité « necessary » garde sa clé."), "key")
    for lang in ("fr", "en"):
        if not name.get(lang, "").strip():
            raise invalid(_("Ce texte est obligatoire."), f"name_{lang}")
        if not description.get(lang, "").strip():
            raise invalid(_("Ce texte est obligatoire."), f"description_{lang}")

    def apply(draft: dict[str, Any]) -> None:
        others = [p.get("key") for p in _purposes(draft) if p.get("key") != purpose_key]
        if key in others:
            raise invalid(_("Une autre finalité porte déjà cette clé."), "key")
        if purpose_key is None:
            purpose: dict[str, Any] = {"key": key, "services": []}
            _purposes(draft).append(purpose)
        else:
            purpose = _purpose(draft, purpose_key)
        purpose.update(
            key=key,
            required=key == NECESSARY,
            name={lang: name[lang].strip() for lang in ("fr", "en")},
            description={lang: description[lang].strip() for lang in ("fr", "en")},
            register_purposes=list(dict.fromkeys(register_purposes)),
        )

    return draft_edit(
        site=site,
        actor=actor,
        request=request,
        change="purpose_added" if purpose_key is None else "purpose_changed",
        details={"purpose": key},
        apply=apply,
    )


@transaction.atomic
def consent_draft_purpose_remove(
    *, site: ConsentSite, purpose_key: str, actor: User, request: HttpRequest | None = None
) -> ConsentSite:
    """Remove a purpose with its services and cookies; "necessary" stays."""
    if purpose_key == NECESSARY:
        raise invalid(_("La finalité « necessary » ne peut pas être retirée."), "purpose")

    def apply(draft: dict[str, Any]) -> None:
        _purpose(draft, purpose_key)
        draft["purposes"] = [p for p in _purposes(draft) if p.get("key") != purpose_key]

    return draft_edit(
        site=site,
        actor=actor,
        request=request,
        change="purpose_removed",
        details={"purpose": purpose_key},
        apply=apply,
    )


@transaction.atomic
def consent_draft_service_add(
    *,
    site: ConsentSite,
    purpose_key: str,
    name: str,
    actor: User,
    request: HttpRequest | None = None,
) -> ConsentSite:
    """A service (a provider or tool) under a purpose; its name is unique in the purpose."""
    name = name.strip()
    if not name:
        raise invalid(_("Ce texte est obligatoire."), "name")

    def apply(draft: dict[str, Any]) -> None:
        purpose = _purpose(draft, purpose_key)
        services: list[dict[str, Any]] = purpose.setdefault("services", [])
        if any(s.get("name", "").casefold() == name.casefold() for s in services):
            raise invalid(_("Cette finalité a déjà un service de ce nom."), "name")
        services.append({"name": name, "cookies": []})

    return draft_edit(
        site=site,
        actor=actor,
        request=request,
        change="service_added",
        details={"purpose": purpose_key, "service": name},
        apply=apply,
    )


@transaction.atomic
def consent_draft_service_remove(
    *,
    site: ConsentSite,
    purpose_key: str,
    service_index: int,
    actor: User,
    request: HttpRequest | None = None,
) -> ConsentSite:
    details: dict[str, Any] = {"purpose": purpose_key}

    def apply(draft: dict[str, Any]) -> None:
        purpose = _purpose(draft, purpose_key)
        details["service"] = _service(purpose, service_index).get("name", "")
        del purpose["services"][service_index]

    return draft_edit(
        site=site,
        actor=actor,
        request=request,
        change="service_removed",
        details=details,
        apply=apply,
    )


def consent_cookie_check(
    *, name: str, domain: str | None, path: str, lifetime_days: int
) -> tuple[str | None, str]:
    """Cookie syntax (RFC 6265) and R-58: no cookie lives more than 13 months (0: a session
    cookie). Returns the normalised domain and path."""
    if not COOKIE_NAME_RE.match(name):
        raise invalid(
            _(
                "Nom de cookie invalide : lettres, chiffres et - _ . ! # $ & ' * + ^ ` | ~ "
                "seulement, sans espace ni « = » ni « ; »."
            ),
            "name",
        )
    cleaned_domain = (domain or "").strip().lower() or None
    if cleaned_domain is not None and not DOMAIN_RE.match(cleaned_domain):
        raise invalid(_("Domaine invalide (exemple : .exemple.fr)."), "domain")
    cleaned_path = path.strip() or "/"
    if not _PATH_RE.match(cleaned_path):
        raise invalid(_("Le chemin commence par « / », sans espace ni « ; »."), "path")
    if not 0 <= lifetime_days <= LIFETIME_MAX_DAYS:
        raise invalid(
            _("Un cookie vit au plus 13 mois (%(max)d jours) ; 0 pour un cookie de session.")
            % {"max": LIFETIME_MAX_DAYS},
            "lifetime_days",
        )
    return cleaned_domain, cleaned_path


@transaction.atomic
def consent_draft_cookie_add(
    *,
    site: ConsentSite,
    purpose_key: str,
    service_index: int,
    name: str,
    domain: str | None,
    path: str,
    lifetime_days: int,
    description: dict[str, str],
    actor: User,
    request: HttpRequest | None = None,
) -> ConsentSite:
    """A cookie a service sets. The same cookie (name, domain, path) is declared once in the
    whole configuration: withdrawing one purpose must not delete another's cookie."""
    cleaned_domain, cleaned_path = consent_cookie_check(
        name=name, domain=domain, path=path, lifetime_days=lifetime_days
    )
    for lang in ("fr", "en"):
        if not description.get(lang, "").strip():
            raise invalid(_("Ce texte est obligatoire."), f"description_{lang}")
    identity = (name, cleaned_domain, cleaned_path)

    def apply(draft: dict[str, Any]) -> None:
        service = _service(_purpose(draft, purpose_key), service_index)
        for purpose in _purposes(draft):
            for other in purpose.get("services", []):
                for cookie in other.get("cookies", []):
                    if (cookie.get("name"), cookie.get("domain"), cookie.get("path", "/")) == (
                        identity
                    ):
                        raise invalid(
                            _("Ce cookie est déjà déclaré (finalité « %(purpose)s »).")
                            % {"purpose": purpose.get("key")},
                            "name",
                        )
        service.setdefault("cookies", []).append(
            {
                "name": name,
                "domain": cleaned_domain,
                "path": cleaned_path,
                "lifetime_days": lifetime_days,
                "description": {lang: description[lang].strip() for lang in ("fr", "en")},
            }
        )

    return draft_edit(
        site=site,
        actor=actor,
        request=request,
        change="cookie_added",
        details={"purpose": purpose_key, "cookie": name},
        apply=apply,
    )


@transaction.atomic
def consent_draft_cookie_remove(
    *,
    site: ConsentSite,
    purpose_key: str,
    service_index: int,
    cookie_index: int,
    actor: User,
    request: HttpRequest | None = None,
) -> ConsentSite:
    details: dict[str, Any] = {"purpose": purpose_key}

    def apply(draft: dict[str, Any]) -> None:
        cookies = _service(_purpose(draft, purpose_key), service_index).get("cookies", [])
        if not 0 <= cookie_index < len(cookies):
            raise invalid(_("Ce cookie n'existe pas dans le brouillon."), "cookie")
        details["cookie"] = cookies.pop(cookie_index).get("name", "")

    return draft_edit(
        site=site,
        actor=actor,
        request=request,
        change="cookie_removed",
        details=details,
        apply=apply,
    )
