"""Forms of the consent console. They parse input; the rules (syntax of cookie names, lifetime
limits, unique keys) are checked by ``console_services``, whose errors the views attach to the
field they name."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from garde.consent.console_checks import RegisterPurposes
from garde.consent.models import LIFETIME_DEFAULT_DAYS
from garde.consent.services import LANGUAGES, TEXT_KEYS

_LONG_TEXTS = {"body", "gpc_notice", "placeholder"}
_LANGUAGE_NAMES = {"fr": _("français"), "en": _("anglais")}


def _origins_field() -> forms.CharField:
    return forms.CharField(
        label=_("Origines autorisées"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Une par ligne, par exemple https://www.exemple.fr."),
    )


def _lifetime_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Durée de conservation du choix (jours)"),
        initial=LIFETIME_DEFAULT_DAYS,
        help_text=_("6 mois (182 jours) recommandés ; 13 mois (395 jours) au plus."),
    )


def origins_list(value: str) -> list[str]:
    return [line for line in value.splitlines() if line.strip()]


class SiteCreateForm(forms.Form):
    key = forms.SlugField(
        label=_("Clé du site"),
        max_length=50,
        help_text=_("Valeur de data-site dans la balise script : minuscules, chiffres, tirets."),
    )
    name = forms.CharField(label=_("Nom"), max_length=200)
    allowed_origins = _origins_field()
    lifetime_days = _lifetime_field()


class SiteSettingsForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200)
    allowed_origins = _origins_field()
    lifetime_days = _lifetime_field()
    cookie_name = forms.CharField(label=_("Nom du cookie de consentement"), max_length=64)
    cookie_domain = forms.CharField(
        label=_("Domaine du cookie de consentement"),
        max_length=253,
        required=False,
        help_text=_("Vide : le seul domaine de la page. « .exemple.fr » : tous ses sous-domaines."),
    )


class TextsForm(forms.Form):
    """Every banner text, French then English."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for lang in LANGUAGES:
            for key in TEXT_KEYS:
                widget = forms.Textarea(attrs={"rows": 3}) if key in _LONG_TEXTS else None
                self.fields[f"{key}_{lang}"] = forms.CharField(
                    label=f"{key} ({_LANGUAGE_NAMES[lang]})", max_length=2000, widget=widget
                )

    def texts(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {lang: {key: data[f"{key}_{lang}"] for key in TEXT_KEYS} for lang in LANGUAGES}

    @staticmethod
    def initial_from(texts: dict[str, dict[str, str]]) -> dict[str, str]:
        return {
            f"{key}_{lang}": texts.get(lang, {}).get(key, "")
            for lang in LANGUAGES
            for key in TEXT_KEYS
        }


class PurposeForm(forms.Form):
    key = forms.CharField(
        label=_("Clé"),
        max_length=50,
        help_text=_("« necessary » pour les cookies strictement nécessaires, seuls obligatoires."),
    )
    name_fr = forms.CharField(label=_("Nom (français)"), max_length=200)
    name_en = forms.CharField(label=_("Nom (anglais)"), max_length=200)
    description_fr = forms.CharField(
        label=_("Description (français)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=_("Description (anglais)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    register_purposes = forms.MultipleChoiceField(
        label=_("Finalités du registre mises en œuvre"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, register: RegisterPurposes | None, linked: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        declared = list(register.purposes) if register else []
        choices = [(fr, f"{fr} / {en}" if en else fr) for fr, en in declared]
        known = {fr for fr, _en in declared}
        # A line the register no longer declares stays visible (and can be unticked).
        choices += [(line, f"{line} ⚠") for line in linked if line not in known]
        cast("forms.MultipleChoiceField", self.fields["register_purposes"]).choices = choices

    @staticmethod
    def initial_from(purpose: dict[str, Any]) -> dict[str, Any]:
        return {
            "key": purpose.get("key", ""),
            "name_fr": purpose.get("name", {}).get("fr", ""),
            "name_en": purpose.get("name", {}).get("en", ""),
            "description_fr": purpose.get("description", {}).get("fr", ""),
            "description_en": purpose.get("description", {}).get("en", ""),
            "register_purposes": purpose.get("register_purposes", []),
        }


class ServiceForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du service"),
        max_length=200,
        help_text=_("L'outil ou le fournisseur qui dépose les cookies."),
    )


class CookieForm(forms.Form):
    name = forms.CharField(label=_("Nom du cookie"), max_length=100)
    domain = forms.CharField(
        label=_("Domaine"),
        max_length=253,
        required=False,
        help_text=_("Vide : le domaine de la page."),
    )
    path = forms.CharField(label=_("Chemin"), max_length=200, initial="/")
    lifetime_days = forms.IntegerField(
        label=_("Durée de vie (jours)"),
        initial=LIFETIME_DEFAULT_DAYS,
        help_text=_("0 pour un cookie de session ; 395 jours (13 mois) au plus."),
    )
    description_fr = forms.CharField(label=_("Description (français)"), max_length=500)
    description_en = forms.CharField(label=_("Description (anglais)"), max_length=500)
