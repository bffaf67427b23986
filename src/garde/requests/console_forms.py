"""Forms of the DPO console: the list filters, a request entered by staff, and one small form
per action on a request. Forms only parse; the rules are in ``requests.services``."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garde.accounts.choices import OrganisationKind
from garde.accounts.models import Organisation, User
from garde.core.roles import Role
from garde.requests.choices import (
    Channel,
    RefusalReason,
    RequesterRelation,
    RequestKind,
    Right,
    Status,
)

STAFF_ENTRY_CHANNELS = [
    (Channel.POST.value, Channel.POST.label),
    (Channel.EMAIL.value, Channel.EMAIL.label),
    (Channel.PHONE.value, Channel.PHONE.label),
]
LANGUAGES = [("fr", "Français"), ("en", "English")]


def handlers() -> QuerySet[User]:
    """Operator staff who may be assigned a request (the DPO team and support)."""
    return (
        User.objects.filter(
            is_active=True,
            is_service_account=False,
            memberships__organisation__kind=OrganisationKind.OPERATOR,
            memberships__role__in=[Role.DPO, Role.SUPPORT],
        )
        .distinct()
        .order_by("full_name", "email")
    )


def client_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrganisationKind.CLIENT).order_by("name")


class HandlerChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>"


class ListFilterForm(forms.Form):
    """The queue's filters; every field optional, invalid values are ignored."""

    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        help_text=_("Référence, nom ou adresse e-mail"),
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Tous")), *RequestKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous")), ("open", _("Ouvertes")), *Status.choices],
    )
    assignee = forms.CharField(label=_("Assignée à"), required=False, max_length=20)
    overdue = forms.BooleanField(label=_("En retard"), required=False)
    due_this_week = forms.BooleanField(label=_("Échéance sous 7 jours"), required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class StaffEntryForm(forms.Form):
    """A request that arrived by post, e-mail or telephone, with its real receipt date
    (R-07): the clock runs from that date, not from today."""

    kind = forms.ChoiceField(label=_("Type de demande"), choices=RequestKind.choices)
    channel = forms.ChoiceField(label=_("Arrivée par"), choices=STAFF_ENTRY_CHANNELS)
    received_on = forms.DateField(
        label=_("Date de réception"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Le jour où la demande est arrivée : le délai légal court à partir de cette date."
        ),
    )
    received_time = forms.TimeField(
        label=_("Heure de réception"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Facultative : midi si elle est inconnue."),
    )
    requester_name = forms.CharField(label=_("Nom du demandeur"), max_length=150)
    requester_email = forms.EmailField(label=_("Adresse e-mail du demandeur"))
    requester_relation = forms.ChoiceField(
        label=_("Situation du demandeur"), choices=RequesterRelation.choices
    )
    rights = forms.MultipleChoiceField(
        label=_("Droits exercés"),
        choices=Right.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    services = forms.CharField(label=_("Service(s) concerné(s)"), max_length=300, required=False)
    client_organisation = forms.ModelChoiceField(
        label=_("Organisation cliente concernée"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Si la demande porte sur des données qu'un client nous confie."),
    )
    client_due_date = forms.DateField(
        label=_("Échéance du client"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Assistance RGPD : la date à laquelle le client doit répondre."),
    )
    description = forms.CharField(
        label=_("Demande"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000
    )
    language = forms.ChoiceField(label=_("Langue de la réponse"), choices=LANGUAGES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_organisation"].queryset = client_organisations()  # type: ignore[attr-defined]

    def received_at(self) -> datetime:
        day = self.cleaned_data["received_on"]
        moment = self.cleaned_data.get("received_time") or time(12, 0)
        return timezone.make_aware(datetime.combine(day, moment))


class AssignForm(forms.Form):
    assignee = HandlerChoiceField(
        label=_("Assigner à"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Personne"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = handlers()  # type: ignore[attr-defined]


class IdentityForm(forms.Form):
    doubt_reason = forms.CharField(
        label=_("Doute raisonnable sur l'identité"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Ce qui justifie de demander un justificatif (art. 12.6 du RGPD) et ce "
            "qu'il faut fournir."
        ),
    )


class ExtendForm(forms.Form):
    extra_months = forms.TypedChoiceField(
        label=_("Prolongation"),
        coerce=int,
        choices=[(1, _("1 mois")), (2, _("2 mois"))],
    )
    reason = forms.CharField(
        label=_("Motif communiqué au demandeur"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Complexité ou nombre des demandes (art. 12.3 du RGPD)."),
    )


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Réponse"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    uploads = MultipleFileField(label=_("Fichiers joints"), required=False)
    join_letter = forms.BooleanField(
        label=_("Joindre la lettre de réponse (PDF)"), required=False, initial=True
    )


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motif du refus"), choices=[("", "—"), *RefusalReason.choices]
    )
    detail = forms.CharField(
        label=_("Explication communiquée au demandeur"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Le courrier mentionne le droit de saisir la CNIL et un juge."),
    )


class ForwardForm(forms.Form):
    client = forms.ModelChoiceField(
        label=_("Organisation cliente responsable"),
        queryset=Organisation.objects.none(),
        help_text=_(
            "La demande part vers son contact « données personnelles » ; le demandeur "
            "est informé du destinataire."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = client_organisations()  # type: ignore[attr-defined]


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message au demandeur"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note interne"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Visible de l'équipe seulement, jamais du demandeur."),
    )


class PiaPackForm(forms.Form):
    activities = forms.MultipleChoiceField(
        label=_("Services décrits dans le dossier"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, activities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activities"].choices = activities  # type: ignore[attr-defined]


class EmptyForm(forms.Form):
    """Actions without fields (start, close)."""
