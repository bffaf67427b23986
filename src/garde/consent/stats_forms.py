"""The dashboard's filter: which site, which days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garde.consent.models import ConsentSite

DEFAULT_DAYS = 30
# About 25 months, the longest the CNIL recommends keeping audience data.
MAX_DAYS = 762


class StatsFilterForm(forms.Form):
    """A site and a date range (both days included); by default the last 30 days."""

    site = forms.ChoiceField(label=_("Site"))
    start = forms.DateField(label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Au"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data: Any, *, sites: list[ConsentSite]) -> None:
        today = timezone.localdate()
        defaults = {
            "site": sites[0].key if sites else "",
            "start": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
            "end": today.isoformat(),
        }
        given = {name: data.get(name) or value for name, value in defaults.items()}
        super().__init__(given)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ChoiceField)  # noqa: S101 - narrows the type
        site_field.choices = [(site.key, f"{site.name} ({site.key})") for site in sites]
        self.sites = {site.key: site for site in sites}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start: date | None = cleaned.get("start")
        end: date | None = cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("La fin doit suivre le début."))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error(
                    "end", _("La période couvre au plus %(days)d jours.") % {"days": MAX_DAYS}
                )
        return cleaned

    def selected_site(self) -> ConsentSite:
        return self.sites[self.cleaned_data["site"]]
