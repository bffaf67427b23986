"""Forms of the "RGPD" tab (portal), the public rights-request form, and the organisation's
handling page. They parse input and check files by content; the rules of the workflow stay in
``services`` (a refused action comes back as a ``GardeError`` the view puts on the form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from garde.accounts.choices import OrganisationKind
from garde.accounts.models import Organisation
from garde.core.errors import GardeError
from garde.requests.attachments import (
    ACCEPT_ATTRIBUTE,
    ALLOWED_TYPES_TEXT,
    MAX_FILES_PER_UPLOAD,
    attachment_check,
)
from garde.requests.choices import RefusalReason, RequesterRelation, Right
from garde.requests.errors import AttachmentError

PUBLIC_DESCRIPTION_MAX = 5000
DESCRIPTION_MAX = 10000


def form_add_service_error(form: forms.Form, error: GardeError) -> None:
    """Put a refused action's message on the field it names, or on the whole form."""
    field = "attachments" if error.field == "file" else error.field
    form.add_error(field if field in form.fields else None, error.message)


def _files_help_text() -> str:
    return _("Jusqu'à %(count)s fichiers de %(size)s au plus chacun : %(types)s.") % {
        "count": MAX_FILES_PER_UPLOAD,
        "size": filesizeformat(settings.GARDE_UPLOAD_MAX_BYTES),
        "types": ALLOWED_TYPES_TEXT,
    }


# Built when shown, in the language and with the limit of that moment.
_files_help = lazy(_files_help_text, str)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several optional files, each checked by content and size as soon as the form is
    validated, so the person sees every refused file at once and nothing is recorded."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Pièces jointes"))
        kwargs.setdefault("help_text", _files_help())
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ACCEPT_ATTRIBUTE

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        single = super().clean
        uploads = data if isinstance(data, list | tuple) else [data]
        files: list[UploadedFile[bytes]] = [single(item, initial) for item in uploads if item]
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise forms.ValidationError(
                _("Joignez au plus %(count)s fichiers à la fois.") % {"count": MAX_FILES_PER_UPLOAD}
            )
        errors = []
        for upload in files:
            try:
                attachment_check(upload=upload)
            except AttachmentError as refused:
                errors.append(refused.message)
        if errors:
            raise forms.ValidationError(errors)
        return files


def _rights_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Droit(s) que vous exercez"),
        choices=Right.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un droit.")},
    )


def _description_field(label: Any, max_length: int = DESCRIPTION_MAX) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


# --- portal: the four requests ---------------------------------------------------------------


class RightsRequestForm(forms.Form):
    rights = _rights_field()
    requester_relation = forms.ChoiceField(
        label=_("De quelles données s'agit-il ?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Dites-nous de quelles données il s'agit.")},
    )
    services = forms.CharField(
        label=_("Service(s) concerné(s)"),
        max_length=300,
        required=False,
        help_text=_("Par exemple : hébergement web, messagerie, espace client."),
    )
    description = _description_field(_("Votre demande"))
    attachments = AttachmentsField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operator = settings.GARDE_OPERATOR_NAME
        self.fields["requester_relation"].choices = [  # type: ignore[attr-defined]
            (
                RequesterRelation.CLIENT_USER,
                _("Mes données en tant qu'utilisateur, gérées par mon organisation"),
            ),
            (
                RequesterRelation.OPERATOR_DATA,
                _("Mes données chez %(operator)s (compte, contact commercial, newsletter…)")
                % {"operator": operator},
            ),
        ]


class AssistanceRequestForm(forms.Form):
    """R-20: what the operator needs to help the client answer one of its data subjects."""

    services = forms.CharField(label=_("Service concerné"), max_length=300)
    rights = forms.MultipleChoiceField(
        label=_("Droit(s) exercé(s) par la personne"),
        choices=Right.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    description = _description_field(_("La demande de la personne concernée"))
    subject_received_on = forms.DateField(
        label=_("Date à laquelle votre organisation a reçu la demande"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    client_due_date = forms.DateField(
        label=_("Votre propre date limite de réponse"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("En général un mois après la réception de la demande (RGPD, art. 12.3)."),
    )
    attachments = AttachmentsField()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        received, due = cleaned.get("subject_received_on"), cleaned.get("client_due_date")
        if received and received > timezone.localdate():
            self.add_error("subject_received_on", _("Cette date est dans le futur."))
        if received and due and due < received:
            self.add_error("client_due_date", _("La date limite précède la date de réception."))
        return cleaned


class PiaRequestForm(forms.Form):
    services = forms.CharField(
        label=_("Service(s) sur lesquels porte votre étude d'impact"),
        max_length=300,
    )
    description = forms.CharField(
        label=_("Précisions (facultatif)"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class BreachReportForm(forms.Form):
    description = _description_field(_("Que s'est-il passé ?"))
    breach_occurred_at = forms.DateTimeField(
        label=_("Quand (date et heure, même approximatives)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    services = forms.CharField(label=_("Service concerné"), max_length=300, required=False)
    breach_data = forms.CharField(
        label=_("Données concernées"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Par exemple : adresses e-mail de clients, mots de passe, factures."),
    )
    contact_phone = forms.CharField(
        label=_("Téléphone où vous joindre"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    attachments = AttachmentsField()

    def clean_breach_occurred_at(self) -> Any:
        when = self.cleaned_data.get("breach_occurred_at")
        if when and when > timezone.now():
            raise forms.ValidationError(_("Cette date est dans le futur."))
        return when


# --- messages and handling -------------------------------------------------------------------


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Votre message"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = AttachmentsField()


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Réponse"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    attachments = AttachmentsField()


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note interne"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Visible seulement des personnes qui traitent la demande."),
    )


class AskIdentityForm(forms.Form):
    doubt_reason = forms.CharField(
        label=_("Doute raisonnable sur l'identité"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Demandez seulement les informations nécessaires, pas une copie systématique de "
            "pièce d'identité (RGPD, art. 12.6)."
        ),
    )


class ExtendForm(forms.Form):
    extra_months = forms.TypedChoiceField(
        label=_("Prolongation"),
        choices=[(1, _("un mois")), (2, _("deux mois"))],
        coerce=int,
    )
    reason = forms.CharField(
        label=_("Motif, communiqué au demandeur"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif du refus"), choices=RefusalReason.choices)
    detail = forms.CharField(
        label=_("Explication, communiquée au demandeur"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("Note pour l'opérateur (facultatif)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PrivacyContactForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse du contact données personnelles"),
        max_length=254,
        help_text=_(
            "L'opérateur y transmet les demandes des personnes dont votre organisation traite "
            "les données sur ses services. Préférez une adresse de service à une adresse "
            "nominative."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


# --- public -------------------------------------------------------------------------------


class PublicRightsRequestForm(forms.Form):
    requester_name = forms.CharField(
        label=_("Nom et prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    requester_email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        help_text=_("Nous vous y enverrons un lien pour confirmer et suivre votre demande."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    rights = _rights_field()
    requester_relation = forms.ChoiceField(
        label=_("De quelles données s'agit-il ?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Dites-nous de quelles données il s'agit.")},
    )
    # A typed name, matched on the server: listing the operator's clients on a public page
    # would disclose who they are.
    client_name_given = forms.CharField(
        label=_("Le nom de l'organisme qui traite vos données"),
        max_length=200,
        required=False,
    )
    description = _description_field(_("Votre demande"), max_length=PUBLIC_DESCRIPTION_MAX)
    attachments = AttachmentsField()
    # A field people never see (hidden with its container); robots that fill every field
    # give themselves away.
    website = forms.CharField(label=_("Ne pas remplir"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operator = settings.GARDE_OPERATOR_NAME
        self.fields["requester_relation"].choices = [  # type: ignore[attr-defined]
            (
                RequesterRelation.OPERATOR_DATA,
                _(
                    "Des données que %(operator)s traite pour son propre compte (prospect, "
                    "abonné à la newsletter, candidat, visiteur du site, contact d'un client, "
                    "titulaire de compte)"
                )
                % {"operator": operator},
            ),
            (
                RequesterRelation.CLIENT_DATA_SUBJECT,
                _("Des données qu'un client de %(operator)s traite sur ses services")
                % {"operator": operator},
            ),
        ]
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name = cleaned.get("client_name_given", "").strip()
        cleaned["client_organisation"] = None
        if cleaned.get("requester_relation") == RequesterRelation.CLIENT_DATA_SUBJECT:
            if not name:
                self.add_error(
                    "client_name_given", _("Indiquez le client concerné : écrivez son nom.")
                )
            else:
                cleaned["client_organisation"] = Organisation.objects.filter(
                    kind=OrganisationKind.CLIENT, name__iexact=name
                ).first()
        return cleaned
