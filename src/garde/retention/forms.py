from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garde.accounts.models import Organisation
from garde.retention.choices import HoldBasis


class LegalHoldForm(forms.Form):
    """Parses a hold; ``legal_hold_place`` checks that exactly one target is given."""

    email = forms.EmailField(
        label=_("Personne (adresse e-mail)"),
        required=False,
        help_text=_("Le compte portant cette adresse, s'il existe, est aussi gelé."),
    )
    organisation = forms.ModelChoiceField(
        label=_("ou organisation"), queryset=Organisation.objects.all(), required=False
    )
    request_reference = forms.CharField(
        label=_("ou référence de la demande"), max_length=100, required=False
    )
    reason = forms.CharField(
        label=_("Motif"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    legal_basis = forms.ChoiceField(label=_("Fondement"), choices=HoldBasis.choices)
    until = forms.DateField(
        label=_("Jusqu'au (inclus)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Laissez vide pour un gel sans date de fin."),
    )

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned data as ``legal_hold_place`` takes it; ``until`` becomes the end of
        that day, local time."""
        data = self.cleaned_data
        until = None
        if data["until"] is not None:
            day_after = datetime.combine(data["until"] + timedelta(days=1), time.min)
            until = timezone.make_aware(day_after)
        return {
            "email": data["email"],
            "organisation": data["organisation"],
            "request_reference": data["request_reference"],
            "reason": data["reason"],
            "legal_basis": data["legal_basis"],
            "until": until,
        }
