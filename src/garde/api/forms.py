from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garde.api.choices import ApiScope

# Connection logs are the operator's own, read only by its administrators: a client's key can
# never use these scopes (the API refuses it), so the portal does not offer them.
OPERATOR_ONLY_SCOPES = frozenset({ApiScope.CONNLOGS_WRITE, ApiScope.CONNLOGS_READ})


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Nom de la clé"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Portées"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, console: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not console:
            scopes = self.fields["scopes"]
            assert isinstance(scopes, forms.MultipleChoiceField)  # noqa: S101 - narrows the type
            scopes.choices = [c for c in ApiScope.choices if c[0] not in OPERATOR_ONLY_SCOPES]
