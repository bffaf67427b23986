from django import forms
from django.utils.translation import gettext_lazy as _

from garde.api.choices import ApiScope


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Nom de la clé"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Portées"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )
