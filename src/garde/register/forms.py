"""Console forms of the register. They parse input only: the register's rules are checked by
``services.activities``, whose errors the views attach to the field at fault."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garde.accounts.choices import OrganisationKind
from garde.accounts.models import Organisation
from garde.register.choices import DataSource
from garde.register.formatting import field_label
from garde.register.models import DataCategory, ProcessingActivity, RetentionRule
from garde.register.services.activities import ACTIVITY_FIELDS, NOT_STATED_FIELDS, RULE_FIELDS

_CHECKBOXES = forms.CheckboxSelectMultiple


class DataCategoryChoiceField(forms.ModelMultipleChoiceField[DataCategory]):
    """Data categories shown with their fideslang key."""

    def label_from_instance(self, obj: DataCategory) -> str:
        return f"{obj.name} ({obj.key})"


class DataCategoryField(forms.ModelChoiceField[DataCategory]):
    def label_from_instance(self, obj: DataCategory) -> str:
        return f"{obj.name} ({obj.key})"


class ActivityForm(forms.ModelForm[ProcessingActivity]):
    """Every field of a processing activity, in French and English; relations as checkboxes.
    The identifier (slug) is fixed once the activity exists."""

    sources = forms.MultipleChoiceField(
        label=_("Sources des données"), choices=DataSource.choices, widget=_CHECKBOXES
    )
    not_stated = forms.MultipleChoiceField(
        label=_("Non précisé dans la politique publiée — à décider"),
        choices=[(name, field_label(name)) for name in NOT_STATED_FIELDS],
        widget=_CHECKBOXES,
        required=False,
        help_text=_("Décochez un champ quand vous avez confirmé ou décidé sa valeur."),
    )
    data_categories = DataCategoryChoiceField(
        label=_("Catégories de données"),
        queryset=DataCategory.objects.order_by("key"),
        widget=_CHECKBOXES,
    )

    class Meta:
        model = ProcessingActivity
        fields = list(ACTIVITY_FIELDS)
        labels = {
            "slug": _("Identifiant"),
            "role": _("Registre"),
            "name_fr": _("Nom (français)"),
            "name_en": _("Nom (anglais)"),
            "description_fr": _("Description (français)"),
            "description_en": _("Description (anglais)"),
            "purposes_fr": _("Finalités (français)"),
            "purposes_en": _("Finalités (anglais)"),
            "legal_basis": _("Base légale"),
            "legal_basis_detail_fr": _("Précisions sur la base légale (français)"),
            "legal_basis_detail_en": _("Précisions sur la base légale (anglais)"),
            "data_subjects": _("Catégories de personnes concernées"),
            "recipients": _("Destinataires"),
            "transfers_outside_eu_fr": _("Transferts hors UE (français)"),
            "transfers_outside_eu_en": _("Transferts hors UE (anglais)"),
            "storage_locations": _("Lieux de conservation"),
            "security_measures": _("Mesures de sécurité"),
            "team_fr": _("Service responsable (français)"),
            "team_en": _("Service responsable (anglais)"),
            "client_controllers": _("Clients responsables de traitement (sous-traitance)"),
            "notice_section": _("Rubrique de la politique publiée"),
        }
        help_texts = {
            "slug": _("Lettres minuscules, chiffres et tirets ; ne change plus ensuite."),
            "purposes_fr": _("Une finalité par ligne."),
            "purposes_en": _("Une finalité par ligne."),
            "transfers_outside_eu_fr": _("Laissez vide s'il n'y a aucun transfert."),
            "client_controllers": _(
                "Seulement pour le registre du sous-traitant : les clients pour le compte "
                "desquels le traitement est fait."
            ),
        }
        widgets = {
            "data_subjects": _CHECKBOXES,
            "recipients": _CHECKBOXES,
            "storage_locations": _CHECKBOXES,
            "security_measures": _CHECKBOXES,
            "client_controllers": _CHECKBOXES,
            "description_fr": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "description_en": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "purposes_fr": forms.Textarea(attrs={"rows": 4, "cols": 80}),
            "purposes_en": forms.Textarea(attrs={"rows": 4, "cols": 80}),
            "legal_basis_detail_fr": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "legal_basis_detail_en": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "transfers_outside_eu_fr": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "transfers_outside_eu_en": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clients = self.fields["client_controllers"]
        assert isinstance(clients, forms.ModelMultipleChoiceField)  # noqa: S101 - for mypy
        clients.queryset = Organisation.objects.filter(kind=OrganisationKind.CLIENT)
        if self.instance.pk is not None:
            self.fields["slug"].disabled = True


class RetentionRuleForm(forms.ModelForm[RetentionRule]):
    """A retention rule: ``count`` ``unit`` from ``anchor``; an empty count keeps the data until
    the anchor event."""

    data_category = DataCategoryField(
        label=_("Catégorie de données visée"),
        queryset=DataCategory.objects.order_by("key"),
        required=False,
    )

    class Meta:
        model = RetentionRule
        fields = list(RULE_FIELDS)
        labels = {
            "key": _("Identifiant"),
            "description_fr": _("Libellé (français)"),
            "description_en": _("Libellé (anglais)"),
            "count": _("Durée"),
            "unit": _("Unité"),
            "anchor": _("À compter de"),
            "store": _("Données purgées (clé du gestionnaire de purge)"),
            "legal_reference": _("Référence légale"),
            "not_stated": _("Non précisée dans la politique publiée — à décider"),
        }
        help_texts = {
            "count": _("Laissez vide pour « jusqu'à » l'événement choisi."),
            "store": _("Par exemple core.audit_events ; vide si aucune purge automatique."),
        }


class PublishForm(forms.Form):
    note = forms.CharField(
        label=_("Note de version"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=_("Ce qui change dans cette version, pour l'historique."),
    )
