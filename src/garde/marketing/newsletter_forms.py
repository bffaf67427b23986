"""Forms of the newsletter sign-up, the mailing editor and the portal's contact registration.
They parse and validate input; the rules (duplicates, suppression) are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from garde.core.errors import GardeError
from garde.marketing.models_newsletter import MailingAudience

HONEYPOT = "website"
NAME_MAX = 150


class NewsletterSignUpForm(forms.Form):
    full_name = forms.CharField(
        label=_("Nom"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Left empty by people; robots fill it in.
    website = forms.CharField(label=_("Site web"), required=False, max_length=200)


class MailingForm(forms.Form):
    audience = forms.ChoiceField(label=_("Public"), choices=MailingAudience.choices)
    subject = forms.CharField(label=pgettext_lazy("e-mail", "Objet"), max_length=200)
    body_html = forms.CharField(
        label=_("Corps HTML"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Le pied de page (expéditeur, raison de l'envoi, lien de désinscription) est "
            "ajouté à chaque envoi."
        ),
    )
    body_text = forms.CharField(label=_("Corps texte"), widget=forms.Textarea(attrs={"rows": 10}))


class CommercialContactForm(forms.Form):
    full_name = forms.CharField(label=_("Nom du collaborateur"), max_length=NAME_MAX)
    email = forms.EmailField(label=_("Adresse e-mail professionnelle"), max_length=254)
    job_title = forms.CharField(label=_("Fonction"), max_length=NAME_MAX, required=False)
    commercial_info = forms.BooleanField(
        label=_("Informations commerciales sur nos services"), required=False
    )
    event_invitations = forms.BooleanField(
        label=_("Invitations aux événements de nos agences"), required=False
    )


def form_add_service_error(form: forms.Form, error: GardeError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)
