"""Bearer API-key authentication for django-ninja, with one required scope per route."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from garde.api.errors import ApiScopeError
from garde.api.models import ApiKey
from garde.api.services import api_key_find, api_key_use_record
from garde.core.services import audit_record


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer gk_<prefix>_<secret>``. A missing, unknown or revoked key gives
    401; a valid key without ``scope`` gives 403. Both answers are JSON."""

    openapi_description = "API key issued in the portal or the console."

    def __init__(self, scope: str | None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = api_key_find(token)
        if key is None:
            return None
        if self.scope is not None and self.scope not in key.scopes:
            with transaction.atomic():
                audit_record(
                    action="api.key_refused",
                    actor=key.service_account,
                    obj=key,
                    organisation=key.organisation,
                    request=request,
                    details={
                        "prefix": key.prefix,
                        "path": request.path,
                        "missing_scope": self.scope,
                    },
                )
            raise ApiScopeError(
                _("Cette clé n'a pas la portée « %(scope)s ».") % {"scope": self.scope},
                field="Authorization",
            )
        api_key_use_record(key=key, request=request, scope=self.scope)
        request.api_key = key  # type: ignore[attr-defined]
        return key


def api_key(scope: str | None = None) -> Any:
    return ApiKeyAuth(scope)
