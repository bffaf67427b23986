"""The console's connection-log search form. It parses input only: the rules (sysadmin role,
required reason, valid address or network, period) are the service's, whose errors the view
attaches to the field they name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garde.connlogs.models import ACCOUNT_MAX
from garde.connlogs.queries import REASON_MAX


class UtcDateTimeField(forms.DateTimeField):
    """A time typed without an offset is UTC, like the logs, whatever the site's time zone."""

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(UTC):
            return super().to_python(value)


class ConnlogQueryForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la consultation"),
        max_length=REASON_MAX,
        required=False,
        help_text=_(
            "Obligatoire, par exemple la référence d'une réquisition judiciaire. Il est "
            "enregistré dans le journal d'audit avec les critères et le nombre de lignes."
        ),
        widget=forms.TextInput(attrs={"required": True, "autocomplete": "off"}),
    )
    account = forms.CharField(
        label=_("Identifiant de compte"), max_length=ACCOUNT_MAX, required=False
    )
    ip = forms.CharField(
        label=_("Adresse IP ou réseau"),
        max_length=100,
        required=False,
        help_text=_("Une adresse IPv4 ou IPv6, ou un réseau CIDR comme 192.0.2.0/24."),
    )
    start = UtcDateTimeField(
        label=_("À partir du (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": 1}),
    )
    end = UtcDateTimeField(
        label=_("Avant le (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": 1}),
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def filters(self) -> dict[str, Any]:
        """The service's keyword arguments (reason and filters)."""
        data = self.cleaned_data
        return {
            "reason": data["reason"],
            "account": data["account"],
            "ip": data["ip"],
            "start": data["start"],
            "end": data["end"],
        }
