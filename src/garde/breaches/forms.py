"""Forms of the breach console and of the client's notice page. They parse; the rules are in
the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from garde.accounts.models import User
from garde.breaches.choices import (
    BreachSource,
    Circumstance,
    Nature,
    NotificationKind,
    Origin,
    PersonsDecision,
    ServiceKind,
)
from garde.breaches.services import BreachFacts
from garde.core.roles import STAFF_ROLES
from garde.dsr.models import Dataset
from garde.register.models import DataCategory, DataSubjectCategory, ProcessingActivity

LOCAL = {"type": "datetime-local"}
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _when(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs=LOCAL, format=LOCAL_FORMAT),
    )


def _text(label: Any, *, required: bool = False, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=TEXTAREA, max_length=20000, help_text=help_text
    )


class BreachForm(forms.Form):
    """The facts of a breach (point 1 of the register)."""

    source = forms.ChoiceField(label=_("Origine du signalement"), choices=BreachSource.choices)
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    discovered_at = _when(_("Découverte le"))
    discovery_method = _text(_("Comment la violation a été découverte"), required=True)
    aware_at = _when(
        _("Prise de connaissance le"),
    )
    started_at = _when(_("Début de la violation"), required=False)
    ended_at = _when(_("Fin de la violation (vide : en cours)"), required=False)
    description = _text(_("Description"), required=True)
    natures = forms.MultipleChoiceField(
        label=_("Nature"), choices=Nature.choices, widget=forms.CheckboxSelectMultiple
    )
    circumstance = forms.ChoiceField(
        label=_("Circonstances"), choices=[("", "—"), *Circumstance.choices], required=False
    )
    origin = forms.ChoiceField(label=_("Origine de l'incident"), choices=Origin.choices)
    services = forms.MultipleChoiceField(
        label=_("Services concernés"),
        choices=ServiceKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Accès à internet et téléphonie : délai de 24 heures (paquet télécom)."),
    )
    activities = forms.ModelMultipleChoiceField(
        label=_("Traitements concernés"),
        queryset=ProcessingActivity.objects.filter(archived_at__isnull=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    data_categories = forms.ModelMultipleChoiceField(
        label=_("Catégories de données"), queryset=DataCategory.objects.all(), required=False
    )
    data_detail = _text(_("Précisions sur les données"))
    subject_categories = forms.ModelMultipleChoiceField(
        label=_("Catégories de personnes"),
        queryset=DataSubjectCategory.objects.all(),
        required=False,
    )
    people_count = forms.IntegerField(
        label=_("Nombre approximatif de personnes"), min_value=0, required=False
    )
    records_count = forms.IntegerField(
        label=_("Nombre approximatif d'enregistrements"), min_value=0, required=False
    )
    vulnerable_people = forms.BooleanField(
        label=_("Mineurs ou personnes vulnérables"), required=False
    )
    consequences = _text(_("Conséquences probables"))
    measures_taken = _text(_("Mesures prises"))
    measures_proposed = _text(_("Mesures envisagées"))
    prior_measures = _text(_("Mesures préexistantes (ex. chiffrement)"))
    dpo_contact = _text(_("Contact du DPO"), required=True)
    cross_border = _text(_("Aspects transfrontaliers"))
    other_providers = _text(_("Autres fournisseurs concernés"))

    def facts(self) -> BreachFacts:
        data = dict(self.cleaned_data)
        data.pop("source", None)
        return BreachFacts(**data)


class AssessForm(forms.Form):
    """ENISA's severity method: the factors, each with its documented values."""

    dpc_base = forms.TypedChoiceField(
        label=_("Contexte du traitement (DPC) : type de données"),
        coerce=Decimal,
        choices=[
            ("1", _("1 — données simples")),
            ("2", _("2 — données comportementales")),
            ("3", _("3 — données financières")),
            ("4", _("4 — données sensibles")),
        ],
    )
    dpc_adjustment = forms.DecimalField(
        label=_("Ajustement du contexte"),
        min_value=Decimal(-3),
        max_value=Decimal(3),
        initial=Decimal(0),
        decimal_places=2,
    )
    ei = forms.TypedChoiceField(
        label=_("Facilité d'identification (EI)"),
        coerce=Decimal,
        choices=[
            ("0.25", _("0,25 — négligeable")),
            ("0.5", _("0,5 — limitée")),
            ("0.75", _("0,75 — importante")),
            ("1", _("1 — maximale")),
        ],
    )
    confidentiality = forms.TypedChoiceField(
        label=_("Perte de confidentialité"),
        coerce=Decimal,
        choices=[
            ("0", _("0 — aucune")),
            ("0.25", _("0,25 — destinataires connus")),
            ("0.5", _("0,5 — destinataires inconnus")),
        ],
    )
    integrity = forms.TypedChoiceField(
        label=_("Perte d'intégrité"),
        coerce=Decimal,
        choices=[
            ("0", _("0 — aucune")),
            ("0.25", _("0,25 — données récupérables")),
            ("0.5", _("0,5 — données non récupérables")),
        ],
    )
    availability = forms.TypedChoiceField(
        label=_("Perte de disponibilité"),
        coerce=Decimal,
        choices=[
            ("0", _("0 — aucune")),
            ("0.25", _("0,25 — temporaire")),
            ("0.5", _("0,5 — définitive")),
        ],
    )
    malicious = forms.BooleanField(label=_("Intention malveillante (+0,5)"), required=False)
    rationale = _text(_("Justification"), required=True)


class AuthorityDecisionForm(forms.Form):
    notify = forms.TypedChoiceField(
        label=_("Notifier la CNIL"),
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Oui")), ("no", _("Non"))],
        widget=forms.RadioSelect,
    )
    reason = _text(_("Motif"), required=True)


class PersonsDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Information des personnes"),
        choices=[c for c in PersonsDecision.choices if c[0]],
        widget=forms.RadioSelect,
    )
    reason = _text(_("Motif et éléments de preuve"), required=True)
    public_notice_url = forms.URLField(
        label=_("Communication publique (34.3.c)"), required=False, assume_scheme="https"
    )


class NotificationDraftForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de notification"), choices=NotificationKind.choices)


class NotificationSentForm(forms.Form):
    sent_at = _when(_("Envoyée le"))
    cnil_reference = forms.CharField(
        label=_("Référence donnée par la CNIL"), max_length=100, required=False
    )
    delay_reason = _text(_("Motifs du retard (si hors délai)"))


class CloseForm(forms.Form):
    reason = _text(_("Motif de clôture"), required=True)


class AssignForm(forms.Form):
    users = forms.ModelMultipleChoiceField(
        label=_("Personnel ayant accès"),
        queryset=User.objects.filter(memberships__role__in=STAFF_ROLES, is_active=True)
        .distinct()
        .order_by("email"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class CampaignForm(forms.Form):
    language = forms.ChoiceField(label=_("Langue"), choices=[("fr", "Français"), ("en", "English")])
    subject = forms.CharField(label=pgettext_lazy("e-mail", "Objet"), max_length=200)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 14}), max_length=20000
    )
    people = forms.FileField(
        label=_("Personnes concernées (CSV)"),
        help_text=_("Colonnes « email » et, au choix, « name »."),
    )


class DatasetChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.system.name} / {obj.fides_key}"


def _datasets(widget: Any) -> DatasetChoiceField:
    return DatasetChoiceField(
        label=_("Systèmes et jeux de données"),
        queryset=Dataset.objects.filter(system__isnull=False).select_related("system"),
        widget=widget,
    )


def _categories(widget: Any) -> forms.ModelMultipleChoiceField:  # type: ignore[type-arg]
    return forms.ModelMultipleChoiceField(
        label=_("Catégories de données touchées"),
        queryset=DataCategory.objects.all(),
        widget=widget,
        help_text=_("Une collection qui en contient une est touchée : toutes ses adresses."),
    )


class PeopleSearchForm(forms.Form):
    """Find the people concerned with the data map: where, and which data."""

    datasets = _datasets(forms.CheckboxSelectMultiple)
    categories = _categories(forms.SelectMultiple)


class PeopleConfirmForm(forms.Form):
    """Use the list a search found: the same search, the digest of the list shown, and the
    message."""

    datasets = _datasets(forms.MultipleHiddenInput)
    categories = _categories(forms.MultipleHiddenInput)
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)
    language = forms.ChoiceField(label=_("Langue"), choices=[("fr", "Français"), ("en", "English")])
    subject = forms.CharField(label=pgettext_lazy("e-mail", "Objet"), max_length=200)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 14}), max_length=20000
    )


class QuestionForm(forms.Form):
    body = forms.CharField(label=_("Votre question"), widget=TEXTAREA, max_length=10000)
