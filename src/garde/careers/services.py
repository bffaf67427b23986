"""Every change to job offers and applications. Each function is one business action that
writes its audit event in the same transaction; mail goes after commit. Callers check who may
act (HR for everything but submitting and withdrawing); these functions check what may be
done.

Audit events never carry the candidate's personal data: ids, statuses, types and sizes only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import IO

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from garde.accounts.models import User
from garde.careers.choices import PROCESS_END_STATUSES, ApplicationStatus
from garde.careers.errors import (
    AlreadySubmittedError,
    CareersError,
    OfferClosedError,
    TransitionError,
)
from garde.careers.files import cv_check, cv_delete_after_commit, cv_read, cv_store
from garde.careers.models import Application, ApplicationNote, JobOffer
from garde.core.mail import send_mail_after_commit
from garde.core.services import audit_record
from garde.requests.attachments import atomic_with_files

# The pipeline: which status may follow which, checked in one place.
TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.RECEIVED: frozenset(
        {ApplicationStatus.REVIEWED, ApplicationStatus.INTERVIEW, ApplicationStatus.REFUSED}
    ),
    ApplicationStatus.REVIEWED: frozenset({ApplicationStatus.INTERVIEW, ApplicationStatus.REFUSED}),
    ApplicationStatus.INTERVIEW: frozenset({ApplicationStatus.REFUSED, ApplicationStatus.HIRED}),
    ApplicationStatus.REFUSED: frozenset(),
    ApplicationStatus.HIRED: frozenset(),
}
WITHDRAW_SALT = "garde.careers.withdraw"
TEXT_LIMITS = {"full_name": 150, "phone": 40, "position": 200}


# --- offers --------------------------------------------------------------------------------


def _offer_fields_check(*, title: str, location: str, description: str) -> None:
    for field, value in (("title", title), ("location", location), ("description", description)):
        if not value.strip():
            raise CareersError(_("Ce champ est obligatoire."), field=field)


@transaction.atomic
def offer_create(
    *, actor: User, title: str, location: str, description: str, is_open: bool = True
) -> JobOffer:
    _offer_fields_check(title=title, location=location, description=description)
    offer = JobOffer.objects.create(
        title=title.strip()[:200],
        location=location.strip()[:200],
        description=description.strip(),
        is_open=is_open,
        created_by=actor,
    )
    audit_record(action="careers.offer_created", actor=actor, obj=offer, details={"open": is_open})
    return offer


@transaction.atomic
def offer_update(
    *, offer: JobOffer, actor: User, title: str, location: str, description: str, is_open: bool
) -> JobOffer:
    _offer_fields_check(title=title, location=location, description=description)
    offer.title = title.strip()[:200]
    offer.location = location.strip()[:200]
    offer.description = description.strip()
    offer.is_open = is_open
    offer.updated_at = timezone.now()
    offer.save(update_fields=["title", "location", "description", "is_open", "updated_at"])
    audit_record(action="careers.offer_updated", actor=actor, obj=offer, details={"open": is_open})
    return offer


@transaction.atomic
def offer_set_open(*, offer: JobOffer, actor: User, is_open: bool) -> None:
    """Open or close ``offer``: a closed offer leaves the public page and takes no new
    applications; those already received stay."""
    if offer.is_open == is_open:
        return
    offer.is_open = is_open
    offer.updated_at = timezone.now()
    offer.save(update_fields=["is_open", "updated_at"])
    audit_record(
        action="careers.offer_opened" if is_open else "careers.offer_closed",
        actor=actor,
        obj=offer,
    )


@transaction.atomic
def offer_delete(*, offer: JobOffer, actor: User) -> None:
    """Delete an offer nobody applied to; an offer with applications can only be closed."""
    if offer.applications.exists():
        raise CareersError(
            _("Des candidatures concernent cette offre : fermez-la plutôt que de la supprimer."),
            field=None,
        )
    offer_id = offer.pk
    offer.delete()
    audit_record(action="careers.offer_deleted", actor=actor, details={"offer": offer_id})


# --- applications --------------------------------------------------------------------------


def withdraw_token(application: Application) -> str:
    """The signed token of the candidate's withdraw link (no login). It names the application
    and its one-time key, so a token never reaches another application."""
    payload = {"id": application.pk, "k": str(application.submission_key)}
    return signing.dumps(payload, salt=WITHDRAW_SALT)


def application_by_withdraw_token(*, token: str) -> Application | None:
    """The application a withdraw link points to; None for a forged, altered or spent token."""
    try:
        payload = signing.loads(token, salt=WITHDRAW_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    application_id, key = payload.get("id"), payload.get("k")
    if not isinstance(application_id, int) or not isinstance(key, str):
        return None
    try:
        submission_key = uuid.UUID(key)
    except ValueError:
        return None
    return Application.objects.filter(pk=application_id, submission_key=submission_key).first()


def withdraw_url(application: Application) -> str:
    with translation.override(application.language):
        path = reverse("careers:withdraw", kwargs={"token": withdraw_token(application)})
    return str(settings.BASE_URL) + path


def _applicant_fields_check(
    *, full_name: str, email: str, phone: str, position: str, motivation: str
) -> None:
    values = {
        "full_name": full_name,
        "email": email,
        "phone": phone,
        "position": position,
        "motivation": motivation,
    }
    for field, value in values.items():
        if not value.strip():
            raise CareersError(_("Ce champ est obligatoire."), field=field)
    for field, limit in TEXT_LIMITS.items():
        if len(values[field].strip()) > limit:
            raise CareersError(_("%(limit)s caractères au plus.") % {"limit": limit}, field=field)
    try:
        validate_email(email.strip())
    except ValidationError:
        raise CareersError(_("Saisissez une adresse e-mail valide."), field="email") from None


def application_submit(
    *,
    offer: JobOffer | None,
    full_name: str,
    email: str,
    phone: str,
    position: str,
    motivation: str,
    keep_for_other_offers: bool,
    cv: IO[bytes],
    submission_key: uuid.UUID,
    language: str = "fr",
) -> Application:
    """Record an application to ``offer`` (None: spontaneous) with its CV, and mail the
    candidate an acknowledgement with the withdraw link. All or nothing: a refused CV leaves
    no row and no file. Posting the same form again (same ``submission_key``) raises
    ``AlreadySubmittedError`` and changes nothing."""
    if Application.objects.filter(submission_key=submission_key).exists():
        raise _already_submitted()
    if offer is not None and not offer.is_open:
        raise OfferClosedError(
            _("Cette offre est fermée : elle ne reçoit plus de candidatures."), field="offer"
        )
    _applicant_fields_check(
        full_name=full_name, email=email, phone=phone, position=position, motivation=motivation
    )
    checked = cv_check(upload=cv)
    try:
        with atomic_with_files():
            application = Application.objects.create(
                offer=offer,
                full_name=full_name.strip(),
                email=email.strip().lower(),
                phone=phone.strip(),
                position=position.strip(),
                motivation=motivation.strip(),
                keep_for_other_offers=keep_for_other_offers,
                language=language if language in {"fr", "en"} else "fr",
                submission_key=submission_key,
                cv_name=checked.name,
                cv_content_type=checked.file_type.mime,
                cv_size=len(checked.data),
                cv_sha256=checked.sha256,
                cv_storage_name=cv_store(checked),
            )
            audit_record(
                action="careers.application_received",
                obj=application,
                details={
                    "offer": offer.pk if offer is not None else None,
                    "keep_for_other_offers": keep_for_other_offers,
                    "cv_content_type": checked.file_type.mime,
                    "cv_size": len(checked.data),
                },
            )
            send_mail_after_commit(
                to=application.email,
                template="careers/mail/acknowledgement",
                context={
                    "application": application,
                    "offer_title": offer.title if offer is not None else "",
                    "link": withdraw_url(application),
                },
                language=application.language,
            )
    except IntegrityError:
        # The same form posted twice at once: the other post created the application.
        if Application.objects.filter(submission_key=submission_key).exists():
            raise _already_submitted() from None
        raise
    return application


def _already_submitted() -> AlreadySubmittedError:
    return AlreadySubmittedError(
        _(
            "Cette candidature a déjà été reçue : inutile de l'envoyer une seconde fois. "
            "Vérifiez votre messagerie."
        ),
        field=None,
    )


@transaction.atomic
def application_transition(*, application: Application, actor: User, to: str) -> None:
    """Move ``application`` along the pipeline. Refusing or hiring ends the recruitment
    process: ``process_ended_at`` is the anchor of the three-month rule (R-70)."""
    if to not in TRANSITIONS.get(application.status, frozenset()):
        raise TransitionError(
            _("Impossible de passer de « %(from)s » à « %(to)s ».")
            % {
                "from": ApplicationStatus(application.status).label,
                "to": ApplicationStatus(to).label if to in ApplicationStatus.values else to,
            },
            field="status",
        )
    now = timezone.now()
    previous = application.status
    application.status = to
    application.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if to in PROCESS_END_STATUSES:
        application.process_ended_at = now
        fields.append("process_ended_at")
    application.save(update_fields=fields)
    audit_record(
        action="careers.application_status_changed",
        actor=actor,
        obj=application,
        details={"from": previous, "to": to},
    )


@transaction.atomic
def application_note_add(*, application: Application, actor: User, body: str) -> ApplicationNote:
    if not body.strip():
        raise CareersError(_("La note est vide."), field="body")
    note = ApplicationNote.objects.create(application=application, author=actor, body=body.strip())
    audit_record(
        action="careers.application_note_added",
        actor=actor,
        obj=application,
        details={"note": note.pk},
    )
    return note


@transaction.atomic
def application_cv_open(
    *, application: Application, actor: User, request: HttpRequest | None
) -> bytes:
    """The decrypted CV. A read of restricted data: audited with the reader and their
    address. The caller checks that ``actor`` is HR."""
    data = cv_read(storage_name=application.cv_storage_name, sha256=application.cv_sha256)
    audit_record(
        action="careers.cv_downloaded",
        actor=actor,
        obj=application,
        request=request,
        details={"cv_content_type": application.cv_content_type},
    )
    return data


@transaction.atomic
def applications_erase(*, pks: Sequence[int]) -> int:
    """Delete the applications ``pks`` with their notes; their CV files go once the deletion
    commits. Safe to call again with the same ids. Returns how many were deleted."""
    rows = Application.objects.filter(pk__in=list(pks))
    storage_names = list(rows.values_list("cv_storage_name", flat=True))
    _total, by_model = rows.delete()
    cv_delete_after_commit(storage_names)
    return by_model.get(Application._meta.label, 0)


def application_erase(*, application: Application) -> None:
    """Erase one application (the rights-request engine's eraser for this store)."""
    applications_erase(pks=[application.pk])


@transaction.atomic
def application_withdraw(*, application: Application) -> None:
    """The candidate withdrew: the application, its notes and its CV are erased at once. The
    audit event keeps no personal data: the id of a row that no longer exists and its offer,
    not even the address the link was followed from."""
    application_id = application.pk
    offer_id = application.offer_id
    applications_erase(pks=[application_id])
    audit_record(
        action="careers.application_withdrawn",
        details={"application": application_id, "offer": offer_id},
    )
