"""Access rules for views. Every view states who may use it with one of these decorators; the
role-matrix test walks the URL configuration and holds each view to what it states."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

PUBLIC = "public"
AUTHENTICATED = "authenticated"

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def public(view: ViewFunc) -> ViewFunc:
    """Anyone, signed in or not."""
    view.garde_access = PUBLIC  # type: ignore[attr-defined]
    return view


def authenticated(view: ViewFunc) -> ViewFunc:
    """Any signed-in user, whatever their role."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.garde_access = AUTHENTICATED  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[ViewFunc], ViewFunc]:
    """Signed-in users holding at least one of ``roles``; others get 403, anonymous visitors
    are sent to log in."""
    allowed = frozenset(roles)

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            from garde.accounts.selectors import user_roles

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_roles(request.user) & allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.garde_access = allowed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
