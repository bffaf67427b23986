"""The client portal's "RGPD" tab: the four requests a client's user files, the page where a
participant follows a request, and the organisation's queue where its org_admin and org_dpo
answer their members (or hand a request to the operator).

The tab itself (``web:portal_rgpd``) is rendered by ``web.views`` with
``requests/portal_tab.html`` and these selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garde.accounts.models import User
from garde.accounts.selectors import user_organisation
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import CLIENT_ROLES, Role
from garde.requests import selectors, services
from garde.requests.attachments import (
    atomic_with_files,
    attachment_open,
    message_post_with_files,
    request_submit_with_files,
)
from garde.requests.choices import (
    OPEN_STATUSES,
    Channel,
    Queue,
    RequesterRelation,
    RequestKind,
)
from garde.requests.forms import (
    AnswerForm,
    AskIdentityForm,
    AssistanceRequestForm,
    BreachReportForm,
    EscalateForm,
    ExtendForm,
    MessageForm,
    NoteForm,
    PiaRequestForm,
    PrivacyContactForm,
    RefuseForm,
    RightsRequestForm,
    form_add_service_error,
)
from garde.requests.models import Request
from garde.requests.views.common import (
    collection_notice,
    deadline_context,
    file_response,
    post_message,
    request_page_context,
)

ORG_HANDLERS = (Role.ORG_ADMIN, Role.ORG_DPO)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- the four requests -------------------------------------------------------------------


def _rights_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": RequestKind.RIGHTS,
        "requester_relation": data["requester_relation"],
        "rights": data["rights"],
        "services": data["services"],
        "description": data["description"],
    }


def _assistance_fields(data: dict[str, Any]) -> dict[str, Any]:
    description = data["description"]
    if data.get("subject_received_on"):
        # R-20 asks for the date the controller received the request; the model has no
        # field of its own for it, so it heads the description.
        description = (
            _("Demande reçue par notre organisation le %(date)s.")
            % {"date": data["subject_received_on"].strftime("%d/%m/%Y")}
            + "\n\n"
            + description
        )
    return {
        "kind": RequestKind.ASSISTANCE,
        "requester_relation": RequesterRelation.CLIENT_USER,
        "rights": data["rights"],
        "services": data["services"],
        "description": description,
        "client_due_date": data["client_due_date"],
    }


def _pia_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": RequestKind.PIA,
        "requester_relation": RequesterRelation.CLIENT_USER,
        "services": data["services"],
        "description": data["description"].strip()
        or _("Informations pour une étude d'impact sur : %(services)s")
        % {"services": data["services"]},
    }


def _breach_fields(data: dict[str, Any]) -> dict[str, Any]:
    description = data["description"]
    if data.get("contact_phone"):
        description += "\n\n" + _("Téléphone de contact : %(phone)s") % {
            "phone": data["contact_phone"]
        }
    return {
        "kind": RequestKind.BREACH_REPORT,
        "requester_relation": RequesterRelation.CLIENT_USER,
        "services": data["services"],
        "description": description,
        "breach_occurred_at": data["breach_occurred_at"],
        "breach_data": data["breach_data"],
    }


NEW_PAGES: dict[str, dict[str, Any]] = {
    RequestKind.RIGHTS: {
        "form": RightsRequestForm,
        "fields": _rights_fields,
        "title": gettext_lazy("Exercer mes droits"),
        "intro": gettext_lazy(
            "Demandez l'accès à vos données, leur rectification, leur effacement, la "
            "limitation de leur traitement, leur portabilité, ou opposez-vous à leur "
            "traitement. La réponse vous est due dans un mois au plus (RGPD, art. 12.3)."
        ),
    },
    RequestKind.ASSISTANCE: {
        "form": AssistanceRequestForm,
        "fields": _assistance_fields,
        "title": gettext_lazy("Demander l'assistance RGPD de l'opérateur"),
        "intro": gettext_lazy(
            "Une personne concernée a exercé ses droits auprès de votre organisation sur des "
            "données que nous hébergeons pour vous : nous vous aidons à lui répondre dans "
            "votre délai (RGPD, art. 28.3.e)."
        ),
    },
    RequestKind.PIA: {
        "form": PiaRequestForm,
        "fields": _pia_fields,
        "title": gettext_lazy("Demander des informations pour une étude d'impact (PIA)"),
        "intro": gettext_lazy(
            "Nous vous envoyons la description de nos traitements, les lieux de stockage, les "
            "sous-traitants, les durées de conservation et les mesures de sécurité des "
            "services choisis (RGPD, art. 28.3.f et 35)."
        ),
    },
    RequestKind.BREACH_REPORT: {
        "form": BreachReportForm,
        "fields": _breach_fields,
        "title": gettext_lazy("Signaler une violation de données"),
        "intro": gettext_lazy(
            "Vous avez constaté une perte, une fuite, une modification ou un accès non "
            "autorisé à des données personnelles ? Dites-le-nous tout de suite : l'équipe du "
            "délégué à la protection des données est prévenue dès l'envoi."
        ),
    },
}


def _new_request_page(request: HttpRequest, kind: str) -> HttpResponse:
    user = _user(request)
    page = NEW_PAGES[kind]
    form: forms.Form = page["form"](request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            created, _token = request_submit_with_files(
                files=form.cleaned_data.get("attachments", []),
                uploaded_by=user,
                channel=Channel.PORTAL,
                requester=user,
                requester_name=user.full_name,
                requester_email=user.email,
                language=user.language,
                **page["fields"](form.cleaned_data),
            )
        except GardeError as error:
            form_add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Votre demande %(reference)s est enregistrée. Réponse au plus tard le %(due)s.")
                % {"reference": created.reference, "due": created.due_date.strftime("%d/%m/%Y")},
            )
            return redirect("requests:portal_detail", pk=created.pk)
    return render(
        request,
        "requests/portal_new.html",
        {
            "form": form,
            "kind": kind,
            "title": page["title"],
            "intro": page["intro"],
            "tab": "rgpd",
            **collection_notice(
                "breaches" if kind == RequestKind.BREACH_REPORT else "rights-requests"
            ),
        },
        status=400 if form.errors else 200,
    )


@roles_required(*CLIENT_ROLES)
def rights_new_view(request: HttpRequest) -> HttpResponse:
    return _new_request_page(request, RequestKind.RIGHTS)


@roles_required(*ORG_HANDLERS)
def assistance_new_view(request: HttpRequest) -> HttpResponse:
    return _new_request_page(request, RequestKind.ASSISTANCE)


@roles_required(*ORG_HANDLERS)
def pia_new_view(request: HttpRequest) -> HttpResponse:
    return _new_request_page(request, RequestKind.PIA)


@roles_required(*CLIENT_ROLES)
def breach_new_view(request: HttpRequest) -> HttpResponse:
    return _new_request_page(request, RequestKind.BREACH_REPORT)


# --- following a request --------------------------------------------------------------------


@roles_required(*CLIENT_ROLES)
def detail_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The request as its requester follows it (and, for the assistance, PIA and breach
    requests an organisation sent to the operator, as its org_admin/org_dpo follow it)."""
    user = _user(request)
    obj = selectors.request_get_for_participant(user=user, pk=pk)
    if obj is None:
        raise Http404
    if obj.queue == Queue.ORGANISATION and obj.requester_id != user.pk:
        return redirect("requests:org_detail", pk=obj.pk)
    form = MessageForm(request.POST or None, request.FILES or None, prefix="message")
    posted = (
        request.method == "POST"
        and form.is_valid()
        and post_message(obj, form, author=user, from_requester=True)
    )
    if posted:
        messages.success(request, _("Message envoyé."))
        return redirect("requests:portal_detail", pk=obj.pk)
    return render(
        request,
        "requests/portal_detail.html",
        {
            **request_page_context(obj),
            "form": form,
            "thread": selectors.message_list_for_requester(request=obj),
            "documents": selectors.attachment_list_for_requester(request=obj).filter(
                message__isnull=True
            ),
            "timeline": obj.status_changes.all(),
            "tab": "rgpd",
        },
        status=400 if form.errors else 200,
    )


@roles_required(*CLIENT_ROLES)
def attachment_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of a request the user takes part in; handlers of the organisation's queue also
    get the files of internal notes. Anything else is "not found", never "forbidden", so
    that ids reveal nothing."""
    user = _user(request)
    attachment = selectors.attachment_get_for_client_user(user=user, pk=pk)
    if attachment is None:
        raise Http404
    try:
        data = attachment_open(attachment=attachment, actor=user, request_http=request)
    except GardeError as error:
        raise Http404(error.message) from error
    return file_response(attachment, data)


# --- the organisation's queue ---------------------------------------------------------------


@roles_required(*ORG_HANDLERS)
def org_queue_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    requests = selectors.request_list_for_organisation(user=user)
    to_handle = requests.filter(queue=Queue.ORGANISATION).select_related("assignee")
    return render(
        request,
        "requests/portal_org_queue.html",
        {
            "to_handle": to_handle.order_by("due_date", "id"),
            "counts": selectors.request_console_counts(requests=to_handle),
            "sent": requests.filter(queue=Queue.OPERATOR).order_by("-received_at"),
            "organisation": user_organisation(user),
            "tab": "rgpd",
            **deadline_context(),
        },
    )


def _assign(obj: Request, user: User, _form: forms.Form) -> str:
    services.request_assign(request=obj, assignee=user, actor=user)
    return _("La demande vous est attribuée.")


def _ask_identity(obj: Request, user: User, form: forms.Form) -> str:
    services.request_ask_identity(
        request=obj, actor=user, doubt_reason=form.cleaned_data["doubt_reason"]
    )
    return _("La demande de justificatif est envoyée.")


def _extend(obj: Request, user: User, form: forms.Form) -> str:
    services.request_extend(
        request=obj,
        actor=user,
        extra_months=form.cleaned_data["extra_months"],
        reason=form.cleaned_data["reason"],
    )
    return _("Le délai est prolongé et le demandeur en est informé.")


def _answer(obj: Request, user: User, form: forms.Form) -> str:
    with atomic_with_files():
        services.request_answer_send(
            request=obj,
            actor=user,
            body=form.cleaned_data["body"],
            files=form.cleaned_data.get("attachments", []),
        )
    return _("La réponse est envoyée.")


def _refuse(obj: Request, user: User, form: forms.Form) -> str:
    services.request_refuse(
        request=obj,
        actor=user,
        reason=form.cleaned_data["reason"],
        detail=form.cleaned_data["detail"],
    )
    return _("Le refus est envoyé, avec les voies de recours.")


def _escalate(obj: Request, user: User, form: forms.Form) -> str:
    assistance = services.request_escalate(request=obj, actor=user, note=form.cleaned_data["note"])
    return _("La demande est transmise à l'opérateur (demande d'assistance %(reference)s).") % {
        "reference": assistance.reference
    }


def _note(obj: Request, user: User, form: forms.Form) -> str:
    services.message_post(
        request=obj,
        body=form.cleaned_data["body"],
        author=user,
        from_requester=False,
        internal=True,
    )
    return _("Note ajoutée.")


def _message(obj: Request, user: User, form: forms.Form) -> str:
    message_post_with_files(
        request=obj,
        body=form.cleaned_data["body"],
        author=user,
        from_requester=False,
        files=form.cleaned_data.get("attachments", []),
    )
    return _("Message envoyé au demandeur.")


def _close(obj: Request, user: User, _form: forms.Form) -> str:
    services.request_close(request=obj, actor=user)
    return _("La demande est clôturée.")


# action name -> (form class, service call). Forms carry the action name as their prefix, so
# the fields of the forms on one page never share an id.
ORG_ACTIONS: dict[str, tuple[type[forms.Form], Callable[[Request, User, forms.Form], str]]] = {
    "assign": (forms.Form, _assign),
    "identity": (AskIdentityForm, _ask_identity),
    "extend": (ExtendForm, _extend),
    "answer": (AnswerForm, _answer),
    "refuse": (RefuseForm, _refuse),
    "escalate": (EscalateForm, _escalate),
    "note": (NoteForm, _note),
    "message": (MessageForm, _message),
    "close": (forms.Form, _close),
}


@roles_required(*ORG_HANDLERS)
def org_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    obj = selectors.request_get_for_org_handler(user=user, pk=pk)
    if obj is None:
        raise Http404
    action_forms = {
        name: form_class(prefix=name) for name, (form_class, _call) in ORG_ACTIONS.items()
    }
    action = request.POST.get("action", "")
    if request.method == "POST":
        if action not in ORG_ACTIONS:
            raise Http404
        form_class, call = ORG_ACTIONS[action]
        form = form_class(request.POST, request.FILES, prefix=action)
        action_forms[action] = form
        if form.is_valid():
            try:
                done = call(obj, user, form)
            except GardeError as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, done)
                return redirect("requests:org_detail", pk=obj.pk)
    return render(
        request,
        "requests/portal_org_detail.html",
        {
            **request_page_context(obj),
            "forms": action_forms,
            "failed": action if request.method == "POST" else "",
            "thread": selectors.message_list_for_handler(request=obj),
            "documents": obj.attachments.filter(message__isnull=True),
            "timeline": obj.status_changes.select_related("actor"),
            "escalation": obj.escalations.first(),
            "is_open": obj.status in OPEN_STATUSES,
            "tab": "rgpd",
        },
        status=400 if request.method == "POST" else 200,
    )


@roles_required(Role.ORG_ADMIN)
def privacy_contact_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organisation = user_organisation(user)
    if organisation is None:
        raise Http404
    form = PrivacyContactForm(
        request.POST or None, initial={"email": organisation.privacy_contact_email}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.privacy_contact_update(
                actor=user, organisation=organisation, email=form.cleaned_data["email"]
            )
        except GardeError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("Le contact données personnelles est enregistré."))
            return redirect("requests:org_privacy_contact")
    return render(
        request,
        "requests/portal_privacy_contact.html",
        {"form": form, "organisation": organisation, "tab": "rgpd"},
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("portal/rgpd/rights/new/", rights_new_view, name="portal_rights_new"),
    path("portal/rgpd/assistance/new/", assistance_new_view, name="portal_assistance_new"),
    path("portal/rgpd/pia/new/", pia_new_view, name="portal_pia_new"),
    path("portal/rgpd/breach/new/", breach_new_view, name="portal_breach_new"),
    path("portal/rgpd/requests/<int:pk>/", detail_view, name="portal_detail"),
    path("portal/rgpd/files/<int:pk>/", attachment_view, name="portal_attachment"),
    path("portal/rgpd/organisation/", org_queue_view, name="org_queue"),
    path("portal/rgpd/organisation/<int:pk>/", org_detail_view, name="org_detail"),
    path(
        "portal/rgpd/organisation/privacy-contact/",
        privacy_contact_view,
        name="org_privacy_contact",
    ),
]
