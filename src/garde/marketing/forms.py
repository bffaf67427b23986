"""The public contact and callback forms, and the queue's filter and action forms."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garde.core.errors import GardeError
from garde.marketing import models as m
from garde.marketing.choices import CallbackTopic, ContactKind, ContactStatus, TimeSlot

HONEYPOT = "website"


class _PublicForm(forms.Form):
    """What both public forms share: the hidden field robots fill in (``HONEYPOT``) and the
    one-time key that recognises the same form posted twice."""

    website = forms.CharField(
        label=_("Site web (laissez ce champ vide)"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    submission_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission_key"] = secrets.token_urlsafe(24)

    def is_robot(self) -> bool:
        return bool(self.data.get(HONEYPOT))


class ContactForm(_PublicForm):
    kind = ContactKind.CONTACT

    name = forms.CharField(
        label=_("Nom"),
        max_length=m.NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    company = forms.CharField(
        label=_("Société"),
        max_length=m.COMPANY_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=m.EMAIL_MAX,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=m.PHONE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    subject = forms.CharField(label=_("Sujet"), max_length=m.SUBJECT_MAX, required=False)
    message = forms.CharField(
        label=_("Message"),
        max_length=m.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("5 000 caractères au plus."),
    )
    field_order = ["name", "company", "email", "phone", "subject", "message", HONEYPOT]


class CallbackForm(_PublicForm):
    kind = ContactKind.CALLBACK

    name = forms.CharField(
        label=_("Nom"),
        max_length=m.NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=m.PHONE_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    time_slot = forms.ChoiceField(label=_("Créneau préféré"), choices=TimeSlot.choices)
    topic = forms.ChoiceField(label=_("Sujet"), choices=CallbackTopic.choices)
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=m.EMAIL_MAX,
        required=False,
        help_text=_("Facultative : pour recevoir un accusé de réception."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    field_order = ["name", "phone", "time_slot", "topic", "email", HONEYPOT]


def form_add_service_error(form: forms.Form, error: GardeError) -> None:
    """Show a refused submission on the field at fault (or on the whole form)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class QueueFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(required=False, choices=[("", _("Tous")), *ContactStatus.choices])
    kind = forms.ChoiceField(required=False, choices=[("", _("Tous")), *ContactKind.choices])
    assignee = forms.CharField(required=False, max_length=20)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Statut"), choices=ContactStatus.choices)


class AssignForm(forms.Form):
    assignee = forms.CharField(label=_("Chargé(e) de la demande"), required=False, max_length=20)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), max_length=m.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
