"""Forms of the console's fulfilment runs. They parse input only: which identity types exist,
which request may start what and which reasons are required are checked by the services,
whose errors the views attach to the field they name."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garde.dsr.choices import NotificationStatus, RunKind, RunStatus
from garde.dsr.run_selectors import RectificationTarget

# The choices' own labels are English identifiers shared with the CLI; people read these.
RUN_KIND_LABELS: dict[str, Any] = {
    RunKind.ACCESS: _("Accès / portabilité"),
    RunKind.ERASURE: _("Effacement"),
    RunKind.RECTIFICATION: _("Rectification"),
    RunKind.RESTRICTION: _("Limitation"),
}
RUN_STATUS_LABELS: dict[str, Any] = {
    RunStatus.QUEUED: _("En file d'attente"),
    RunStatus.RUNNING: _("En cours"),
    RunStatus.REVIEW: _("À vérifier"),
    RunStatus.APPLIED: _("Appliquée"),
    RunStatus.RELEASED: _("Transmise au demandeur"),
    RunStatus.FAILED: _("Échec"),
    RunStatus.CANCELLED: _("Annulée"),
}
NOTIFICATION_STATUS_LABELS: dict[str, Any] = {
    NotificationStatus.OPEN: _("À faire"),
    NotificationStatus.DONE: _("Destinataire informé"),
    NotificationStatus.NOT_DONE: _("Non informé (raison donnée)"),
}
IDENTITY_LINES_MAX = 20
_INTEGER = re.compile(r"-?\d+")


def lines_parse(text: str, *, what: Any) -> list[tuple[str, str]]:
    """``type=value`` lines (blank lines skipped) as pairs; a malformed line or a name given
    twice is a validation error naming the line."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise forms.ValidationError(
                _("Ligne %(line)d : attendu %(what)s."),
                params={"line": number, "what": what},
                code="line",
            )
        if name in seen:
            raise forms.ValidationError(
                _("Ligne %(line)d : « %(name)s » est donné deux fois."),
                params={"line": number, "name": name},
                code="duplicate",
            )
        seen.add(name)
        pairs.append((name, value))
    if len(pairs) > IDENTITY_LINES_MAX:
        raise forms.ValidationError(
            _("Au plus %(max)d lignes."), params={"max": IDENTITY_LINES_MAX}, code="too_many"
        )
    return pairs


class IdentitiesForm(forms.Form):
    """Who the run is about: the requester's e-mail address, and other identities the
    imported datasets know (``type=value`` lines)."""

    email = forms.EmailField(
        label=_("Adresse e-mail"),
        required=False,
        max_length=320,
        help_text=_("Celle du demandeur, préremplie ; videz-la pour ne pas l'utiliser."),
    )
    extra = forms.CharField(
        label=_("Autres identités"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Une par ligne, sous la forme type=valeur (par exemple phone_number=+33612345678) ; "
            "les types sont ceux que déclarent les jeux de données importés."
        ),
    )

    def clean_extra(self) -> list[tuple[str, str]]:
        return lines_parse(
            self.cleaned_data["extra"], what=_("type=valeur, par exemple phone_number=+33612345678")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        extra = data.get("extra") or []
        if data.get("email") and any(name == "email" for name, _value in extra):
            self.add_error("extra", _("L'adresse e-mail est déjà donnée dans le champ au-dessus."))
        return data

    def identities(self) -> dict[str, str]:
        identities: dict[str, str] = {}
        if self.cleaned_data.get("email"):
            identities["email"] = self.cleaned_data["email"]
        identities.update(self.cleaned_data.get("extra") or [])
        return identities

    def field_for(self, error_field: str | None) -> str | None:
        """The form field a service error's ``field`` points to (``identities.<type>``)."""
        if error_field == "identities.email" and self.cleaned_data.get("email"):
            return "email"
        if error_field is not None and error_field.startswith("identities."):
            return "extra"
        return None


class ErasureApplyForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "Je confirme avoir vérifié la simulation : les données seront effacées "
            "définitivement dans les systèmes."
        ),
        required=True,
        error_messages={"required": _("Cochez la case pour confirmer l'effacement.")},
    )


class NotificationCloseForm(forms.Form):
    """Close an art. 19 task: done, or not done with the reason (required then). The task's
    id comes as a plain ``notification`` field beside the prefixed form."""

    outcome = forms.ChoiceField(
        label=_("Résultat"),
        choices=[
            ("done", _("Destinataire informé")),
            ("not_done", _("Non informé")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Raison"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Obligatoire si le destinataire n'est pas informé (impossible, effort disproportionné)."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == "not_done" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Donnez la raison pour laquelle il n'est pas informé."))
        return data


def _typed(value: str, data_type: str | None) -> object:
    """A form value as the field's declared type: integers for integer fields (and for an
    untyped key written as a whole number), text otherwise."""
    kind = (data_type or "").lower()
    if kind in ("integer", "int") or (not kind and _INTEGER.fullmatch(value)):
        try:
            return int(value)
        except ValueError:
            raise forms.ValidationError(
                _("« %(value)s » n'est pas un nombre entier."), params={"value": value}
            ) from None
    return value


class RectificationForm(forms.Form):
    """One field to set on one row: the row is named by its primary key (``name=value``
    lines, as the access package's data.json shows them)."""

    target = forms.ChoiceField(label=_("Champ à rectifier"))
    primary_key = forms.CharField(
        label=_("Clé primaire de la ligne"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Une par ligne, sous la forme champ=valeur (par exemple id=1), telle que le paquet "
            "d'accès la montre."
        ),
    )
    value = forms.CharField(label=_("Nouvelle valeur"), max_length=2000, strip=True)

    def __init__(self, *args: Any, targets: list[RectificationTarget], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = {t.value: t for t in targets}
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((t.value, t.label) for t in targets),
        ]

    def chosen_target(self) -> RectificationTarget:
        return self.targets[self.cleaned_data["target"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = self.targets.get(data.get("target", ""))
        text = data.get("primary_key")
        if target is None or text is None:
            return data
        try:
            pairs = lines_parse(text, what=_("champ=valeur, par exemple id=1"))
            data["primary_key"] = {
                name: _typed(value, target.key_types.get(name)) for name, value in pairs
            }
        except forms.ValidationError as error:
            self.add_error("primary_key", error)
            return data
        if "value" in data:
            try:
                data["value"] = (
                    _typed(data["value"], target.data_type) if target.data_type else data["value"]
                )
            except forms.ValidationError as error:
                self.add_error("value", error)
        return data


class RestrictionForm(forms.Form):
    identity_type = forms.CharField(
        label=_("Type d'identité"),
        max_length=50,
        initial="email",
        help_text=_("Par exemple email ; les magasins internes de Garde cherchent sur ce type."),
    )
    identity_value = forms.CharField(label=_("Identité"), max_length=320)
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Par exemple : exactitude contestée (art. 18, 1, a du RGPD)."),
    )


class RestrictionLiftForm(forms.Form):
    """The restriction's id comes as a plain ``restriction`` field beside the prefixed form."""

    reason = forms.CharField(
        label=_("Motif de la levée"),
        required=False,
        max_length=2000,
        help_text=_("La personne doit être informée avant la levée (art. 18, 3 du RGPD)."),
    )


class RunFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Tous")), *RUN_KIND_LABELS.items()]
    )
    status = forms.ChoiceField(
        label=_("Statut"), required=False, choices=[("", _("Tous")), *RUN_STATUS_LABELS.items()]
    )


__all__ = [
    "NOTIFICATION_STATUS_LABELS",
    "RUN_KIND_LABELS",
    "RUN_STATUS_LABELS",
    "ErasureApplyForm",
    "IdentitiesForm",
    "NotificationCloseForm",
    "RectificationForm",
    "RestrictionForm",
    "RestrictionLiftForm",
    "RunFilterForm",
    "lines_parse",
]
