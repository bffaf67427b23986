"""Downloads for the DPO: the register of breaches and the notification drafts."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from garde.accounts.models import User
from garde.breaches.exports import (
    notification_to_json,
    notification_to_pdf,
    register_to_csv,
    register_to_pdf,
)
from garde.breaches.selectors import breach_get_for_staff, breach_list_for_staff, notification_get
from garde.core.permissions import roles_required
from garde.core.roles import Role
from garde.core.services import audit_record

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
}


def _download(content: bytes, filename: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{filename}.{extension}"
    )
    return response


@roles_required(Role.DPO)
def register_export_view(request: HttpRequest, format: str) -> HttpResponse:
    if format not in ("csv", "pdf"):
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    breaches = breach_list_for_staff(user=user)
    content = register_to_csv(breaches) if format == "csv" else register_to_pdf(breaches)
    audit_record(
        action="breach.register_exported", actor=user, request=request, details={"format": format}
    )
    return _download(content, f"registre-violations-{timezone.localdate():%Y%m%d}", format)


@roles_required(Role.DPO)
def notification_export_view(
    request: HttpRequest,
    pk: int,
    notification_id: int,
    format: str,
) -> HttpResponse:
    if format not in ("json", "pdf"):
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    breach = breach_get_for_staff(user=user, pk=pk)
    notification = notification_get(breach, pk=notification_id) if breach else None
    if breach is None or notification is None:
        raise Http404
    content = (
        notification_to_json(notification)
        if format == "json"
        else notification_to_pdf(notification)
    )
    return _download(content, f"notification-{breach.reference}-{notification.kind}", format)
