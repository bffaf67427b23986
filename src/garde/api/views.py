"""Issuing and revoking API keys: a client's org_admin for the organisation, the DPO or a
system administrator for operator service accounts."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from garde.accounts.models import Organisation, User
from garde.accounts.selectors import operator_get, user_organisation
from garde.api.forms import ApiKeyForm
from garde.api.selectors import api_key_list_for_organisation
from garde.api.services import api_key_issue, api_key_revoke, service_account_key_issue
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import Role


def _keys_page(request: HttpRequest, *, organisation: Organisation, console: bool) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    form = ApiKeyForm(request.POST or None, console=console)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            if console:
                _key, issued = service_account_key_issue(
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    actor=actor,
                )
            else:
                _key, issued = api_key_issue(
                    organisation=organisation,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    actor=actor,
                )
        except GardeError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            form = ApiKeyForm(console=console)
    keys = api_key_list_for_organisation(organisation=organisation)
    return render(
        request,
        "api/keys.html",
        {
            "form": form,
            "keys": keys,
            "issued": issued,
            "console": console,
            "organisation": organisation,
            "tab": "api",
        },
        status=400 if form.errors else 200,
    )


def _revoke(request: HttpRequest, *, organisation: Organisation, key_id: int) -> None:
    key = api_key_list_for_organisation(organisation=organisation).filter(pk=key_id).first()
    if key is None:
        raise Http404
    api_key_revoke(key=key, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Clé révoquée."))


@roles_required(Role.ORG_ADMIN)
def portal_keys_view(request: HttpRequest) -> HttpResponse:
    organisation = user_organisation(request.user)  # type: ignore[arg-type]
    assert organisation is not None  # noqa: S101 - org_admin always has one
    return _keys_page(request, organisation=organisation, console=False)


@roles_required(Role.ORG_ADMIN)
@require_POST
def portal_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    organisation = user_organisation(request.user)  # type: ignore[arg-type]
    assert organisation is not None  # noqa: S101
    _revoke(request, organisation=organisation, key_id=key_id)
    return redirect("api:portal_keys")


@roles_required(Role.DPO, Role.SYSADMIN)
def console_keys_view(request: HttpRequest) -> HttpResponse:
    return _keys_page(request, organisation=operator_get(), console=True)


@roles_required(Role.DPO, Role.SYSADMIN)
@require_POST
def console_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    _revoke(request, organisation=operator_get(), key_id=key_id)
    return redirect("api:console_keys")
