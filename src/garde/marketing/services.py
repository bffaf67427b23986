"""Contact and callback forms: recording a submission (and acknowledging it by e-mail), and the
marketing and sales teams' handling of it: assignment, status, notes. Each action writes its
audit event in the same transaction; mail leaves after commit. The caller checks permissions
(views use ``garde.core.permissions``; the queue's selectors filter by role)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.core.mail import send_mail_after_commit
from garde.core.services import audit_record
from garde.marketing import models as m
from garde.marketing.choices import (
    STATUS_TRANSITIONS,
    CallbackTopic,
    ContactKind,
    ContactStatus,
    TimeSlot,
)
from garde.marketing.errors import (
    ContactDuplicateError,
    ContactInvalidError,
    ContactTransitionError,
)
from garde.marketing.models import ContactNote, ContactRequest
from garde.marketing.selectors import contact_handlers

if TYPE_CHECKING:
    from garde.accounts.models import User

# A submission identical to one received this recently is the same one sent again.
DUPLICATE_WINDOW = timedelta(minutes=10)
LANGUAGES = ("fr", "en")
_PHONE_RE = re.compile(r"^\+?[0-9]{6,20}$")

_LIMITS = {
    "name": m.NAME_MAX,
    "company": m.COMPANY_MAX,
    "email": m.EMAIL_MAX,
    "phone": m.PHONE_MAX,
    "subject": m.SUBJECT_MAX,
    "message": m.MESSAGE_MAX,
}


def phone_normalise(phone: str) -> str:
    """A phone number as stored and searched: digits, with a leading "+" if given ("06 12 34
    56 78" -> "0612345678", "+33 (0)6..." keeps its "+")."""
    phone = phone.strip()
    digits = re.sub(r"\D", "", phone.replace("(0)", ""))
    return f"+{digits}" if phone.startswith("+") else digits


def contact_fingerprint(*, kind: str, fields: dict[str, str]) -> str:
    """SHA-256 of a submission's normalised content: the same text sent twice has the same
    fingerprint whatever its spacing or letter case."""
    parts = [kind] + [
        " ".join(fields.get(name, "").split()).casefold()
        for name in (
            "name",
            "company",
            "email",
            "phone",
            "subject",
            "message",
            "time_slot",
            "topic",
        )
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _invalid(message: str, field: str) -> ContactInvalidError:
    return ContactInvalidError(message, field=field)


def _clean(kind: str, values: dict[str, str]) -> dict[str, str]:
    """The submission's fields trimmed, checked and normalised; raises ContactInvalidError."""
    if kind not in ContactKind.values:
        raise _invalid(_("Type de demande inconnu."), "kind")
    clean = {name: (value or "").strip() for name, value in values.items()}
    clean["email"] = clean["email"].lower()
    for name, limit in _LIMITS.items():
        if len(clean[name]) > limit:
            raise _invalid(
                _("Ce champ est trop long (%(limit)s caractères au plus).") % {"limit": limit},
                name,
            )
    required = ["name", "email", "message"] if kind == ContactKind.CONTACT else ["name", "phone"]
    for name in required:
        if not clean[name]:
            raise _invalid(_("Ce champ est obligatoire."), name)
    if clean["email"]:
        try:
            validate_email(clean["email"])
        except ValidationError:
            raise _invalid(_("Saisissez une adresse e-mail valide."), "email") from None
    if clean["phone"]:
        clean["phone"] = phone_normalise(clean["phone"])
        if not _PHONE_RE.match(clean["phone"]):
            raise _invalid(_("Saisissez un numéro de téléphone valide."), "phone")
    if kind == ContactKind.CALLBACK:
        if clean["time_slot"] not in TimeSlot.values:
            raise _invalid(_("Choisissez un créneau."), "time_slot")
        if clean["topic"] not in CallbackTopic.values:
            raise _invalid(_("Choisissez un sujet."), "topic")
    else:
        clean["time_slot"] = clean["topic"] = ""
    return clean


def _duplicate() -> ContactDuplicateError:
    return ContactDuplicateError(
        _(
            "Nous avons déjà reçu cette demande il y a quelques instants : elle est bien "
            "enregistrée, inutile de l'envoyer à nouveau."
        )
    )


@transaction.atomic
def contact_request_submit(
    *,
    kind: str,
    name: str,
    email: str = "",
    phone: str = "",
    company: str = "",
    subject: str = "",
    message: str = "",
    time_slot: str = "",
    topic: str = "",
    language: str = "fr",
    submission_key: str | None = None,
) -> ContactRequest:
    """Record a contact or callback submission and, when an e-mail address is given, send the
    acknowledgement after commit. The same submission again (same ``submission_key``, or the
    same content within ``DUPLICATE_WINDOW``) raises ContactDuplicateError and stores nothing;
    invalid input raises ContactInvalidError. No IP address is recorded, in the submission or
    its audit event."""
    fields = _clean(
        kind,
        {
            "name": name,
            "email": email,
            "phone": phone,
            "company": company,
            "subject": subject,
            "message": message,
            "time_slot": time_slot,
            "topic": topic,
        },
    )
    now = timezone.now()
    fingerprint = contact_fingerprint(kind=kind, fields=fields)
    key = (submission_key or "").strip()[:64] or None
    earlier = Q(fingerprint=fingerprint, submitted_at__gte=now - DUPLICATE_WINDOW)
    if key is not None:
        earlier |= Q(submission_key=key)
    if ContactRequest.objects.filter(earlier).exists():
        raise _duplicate()
    try:
        with transaction.atomic():
            contact = ContactRequest.objects.create(
                kind=kind,
                language=language if language in LANGUAGES else "fr",
                submitted_at=now,
                updated_at=now,
                fingerprint=fingerprint,
                submission_key=key,
                **fields,
            )
    except IntegrityError:
        # The same form key committed by a concurrent request (a double click).
        raise _duplicate() from None
    audit_record(
        action="marketing.contact_submitted",
        obj=contact,
        details={"kind": kind, "language": contact.language},
    )
    if contact.email:
        send_mail_after_commit(
            to=contact.email,
            template="marketing/mail/contact_ack",
            language=contact.language,
            context={"contact": contact},
        )
    return contact


def _locked(contact: ContactRequest) -> ContactRequest:
    return ContactRequest.objects.select_for_update().get(pk=contact.pk)


@transaction.atomic
def contact_request_assign(
    *, contact_request: ContactRequest, assignee: User | None, actor: User
) -> ContactRequest:
    """Give the submission to a member of the marketing or sales team (None: to nobody)."""
    if assignee is not None and not contact_handlers().filter(pk=assignee.pk).exists():
        raise _invalid(
            _("Seul un membre des équipes marketing ou commerciale peut en être chargé."),
            "assignee",
        )
    contact = _locked(contact_request)
    previous = contact.assignee_id
    new = assignee.pk if assignee is not None else None
    if previous == new:
        return contact
    contact.assignee = assignee
    contact.updated_at = timezone.now()
    contact.save(update_fields=["assignee", "updated_at"])
    audit_record(
        action="marketing.contact_assigned",
        actor=actor,
        obj=contact,
        details={"from": previous, "to": new},
    )
    return contact


@transaction.atomic
def contact_request_status_set(
    *, contact_request: ContactRequest, status: str, actor: User
) -> ContactRequest:
    """Move the submission to ``status`` along ``STATUS_TRANSITIONS``."""
    contact = _locked(contact_request)
    if status not in STATUS_TRANSITIONS.get(contact.status, frozenset()):
        raise ContactTransitionError(
            _("Impossible de passer de « %(from)s » à « %(to)s ».")
            % {
                "from": ContactStatus(contact.status).label,
                "to": ContactStatus(status).label if status in ContactStatus.values else status,
            },
            field="status",
        )
    previous = contact.status
    contact.status = status
    contact.updated_at = timezone.now()
    contact.save(update_fields=["status", "updated_at"])
    audit_record(
        action="marketing.contact_status_changed",
        actor=actor,
        obj=contact,
        details={"from": previous, "to": status},
    )
    return contact


@transaction.atomic
def contact_note_add(*, contact_request: ContactRequest, body: str, actor: User) -> ContactNote:
    """Add a handler's note to the submission."""
    body = body.strip()
    if not body:
        raise _invalid(_("Ce champ est obligatoire."), "body")
    if len(body) > m.NOTE_MAX:
        raise _invalid(
            _("Ce champ est trop long (%(limit)s caractères au plus).") % {"limit": m.NOTE_MAX},
            "body",
        )
    contact = _locked(contact_request)
    note = ContactNote.objects.create(contact_request=contact, author=actor, body=body)
    contact.updated_at = note.created_at
    contact.save(update_fields=["updated_at"])
    audit_record(
        action="marketing.contact_note_added",
        actor=actor,
        obj=contact,
        details={"note": note.pk},
    )
    return note
