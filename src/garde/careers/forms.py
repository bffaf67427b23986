"""Forms of the careers pages. They parse and check shapes; the rules live in services."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from garde.careers.choices import ApplicationStatus
from garde.careers.files import CV_ACCEPT_ATTRIBUTE, CV_MAX_BYTES
from garde.core.errors import GardeError

HONEYPOT = "website"


def form_add_service_error(form: forms.Form, error: GardeError) -> None:
    """Put a refused action's message on the field it names, or on the whole form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class ApplicationForm(forms.Form):
    """The policy's fields and no more (R-71): identity, contact, position, CV, motivation;
    plus the agreement to be kept for other offers, unticked by default."""

    full_name = forms.CharField(label=_("Nom et prénom"), max_length=150)
    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254)
    phone = forms.CharField(label=_("Téléphone"), max_length=40)
    position = forms.CharField(label=_("Poste recherché"), max_length=200)
    cv = forms.FileField(
        label=_("CV"),
        widget=forms.ClearableFileInput(attrs={"accept": CV_ACCEPT_ATTRIBUTE}),
    )
    motivation = forms.CharField(label=_("Motivation"), widget=forms.Textarea(attrs={"rows": 6}))
    keep_for_other_offers = forms.BooleanField(
        label=_("J'accepte que ma candidature soit conservée pour d'autres offres, un an au plus."),
        required=False,
        initial=False,
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    website = forms.CharField(label=_("Site web"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # A new key per displayed form; a re-displayed form keeps the posted one.
        kwargs["initial"] = {"submission_key": uuid.uuid4(), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.fields["cv"].help_text = _(
            "PDF, DOCX ou ODT, %(size)s au plus. Après une erreur, choisissez à nouveau le fichier."
        ) % {"size": filesizeformat(CV_MAX_BYTES)}
        self.fields["keep_for_other_offers"].help_text = _(
            "Sans votre accord, une candidature non retenue est effacée trois mois après la fin "
            "du recrutement. Avec votre accord, nous la gardons pour d'autres offres, un an au "
            "plus après son envoi. Dans tous les cas, vous pouvez la retirer à tout moment par "
            "le lien reçu par e-mail."
        )
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})


class OfferForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    location = forms.CharField(label=_("Lieu"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 8}))
    is_open = forms.BooleanField(label=_("Ouverte aux candidatures"), required=False)


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    offer = forms.CharField(required=False, max_length=20)
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous")), *ApplicationStatus.choices],
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=ApplicationStatus.choices)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
