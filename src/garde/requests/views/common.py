"""What the portal and public request pages share: downloads, overdue marks, posting a
message with files."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from garde.core.errors import GardeError
from garde.requests.attachments import message_post_with_files
from garde.requests.choices import OPEN_STATUSES, Right, Status
from garde.requests.forms import form_add_service_error
from garde.requests.models import Attachment, Request


def collection_notice(activity_slug: str) -> dict[str, Any]:
    """The short GDPR art. 13 notice shown under a collection form (R-80), taken from the latest
    published register so that it says what the full notice says."""
    from django.utils.translation import get_language

    from garde.register.notice_content import notice_build, notice_language
    from garde.register.selectors import register_version_latest

    version = register_version_latest()
    if version is None:
        return {"notice_activity": None, "notice_operator": None}
    notice = notice_build(version, notice_language(get_language()))
    activity = next(
        (a for rows in notice.sections.values() for a in rows if a.slug == activity_slug),
        None,
    )
    return {"notice_activity": activity, "notice_operator": notice.operator}


def file_response(attachment: Attachment, data: bytes) -> HttpResponse:
    """A download: always as an attachment, never rendered by the browser, never cached."""
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=attachment.original_name
    )
    response["Cache-Control"] = "no-store, private"
    return response


def deadline_context() -> dict[str, Any]:
    """What templates need to mark overdue requests."""
    return {"today": timezone.localdate(), "open_statuses": [str(s) for s in OPEN_STATUSES]}


def request_page_context(obj: Request) -> dict[str, Any]:
    """What every page showing one request needs besides the request."""
    return {
        "obj": obj,
        "rights_labels": [Right(r).label for r in obj.rights if r in Right.values],
        **deadline_context(),
    }


def post_message(obj: Request, form: forms.Form, **kwargs: Any) -> bool:
    """Post the form's message and files on ``obj``; False with the error on the form."""
    if obj.status == Status.CLOSED:
        form.add_error(None, _("Cette demande est clôturée : écrivez-nous dans une nouvelle."))
        return False
    try:
        message_post_with_files(
            request=obj,
            body=form.cleaned_data["body"],
            files=form.cleaned_data.get("attachments", []),
            **kwargs,
        )
    except GardeError as error:
        form_add_service_error(form, error)
        return False
    return True
