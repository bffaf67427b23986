"""Console reads on a consent site's draft: the purposes the register declares for the websites'
cookie processing, what stands in the way of publishing the draft, and how the draft differs
from the published version.

A purpose the register does not declare is a refusal, not a warning. The register is Garde's
single source of truth and the public notice is generated from its published version: a banner
asking consent for a purpose the notice does not describe would make the two disagree (GDPR
art. 13, art. 30(1)(b); CNIL 2020-092 art. 2, informed consent). The DPO who edits the banner
also owns the register, so the fix (declare the purpose, publish the register) is one page away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from garde.consent.errors import ConsentInvalidError
from garde.consent.models import LIFETIME_MAX_DAYS, ConsentSite
from garde.consent.services import NECESSARY, consent_config_validate
from garde.register.selectors import register_version_latest

REGISTER_ACTIVITY = "website-cookies"


@dataclass(frozen=True)
class RegisterPurposes:
    """The cookie processing as the latest published register states it: its name and its
    purposes, French and English side by side (``None``: the register does not declare it)."""

    version: int
    name_fr: str
    name_en: str
    purposes: tuple[tuple[str, str], ...]

    @property
    def purposes_fr(self) -> frozenset[str]:
        return frozenset(fr for fr, _en in self.purposes)


@dataclass(frozen=True)
class DraftProblem:
    """Something that keeps the draft from being published, with the field at fault."""

    message: str
    field: str


@dataclass(frozen=True)
class DraftChange:
    """One difference between the published configuration and the draft."""

    path: str
    before: Any
    after: Any


def consent_register_purposes(*, slug: str = REGISTER_ACTIVITY) -> RegisterPurposes | None:
    """The register's cookie processing in its latest published version, or None when no
    version is published or it lacks the activity."""
    version = register_version_latest()
    if version is None:
        return None
    for activity in version.snapshot.get("activities", []):
        if activity.get("slug") == slug:
            fr: list[str] = activity.get("purposes_fr", [])
            en: list[str] = activity.get("purposes_en", [])
            pairs = tuple((line, en[i] if i < len(en) else "") for i, line in enumerate(fr))
            return RegisterPurposes(
                version=version.number,
                name_fr=activity.get("name_fr", ""),
                name_en=activity.get("name_en", ""),
                purposes=pairs,
            )
    return None


def _cookie_problems(draft: dict[str, Any]) -> list[DraftProblem]:
    problems: list[DraftProblem] = []
    for index, purpose in enumerate(draft.get("purposes", [])):
        for service in purpose.get("services", []):
            for cookie in service.get("cookies", []):
                lifetime = cookie.get("lifetime_days", 0)
                if not isinstance(lifetime, int) or not 0 <= lifetime <= LIFETIME_MAX_DAYS:
                    problems.append(
                        DraftProblem(
                            _("Le cookie « %(name)s » vit plus de 13 mois.")
                            % {"name": cookie.get("name")},
                            f"purposes.{index}",
                        )
                    )
    return problems


def consent_draft_problems(
    *, site: ConsentSite, register: RegisterPurposes | None = None
) -> list[DraftProblem]:
    """Everything that refuses publication of the draft, in the order the page shows them:
    the banner's own rules, the choice's lifetime, the cookies' lifetimes (R-58), each
    optional purpose naming at least one service (R-52), and the tie to the register."""
    draft: dict[str, Any] = site.draft
    problems: list[DraftProblem] = []
    try:
        consent_config_validate(draft)
    except ConsentInvalidError as error:
        problems.append(DraftProblem(error.message, error.field or ""))
    lifetime = draft.get("lifetime_days", site.lifetime_days)
    if not isinstance(lifetime, int) or not 1 <= lifetime <= LIFETIME_MAX_DAYS:
        problems.append(
            DraftProblem(
                _("La durée de conservation du choix va de 1 à %(max)d jours (13 mois).")
                % {"max": LIFETIME_MAX_DAYS},
                "lifetime_days",
            )
        )
    problems += _cookie_problems(draft)
    purposes: list[dict[str, Any]] = draft.get("purposes", [])
    for index, purpose in enumerate(purposes):
        if purpose.get("key") != NECESSARY and not purpose.get("services"):
            problems.append(
                DraftProblem(
                    _(
                        "La finalité « %(key)s » ne nomme aucun service : le visiteur doit "
                        "savoir qui dépose les cookies."
                    )
                    % {"key": purpose.get("key")},
                    f"purposes.{index}",
                )
            )
    register = register if register is not None else consent_register_purposes()
    if register is None:
        problems.append(
            DraftProblem(
                _(
                    "Le registre publié ne déclare pas le traitement des cookies "
                    "(« %(slug)s ») : publiez d'abord le registre."
                )
                % {"slug": REGISTER_ACTIVITY},
                "register",
            )
        )
        return problems
    declared = register.purposes_fr
    for index, purpose in enumerate(purposes):
        linked: list[str] = purpose.get("register_purposes", [])
        unknown = [line for line in linked if line not in declared]
        if not linked:
            problems.append(
                DraftProblem(
                    _("La finalité « %(key)s » n'est rattachée à aucune finalité du registre.")
                    % {"key": purpose.get("key")},
                    f"purposes.{index}",
                )
            )
        elif unknown:
            problems.append(
                DraftProblem(
                    _(
                        "La finalité « %(key)s » renvoie à une finalité que le registre ne "
                        "déclare pas : « %(line)s »."
                    )
                    % {"key": purpose.get("key"), "line": unknown[0]},
                    f"purposes.{index}",
                )
            )
    return problems


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    """Paths that name list items by their key (purposes), name (services, cookies) or
    position, so that reordering nothing shows nothing."""
    if isinstance(value, dict):
        for key in sorted(value):
            _flatten(value[key], f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for position, item in enumerate(value):
            label = item.get("key") or item.get("name") or str(position)
            if "domain" in item and item.get("domain"):
                label = f"{label}@{item['domain']}"
            _flatten(item, f"{path}[{label}]", out)
    else:
        out[path] = value


def consent_draft_diff(*, site: ConsentSite) -> list[DraftChange]:
    """What publishing the draft would change, path by path (empty: nothing)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    published = dict(site.published)
    if site.version:
        published.setdefault("lifetime_days", site.lifetime_days)
    _flatten(published, "", before)
    _flatten(site.draft, "", after)
    return [
        DraftChange(path, before.get(path), after.get(path))
        for path in sorted(set(before) | set(after))
        if before.get(path) != after.get(path)
    ]
