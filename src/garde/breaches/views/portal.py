"""The client's side: a client's DPO reads the breaches notified to their organisation,
acknowledges them and asks questions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from garde.accounts.models import User
from garde.breaches.clients import client_notice_acknowledge, client_question_add
from garde.breaches.forms import QuestionForm
from garde.breaches.selectors import client_notice_get_for_user, client_notice_list_for_user
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import Role


@roles_required(Role.ORG_DPO)
def portal_list_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request, "breaches/portal_list.html", {"notices": client_notice_list_for_user(user=user)}
    )


@roles_required(Role.ORG_DPO)
def portal_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    notice = client_notice_get_for_user(user=user, pk=pk)
    if notice is None:
        raise Http404
    form = QuestionForm(request.POST if request.POST.get("action") == "question" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "acknowledge":
                client_notice_acknowledge(notice=notice, actor=user, request=request)
                messages.success(request, _("Accusé de réception enregistré."))
                return redirect("breaches:portal_detail", pk=notice.pk)
            if form.is_valid():
                client_question_add(
                    notice=notice, actor=user, body=form.cleaned_data["body"], request=request
                )
                messages.success(request, _("Question envoyée."))
                return redirect("breaches:portal_detail", pk=notice.pk)
        except GardeError as error:
            form.add_error(None, error.message)
    return render(
        request,
        "breaches/portal_detail.html",
        {"notice": notice, "questions": notice.questions.select_related("author"), "form": form},
        status=400 if form.errors else 200,
    )
