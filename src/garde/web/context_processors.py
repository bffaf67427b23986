from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from garde.accounts.selectors import user_roles
from garde.core.roles import CLIENT_ROLES, STAFF_ROLES


def garde(request: HttpRequest) -> dict[str, Any]:
    roles = user_roles(request.user) if request.user.is_authenticated else frozenset()
    return {
        "operator_name": settings.GARDE_OPERATOR_NAME,
        "user_roles": roles,
        "is_staff_user": bool(roles & STAFF_ROLES),
        "is_client_user": bool(roles & CLIENT_ROLES),
    }
