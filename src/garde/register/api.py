"""Register API routes: the latest published register, for the operator's own systems."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from garde.accounts.choices import OrganisationKind
from garde.api.auth import api_key
from garde.api.choices import ApiScope
from garde.core.errors import NotFoundError, PermissionDeniedError
from garde.register.models import RegisterVersion
from garde.register.selectors import register_version_latest

router = Router(tags=["register"])


class RegisterVersionOut(Schema):
    number: int
    published_at: datetime
    snapshot: dict[str, Any]


@router.get(
    "/register",
    response=RegisterVersionOut,
    auth=api_key(ApiScope.REGISTER_READ),
    summary="The latest published register of processing (operator keys only)",
    description="The snapshot format is the one the CSV, JSON and PDF exports read. A client "
    "organisation's key is refused with 403 even with the scope; 404 until a first "
    "publication.",
)
def get_register(request: HttpRequest) -> RegisterVersion:
    key = request.api_key  # type: ignore[attr-defined]
    if key.organisation.kind != OrganisationKind.OPERATOR:
        raise PermissionDeniedError(
            _("Le registre des traitements n'est lisible qu'avec une clé de l'opérateur."),
            field="Authorization",
        )
    version = register_version_latest()
    if version is None:
        raise NotFoundError(_("Aucune version du registre n'a encore été publiée."))
    return version
