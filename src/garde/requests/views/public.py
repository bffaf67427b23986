"""The path for people without an account: the rights-request form at ``/droits/`` (and
``/en/rights/``), the page that tells them to confirm their address, and the request page they
follow through the secret link mailed to them. The link's token is the only key: it is never
written to the audit trail, and an unknown token is "not found"."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, include, path
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from garde.core.errors import GardeError
from garde.core.permissions import public
from garde.requests import selectors, services
from garde.requests.attachments import attachment_open, request_submit_with_files
from garde.requests.choices import Channel, RequesterRelation, RequestKind
from garde.requests.forms import MessageForm, PublicRightsRequestForm, form_add_service_error
from garde.requests.views.common import (
    collection_notice,
    file_response,
    post_message,
    request_page_context,
)

HONEYPOT = "website"


@public
def form_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get(HONEYPOT):
        # A robot filled the hidden field: it is told what a person would be, nothing more.
        return redirect("requests:public_sent")
    form = PublicRightsRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        relation = data["requester_relation"]
        about_client = relation == RequesterRelation.CLIENT_DATA_SUBJECT
        try:
            request_submit_with_files(
                files=data.get("attachments", []),
                uploaded_by=None,
                kind=RequestKind.RIGHTS,
                channel=Channel.PUBLIC_FORM,
                requester=None,
                requester_name=data["requester_name"],
                requester_email=data["requester_email"],
                requester_relation=relation,
                rights=data["rights"],
                description=data["description"],
                client_organisation=data["client_organisation"] if about_client else None,
                client_name_given=data["client_name_given"] if about_client else "",
                language=get_language() or "fr",
            )
        except GardeError as error:
            form_add_service_error(form, error)
        else:
            return redirect("requests:public_sent")
    return render(
        request,
        "requests/public_form.html",
        {
            "form": form,
            "honeypot": HONEYPOT,
            "days": services.UNCONFIRMED_DAYS,
            **collection_notice("rights-requests"),
        },
        status=400 if form.errors else 200,
    )


@public
def sent_view(request: HttpRequest) -> HttpResponse:
    return render(request, "requests/public_sent.html", {"days": services.UNCONFIRMED_DAYS})


@public
def lookup_view(request: HttpRequest) -> HttpResponse:
    """How to find one's follow link again. It never looks a reference or an address up, so
    it tells nobody whether a request exists."""
    return render(request, "requests/public_lookup.html", {"days": services.UNCONFIRMED_DAYS})


@public
@never_cache
def follow_view(request: HttpRequest, token: str) -> HttpResponseBase:
    """Following the mailed link confirms the address (the request then enters the DPO
    team's queue) and shows the request, its thread and its files."""
    obj = services.request_confirm_email(token=token)
    if obj is None:
        raise Http404
    form = MessageForm(request.POST or None, request.FILES or None, prefix="message")
    posted = (
        request.method == "POST"
        and form.is_valid()
        and post_message(obj, form, author=None, from_requester=True)
    )
    if posted:
        messages.success(request, _("Message envoyé."))
        return redirect("requests:public_follow", token=token)
    return render(
        request,
        "requests/public_follow.html",
        {
            **request_page_context(obj),
            "token": token,
            "form": form,
            "thread": selectors.message_list_for_requester(request=obj),
            "documents": selectors.attachment_list_for_requester(request=obj).filter(
                message__isnull=True
            ),
            "timeline": obj.status_changes.all(),
        },
        status=400 if form.errors else 200,
    )


@public
@never_cache
def attachment_view(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    obj = services.request_by_token(token=token)
    if obj is None:
        raise Http404
    attachment = selectors.attachment_list_for_requester(request=obj).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    try:
        data = attachment_open(attachment=attachment, actor=None, request_http=request)
    except GardeError as error:
        raise Http404(error.message) from error
    return file_response(attachment, data)


urlpatterns: list[URLPattern | URLResolver] = [
    path(
        gettext_lazy("droits/"),
        include(
            [
                path("", form_view, name="public_form"),
                path(gettext_lazy("envoyee/"), sent_view, name="public_sent"),
                path(gettext_lazy("suivi/"), lookup_view, name="public_lookup"),
                path(
                    format_lazy("{}<str:token>/", gettext_lazy("suivi/")),
                    follow_view,
                    name="public_follow",
                ),
                path(
                    format_lazy(
                        "{}<str:token>/{}<int:pk>/",
                        gettext_lazy("suivi/"),
                        gettext_lazy("fichiers/"),
                    ),
                    attachment_view,
                    name="public_attachment",
                ),
            ]
        ),
    ),
]
