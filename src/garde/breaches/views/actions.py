"""The DPO's actions on a breach page: each is a form posted to the page with its name, parsed
here and handed to one service. An action that returns a dict has the page shown again with
that dict in its context (the people search shows what it found) instead of a redirect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from garde.accounts.models import User
from garde.breaches import clients, decisions, notifications, persons, services
from garde.breaches import forms as bf
from garde.breaches.errors import BreachError, BreachStateError
from garde.breaches.models import Breach
from garde.breaches.selectors import notification_draft_pending

SAMPLE_SIZE = 20


@dataclass(frozen=True)
class Action:
    label: Any
    form: type[forms.Form]
    run: Callable[[Breach, dict[str, Any], User, HttpRequest], object]
    listed: bool = True  # False: offered by another action's result, not on the page itself


def _assess(breach: Breach, data: dict[str, Any], user: User, request: HttpRequest) -> None:
    services.breach_assess(breach=breach, actor=user, request=request, **data)


def _authority(breach: Breach, data: dict[str, Any], user: User, request: HttpRequest) -> None:
    decisions.breach_decide_authority(breach=breach, actor=user, request=request, **data)


def _persons(breach: Breach, data: dict[str, Any], user: User, request: HttpRequest) -> None:
    decisions.breach_decide_persons(breach=breach, actor=user, request=request, **data)


def _assign(breach: Breach, data: dict[str, Any], user: User, request: HttpRequest) -> None:
    decisions.breach_assign(breach=breach, actor=user, users=data["users"], request=request)


def _close(breach: Breach, data: dict[str, Any], user: User, request: HttpRequest) -> None:
    decisions.breach_close(breach=breach, actor=user, reason=data["reason"], request=request)


def _clients(breach: Breach, data: dict[str, Any], user: User, request: HttpRequest) -> None:
    clients.breach_notify_clients(breach=breach, actor=user, request=request)


def _draft(breach: Breach, data: dict[str, Any], user: User, request: HttpRequest) -> None:
    notifications.breach_notification_draft(
        breach=breach, actor=user, kind=data["kind"], request=request
    )


def _sent(breach: Breach, data: dict[str, Any], user: User, request: HttpRequest) -> None:
    draft = notification_draft_pending(breach)
    if draft is None:
        raise BreachStateError(str(_("Rédigez d'abord la notification.")), field="sent_at")
    notifications.breach_notification_record_sent(
        notification=draft, actor=user, request=request, **data
    )


def _campaign(breach: Breach, data: dict[str, Any], user: User, request: HttpRequest) -> None:
    raw = data["people"].read(persons.MAX_RECIPIENTS * 300)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BreachError(str(_("Le fichier doit être en UTF-8.")), field="people") from error
    campaign = persons.person_campaign_create(
        breach=breach,
        actor=user,
        language=data["language"],
        subject=data["subject"],
        body=data["body"],
        people=persons.persons_from_csv(text),
        request=request,
    )
    persons.person_campaign_start(campaign=campaign, actor=user, request=request)


def _people_search(
    breach: Breach, data: dict[str, Any], user: User, request: HttpRequest
) -> dict[str, Any]:
    datasets, categories = list(data["datasets"]), list(data["categories"])
    result = persons.persons_search(
        breach=breach, actor=user, datasets=datasets, categories=categories, request=request
    )
    subject, body = persons.message_default(breach, "fr")
    confirm = bf.PeopleConfirmForm(
        prefix="people_confirm",
        initial={
            "datasets": datasets,
            "categories": categories,
            "fingerprint": result.fingerprint(),
            "language": "fr",
            "subject": subject,
            "body": body,
        },
    )
    return {
        "people_search": {
            "result": result,
            "sample": result.people[:SAMPLE_SIZE],
            "confirm": confirm if result.people else None,
        }
    }


def _people_confirm(breach: Breach, data: dict[str, Any], user: User, request: HttpRequest) -> None:
    datasets, categories = list(data["datasets"]), list(data["categories"])
    # The list is found again rather than carried by the page: the addresses never leave the
    # server, and a list that changed since it was shown is not sent unseen.
    result = persons.persons_search(
        breach=breach, actor=user, datasets=datasets, categories=categories, request=request
    )
    if not result.people:
        raise BreachError(str(_("La recherche n'a trouvé personne.")))
    if result.fingerprint() != data["fingerprint"]:
        raise BreachStateError(
            str(_("La liste a changé depuis la recherche : relancez-la et vérifiez-la."))
        )
    campaign = persons.person_campaign_create(
        breach=breach,
        actor=user,
        language=data["language"],
        subject=data["subject"],
        body=data["body"],
        people=[persons.Person(email=address) for address in result.addresses()],
        source="search",
        search=persons.search_summary(result, datasets=datasets, categories=categories),
        request=request,
    )
    persons.person_campaign_start(campaign=campaign, actor=user, request=request)


class EmptyForm(forms.Form):
    pass


ACTIONS: dict[str, Action] = {
    "assess": Action(_("Évaluer le risque"), bf.AssessForm, _assess),
    "authority": Action(
        _("Décider de la notification à la CNIL"), bf.AuthorityDecisionForm, _authority
    ),
    "clients": Action(_("Informer les clients concernés"), EmptyForm, _clients),
    "draft": Action(_("Rédiger la notification à la CNIL"), bf.NotificationDraftForm, _draft),
    "sent": Action(_("Enregistrer l'envoi à la CNIL"), bf.NotificationSentForm, _sent),
    "persons": Action(
        _("Décider de l'information des personnes"), bf.PersonsDecisionForm, _persons
    ),
    "people_search": Action(
        _("Rechercher les personnes avec la cartographie"), bf.PeopleSearchForm, _people_search
    ),
    "people_confirm": Action(
        _("Utiliser cette liste et envoyer le message"),
        bf.PeopleConfirmForm,
        _people_confirm,
        listed=False,
    ),
    "campaign": Action(_("Envoyer le message aux personnes"), bf.CampaignForm, _campaign),
    "assign": Action(_("Donner accès"), bf.AssignForm, _assign),
    "close": Action(_("Clôturer"), bf.CloseForm, _close),
}


def action_forms(breach: Breach, bound: tuple[str, forms.Form] | None = None) -> dict[str, Any]:
    """One form per action, prefixed by its name; ``bound`` replaces the one just posted."""
    built: dict[str, Any] = {}
    for name, action in ACTIONS.items():
        if bound is not None and bound[0] == name:
            built[name] = {"label": action.label, "form": bound[1]}
            continue
        if not action.listed:
            continue
        initial: dict[str, Any] = {}
        if name == "people_search":
            initial = persons.search_defaults(breach)
        elif name == "assign":
            initial = {"users": list(breach.assignees.all())}
        elif name == "campaign":
            subject, body = persons.message_default(breach, "fr")
            initial = {"subject": subject, "body": body, "language": "fr"}
        built[name] = {"label": action.label, "form": action.form(prefix=name, initial=initial)}
    return built
