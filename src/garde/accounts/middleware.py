"""Two-factor authentication is required of every staff member: a staff session that has not
passed a TOTP check can reach only the enrolment page, log-out and the language switch."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from garde.accounts.selectors import user_is_staff
from garde.accounts.services import SESSION_MFA_KEY

EXEMPT_PREFIXES = ("/static/", "/api/", "/i18n/")


class MfaEnforcementMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.session.get(SESSION_MFA_KEY)
            and not request.path.startswith(EXEMPT_PREFIXES)
            and user_is_staff(user)
        ):
            allowed = {reverse("accounts:mfa_setup"), reverse("accounts:logout")}
            if request.path not in allowed:
                return HttpResponseRedirect(reverse("accounts:mfa_setup"))
        return self.get_response(request)
