"""Forms of the DPO console's data map and erasure settings. They parse input only: the rules
(names, types, categories, required reasons) are checked by the services, whose errors the
views attach to the field they name."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garde.dsr.choices import ErasureStrategy, SystemType
from garde.dsr.models import Dataset, DataSystem

DATASET_SUFFIXES = (".yml", ".yaml")
DATASET_MAX_BYTES = 2 * 1024 * 1024  # a large Fides dataset is a few hundred kilobytes

# The choices' own labels are English identifiers shared with the CLI; people read these.
SYSTEM_TYPE_LABELS: dict[str, Any] = {
    SystemType.POSTGRES: _("PostgreSQL"),
    SystemType.MYSQL: _("MySQL / MariaDB"),
    SystemType.SQLITE: _("SQLite"),
    SystemType.REDIS: _("Redis"),
    SystemType.HTTP: _("API HTTP / JSON"),
    SystemType.INTERNAL: _("Stockage interne de Garde"),
}
STRATEGY_LABELS: dict[str, Any] = {
    ErasureStrategy.NULL: _("Vider (valeur nulle)"),
    ErasureStrategy.FIXED: _("Remplacer par un texte fixe"),
    ErasureStrategy.HASH: _("Empreinte à clé (HMAC-SHA-256)"),
    ErasureStrategy.RANDOM: _("Remplacer par un texte aléatoire"),
    ErasureStrategy.DELETE: _("Supprimer la ligne"),
    ErasureStrategy.KEEP: _("Conserver (obligation légale)"),
}


class SystemAddForm(forms.Form):
    """A new system. The URL is a password input that is never rendered back, even after an
    error, because it usually carries the database password."""

    name = forms.SlugField(
        label=_("Nom"),
        max_length=100,
        help_text=_("Lettres minuscules, chiffres et tirets, par exemple « boutique-prod »."),
    )
    type = forms.ChoiceField(
        label=_("Type"),
        choices=[(t, SYSTEM_TYPE_LABELS[t]) for t in SystemType if t != SystemType.INTERNAL],
    )
    url = forms.CharField(
        label=_("URL de connexion"),
        max_length=2000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Par exemple postgresql://utilisateur:mot-de-passe@hôte:5432/base. Chiffrée au "
            "repos, elle n'est plus jamais affichée."
        ),
    )
    datasets = forms.ModelMultipleChoiceField(
        label=_("Jeux de données qui le décrivent"),
        queryset=Dataset.objects.only("fides_key", "name").order_by("fides_key"),
        to_field_name="fides_key",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        # Drivers echo a string they cannot parse in their error, password included: only
        # URLs (scheme://…) are taken, never key=value connection strings.
        scheme, sep, _rest = url.partition("://")
        if not sep or not scheme or " " in url:
            raise forms.ValidationError(
                _("Saisissez une URL de la forme schéma://…, sans espace."), code="url_form"
            )
        return url

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "type": data["type"],
            "url": data["url"],
            "datasets": [d.fides_key for d in data["datasets"]],
            "description": data["description"],
        }


class DatasetImportForm(forms.Form):
    """A Fides dataset file, uploaded or pasted, and the system it may describe."""

    file = forms.FileField(
        label=_("Fichier YAML"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(DATASET_SUFFIXES)}),
        help_text=_("Un fichier de jeux de données Fides (.yml ou .yaml)."),
    )
    text = forms.CharField(
        label=_("ou texte YAML collé"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
    )
    system = forms.ModelChoiceField(
        label=_("Système décrit"),
        queryset=DataSystem.objects.only("name").order_by("name"),
        to_field_name="name",
        required=False,
        empty_label=_("(aucun)"),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is None:
            return None
        if PurePath(upload.name).suffix.lower() not in DATASET_SUFFIXES:
            raise forms.ValidationError(
                _("Le fichier doit se terminer par .yml ou .yaml."), code="suffix"
            )
        if upload.size > DATASET_MAX_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 2 Mo."), code="size")
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload, text = data.get("file"), data.get("text", "")
        if self.errors:
            return data
        if upload is None and not text.strip():
            raise forms.ValidationError(
                _("Choisissez un fichier ou collez le texte YAML."), code="empty"
            )
        if upload is not None and text.strip():
            raise forms.ValidationError(
                _("Choisissez un fichier ou collez le texte, pas les deux."), code="both"
            )
        if upload is not None:
            try:
                data["source_text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("file", _("Le fichier n'est pas encodé en UTF-8."))
                return data
            data["source_name"] = PurePath(upload.name).name
            data["source_field"] = "file"
        else:
            data["source_text"] = text
            data["source_name"] = str(_("texte-colle.yml"))
            data["source_field"] = "text"
        return data


class ErasurePolicyForm(forms.Form):
    """How one data category is erased; ``erasure_policy_set`` checks the category and the
    value or reason the strategy needs."""

    data_category = forms.CharField(
        label=_("Catégorie de données"),
        max_length=200,
        help_text=_("Clé de la taxonomie du registre, par exemple user.contact.email."),
        widget=forms.TextInput(attrs={"list": "dsr-category-keys", "autocomplete": "off"}),
    )
    strategy = forms.ChoiceField(
        label=_("Méthode d'effacement"), choices=list(STRATEGY_LABELS.items())
    )
    fixed_value = forms.CharField(
        label=_("Texte de remplacement"),
        required=False,
        max_length=200,
        help_text=_("Pour la méthode « texte fixe » uniquement."),
    )
    reason_fr = forms.CharField(
        label=_("Motif (français)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Obligatoire pour « conserver » : le fondement légal cité dans la réponse."),
    )
    reason_en = forms.CharField(
        label=_("Motif (anglais)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LegalKeepForm(forms.Form):
    """What erasure leaves in place because the law requires it; ``legal_keep_set`` checks
    the collection and uniqueness."""

    dataset = forms.ChoiceField(label=_("Jeu de données"))
    collection = forms.CharField(
        label=_("Collection"),
        required=False,
        max_length=200,
        help_text=_("Laissez vide pour conserver tout le jeu de données."),
    )
    reason_fr = forms.CharField(
        label=_("Motif (français)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason_en = forms.CharField(
        label=_("Motif (anglais)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    legal_basis = forms.CharField(
        label=_("Fondement légal"),
        required=False,
        max_length=200,
        help_text=_("Par exemple « Code de commerce, art. L123-22 »."),
    )

    def __init__(self, *args: Any, current_dataset: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keys = list(Dataset.objects.order_by("fides_key").values_list("fides_key", flat=True))
        # An existing keep may name a dataset not imported yet (see ``legal_keep_set``).
        if current_dataset and current_dataset not in keys:
            keys = sorted([*keys, current_dataset])
        self.fields["dataset"].choices = [("", "—"), *((k, k) for k in keys)]  # type: ignore[attr-defined]
