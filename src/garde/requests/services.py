"""The life of an "RGPD" tab request, from submission to closure.

Every function is one business action: it checks the rule it enforces, changes the request in
a transaction with its audit event and its timeline entry, and tells people by e-mail after
commit (mail carries a link, never the personal data itself). Callers check who may act; these
functions check what may be done.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.accounts.choices import OrganisationKind
from garde.accounts.models import Organisation, User
from garde.accounts.selectors import operator_get, user_organisation, user_roles
from garde.core.deadlines import rights_request_due, rights_request_extended_due
from garde.core.mail import send_mail_after_commit
from garde.core.roles import CLIENT_ROLES, Role
from garde.core.services import audit_record
from garde.register.selectors import register_version_latest
from garde.requests.choices import (
    OPEN_STATUSES,
    Channel,
    Queue,
    RefusalReason,
    RequesterRelation,
    RequestKind,
    Status,
)
from garde.requests.errors import ExtensionError, RefusalError, RequestError, TransitionError
from garde.requests.models import Message, Request, StatusChange
from garde.requests.pia import (
    PiaPack,
    pia_pack_build,
    pia_pack_filename,
    pia_pack_json,
    pia_pack_pdf,
)

# The workflow: which status may follow which. Checked in one place, `_transition`.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset(
        {
            Status.AWAITING_IDENTITY,
            Status.IN_PROGRESS,
            Status.EXTENDED,
            Status.ANSWERED,
            Status.REFUSED,
            Status.FORWARDED,
        }
    ),
    Status.AWAITING_IDENTITY: frozenset(
        {Status.IN_PROGRESS, Status.EXTENDED, Status.ANSWERED, Status.REFUSED}
    ),
    Status.IN_PROGRESS: frozenset(
        {
            Status.AWAITING_IDENTITY,
            Status.EXTENDED,
            Status.ANSWERED,
            Status.REFUSED,
            Status.FORWARDED,
        }
    ),
    Status.EXTENDED: frozenset(
        {Status.AWAITING_IDENTITY, Status.IN_PROGRESS, Status.ANSWERED, Status.REFUSED}
    ),
    Status.ANSWERED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.REFUSED: frozenset({Status.CLOSED}),
    Status.FORWARDED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

REFERENCE_PREFIX: dict[str, str] = {
    RequestKind.RIGHTS: "DR",
    RequestKind.ASSISTANCE: "AS",
    RequestKind.PIA: "PIA",
    RequestKind.BREACH_REPORT: "VD",
}
UNCONFIRMED_DAYS = 7
CNIL_COMPLAINT_URL = "https://www.cnil.fr/fr/adresser-une-plainte"


@dataclass(frozen=True)
class Routing:
    queue: str
    organisation: Organisation | None


# --- helpers -------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def follow_url(request: Request, token: str) -> str:
    return settings.BASE_URL + reverse("requests:public_follow", kwargs={"token": token})


def request_url(request: Request) -> str:
    """Where a signed-in participant reads the request."""
    if request.queue == Queue.OPERATOR and request.requester is None:
        return settings.BASE_URL + reverse("requests:console_detail", kwargs={"pk": request.pk})
    return settings.BASE_URL + reverse("requests:portal_detail", kwargs={"pk": request.pk})


def _transition(request: Request, to: str, *, actor: User | None, reason: str = "") -> None:
    if to not in TRANSITIONS[request.status]:
        raise TransitionError(
            _("Impossible de passer de « %(from)s » à « %(to)s ».")
            % {"from": Status(request.status).label, "to": Status(to).label},
            field="status",
        )
    StatusChange.objects.create(
        request=request, from_status=request.status, to_status=to, actor=actor, reason=reason
    )
    request.status = to


def _notify_requester(request: Request, template: str, **context: Any) -> None:
    """E-mail the requester with a link to the request (public requesters get their follow
    link only in the acknowledgement; later mails point to the same page)."""
    link = context.pop("link", None) or (
        request_url(request)
        if request.requester_id
        else settings.BASE_URL + reverse("requests:public_lookup")
    )
    send_mail_after_commit(
        to=request.requester_email,
        template=f"requests/mail/{template}",
        language=request.language,
        context={"request": request, "link": link, **context},
    )


def _queue_recipients(request: Request) -> list[User]:
    """Who handles the queue: the operator's DPO team, or the client's org_admin and org_dpo."""
    if request.assignee_id:
        return [request.assignee]  # type: ignore[list-item]
    organisation: Organisation | None
    if request.queue == Queue.OPERATOR:
        organisation, roles = operator_get(), [Role.DPO]
    else:
        organisation, roles = request.organisation, [Role.ORG_ADMIN, Role.ORG_DPO]
    return list(
        User.objects.filter(
            memberships__organisation=organisation, memberships__role__in=roles, is_active=True
        ).distinct()
    )


def _notify_queue(request: Request, template: str, **context: Any) -> None:
    for handler in _queue_recipients(request):
        send_mail_after_commit(
            to=handler.email,
            template=f"requests/mail/{template}",
            language=handler.language,
            context={"request": request, "link": request_url_for_handler(request), **context},
        )


def request_url_for_handler(request: Request) -> str:
    name = "requests:console_detail" if request.queue == Queue.OPERATOR else "requests:org_detail"
    return settings.BASE_URL + reverse(name, kwargs={"pk": request.pk})


# --- routing -------------------------------------------------------------------------------


def route(
    *, kind: str, relation: str, requester: User | None, organisation: Organisation | None = None
) -> Routing:
    """The policy's routing. A client's user asks their own organisation (its admin or DPO
    answers, or escalates); everything else goes to the operator's DPO team, including a
    client's data subject who could not reach the client (the DPO forwards it).

    ``organisation`` is given when an organisation's system files the request (API key): a
    client's rights request about its users goes to its own queue like a member's would; an
    operator key files into the operator's queue."""
    if requester is None and organisation is not None:
        if organisation.kind == OrganisationKind.OPERATOR:
            return Routing(queue=Queue.OPERATOR, organisation=None)
        if kind == RequestKind.RIGHTS and relation == RequesterRelation.CLIENT_USER:
            return Routing(queue=Queue.ORGANISATION, organisation=organisation)
        return Routing(queue=Queue.OPERATOR, organisation=organisation)
    organisation = user_organisation(requester) if requester is not None else None
    if (
        kind == RequestKind.RIGHTS
        and relation == RequesterRelation.CLIENT_USER
        and requester is not None
        and organisation is not None
        and user_roles(requester) & CLIENT_ROLES
    ):
        return Routing(queue=Queue.ORGANISATION, organisation=organisation)
    return Routing(queue=Queue.OPERATOR, organisation=organisation)


# --- submission ----------------------------------------------------------------------------


@transaction.atomic
def request_submit(
    *,
    kind: str,
    channel: str,
    requester_name: str,
    requester_email: str,
    requester_relation: str,
    description: str,
    requester: User | None = None,
    rights: list[str] | None = None,
    services: str = "",
    client_organisation: Organisation | None = None,
    client_name_given: str = "",
    client_due_date: Any = None,
    breach_occurred_at: datetime | None = None,
    breach_data: str = "",
    received_at: datetime | None = None,
    language: str = "fr",
    entered_by: User | None = None,
    parent: Request | None = None,
    organisation: Organisation | None = None,
) -> tuple[Request, str | None]:
    """Record a request. The clock starts at ``received_at`` (now, or the real receipt date a
    staff member enters for post, e-mail or telephone: R-07). Returns the request and, for a
    requester without an account, the secret token of their follow link (shown once, mailed
    to confirm the address).

    ``organisation`` is the organisation whose system files the request through the API: it
    owns the request and vouches for the address, so no follow link is needed."""
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        raise RequestError(
            _("La date de réception ne peut pas être dans le futur."), field="received_at"
        )
    if kind == RequestKind.RIGHTS and not rights:
        raise RequestError(_("Choisissez au moins un droit."), field="rights")
    if not description.strip():
        raise RequestError(_("Décrivez votre demande."), field="description")
    routing = route(
        kind=kind, relation=requester_relation, requester=requester, organisation=organisation
    )
    vouched = requester is not None or organisation is not None
    token = None if vouched else secrets.token_urlsafe(32)
    # Staff who enter a request that came by post, e-mail or telephone vouch for it: it
    # enters the queue at once, and the requester still gets a follow link.
    confirmed = token is None or entered_by is not None
    request = Request.objects.create(
        reference=f"TMP-{secrets.token_hex(6)}",
        kind=kind,
        channel=channel,
        language=language if language in {"fr", "en"} else "fr",
        requester=requester,
        requester_name=requester_name.strip()[:150],
        requester_email=requester_email.strip().lower(),
        requester_relation=requester_relation,
        organisation=routing.organisation,
        client_organisation=client_organisation,
        client_name_given=client_name_given.strip()[:200],
        rights=sorted(set(rights or [])),
        services=services.strip()[:300],
        description=description.strip(),
        client_due_date=client_due_date,
        breach_occurred_at=breach_occurred_at,
        breach_data=breach_data.strip(),
        parent=parent,
        queue=routing.queue,
        received_at=received_at,
        due_date=rights_request_due(received_at),
        follow_token_hash=_token_hash(token) if token else "",
        email_confirmed_at=now if confirmed else None,
        created_by=entered_by,
    )
    request.reference = f"{REFERENCE_PREFIX[kind]}-{received_at:%Y}-{request.pk:06d}"
    request.save(update_fields=["reference"])
    StatusChange.objects.create(
        request=request, to_status=Status.RECEIVED, actor=entered_by or requester, reason=channel
    )
    audit_record(
        action="requests.submitted",
        actor=entered_by or requester,
        obj=request,
        organisation=routing.organisation,
        details={
            "kind": kind,
            "channel": channel,
            "queue": routing.queue,
            "relation": requester_relation,
        },
    )
    if not confirmed:
        _notify_requester(
            request, "confirm_email", link=follow_url(request, token or ""), days=UNCONFIRMED_DAYS
        )
    else:
        _notify_requester(request, "received", link=follow_url(request, token) if token else None)
        _notify_queue(request, "new_request")
    return request, token


@transaction.atomic
def request_confirm_email(*, token: str) -> Request | None:
    """The requester followed the signed link: the address is confirmed and the request
    enters the queue (its deadline still runs from submission). Returns None for an unknown
    token."""
    request = Request.objects.filter(follow_token_hash=_token_hash(token)).first()
    if request is None:
        return None
    if request.email_confirmed_at is None:
        request.email_confirmed_at = timezone.now()
        request.save(update_fields=["email_confirmed_at"])
        audit_record(action="requests.email_confirmed", obj=request)
        _notify_requester(request, "received", link=follow_url(request, token))
        _notify_queue(request, "new_request")
    return request


def request_by_token(*, token: str) -> Request | None:
    """The confirmed request a follow link points to."""
    return Request.objects.filter(
        follow_token_hash=_token_hash(token), email_confirmed_at__isnull=False
    ).first()


# --- handling ------------------------------------------------------------------------------


@transaction.atomic
def request_assign(*, request: Request, assignee: User | None, actor: User) -> None:
    request.assignee = assignee
    request.save(update_fields=["assignee"])
    audit_record(
        action="requests.assigned",
        actor=actor,
        obj=request,
        organisation=request.organisation,
        details={"assignee": assignee.pk if assignee else None},
    )
    if request.status == Status.RECEIVED:
        _transition(request, Status.IN_PROGRESS, actor=actor)
        request.save(update_fields=["status"])


@transaction.atomic
def request_start(*, request: Request, actor: User) -> None:
    _transition(request, Status.IN_PROGRESS, actor=actor)
    request.save(update_fields=["status"])
    audit_record(
        action="requests.started", actor=actor, obj=request, organisation=request.organisation
    )


@transaction.atomic
def request_ask_identity(*, request: Request, actor: User, doubt_reason: str) -> None:
    """R-05: ask for proof of identity only with a stated reasonable doubt. The clock is not
    paused (the default LEGAL-RULES.md recommends)."""
    if not doubt_reason.strip():
        raise RequestError(
            _("Indiquez le doute raisonnable qui justifie la demande."), field="doubt_reason"
        )
    _transition(request, Status.AWAITING_IDENTITY, actor=actor, reason=doubt_reason)
    request.identity_doubt_reason = doubt_reason.strip()
    request.identity_requested_at = timezone.now()
    request.save(update_fields=["status", "identity_doubt_reason", "identity_requested_at"])
    audit_record(
        action="requests.identity_requested",
        actor=actor,
        obj=request,
        organisation=request.organisation,
    )
    _notify_requester(request, "identity_requested")


@transaction.atomic
def request_extend(*, request: Request, actor: User, extra_months: int, reason: str) -> None:
    """R-02: up to two further months, with a reason the requester is told, decided before
    the first deadline."""
    if not reason.strip():
        raise ExtensionError(_("Une prolongation doit être motivée."), field="reason")
    if request.extended_due_date is not None:
        raise ExtensionError(_("Le délai a déjà été prolongé."), field="extra_months")
    if timezone.localdate() > request.due_date:
        raise ExtensionError(
            _("Le premier délai est dépassé : il n'est plus possible de le prolonger."),
            field="extra_months",
        )
    try:
        new_due = rights_request_extended_due(request.received_at, extra_months=extra_months)
    except ValueError as error:
        raise ExtensionError(
            _("Une prolongation est d'un ou deux mois."), field="extra_months"
        ) from error
    _transition(request, Status.EXTENDED, actor=actor, reason=reason)
    request.extended_due_date = new_due
    request.extension_reason = reason.strip()
    request.extension_notified_at = timezone.now()
    request.save(
        update_fields=["status", "extended_due_date", "extension_reason", "extension_notified_at"]
    )
    audit_record(
        action="requests.extended",
        actor=actor,
        obj=request,
        organisation=request.organisation,
        details={"extra_months": extra_months, "new_due_date": new_due.isoformat()},
    )
    _notify_requester(request, "extended")


@transaction.atomic
def request_refuse(*, request: Request, actor: User, reason: str, detail: str) -> None:
    """R-03/R-04: a refusal has a reason code and an explanation, and the requester is told
    of the right to complain to the CNIL and to seek a judicial remedy."""
    if reason not in RefusalReason.values:
        raise RefusalError(_("Choisissez le motif du refus."), field="reason")
    if not detail.strip():
        raise RefusalError(
            _("Expliquez le refus : la personne doit pouvoir le comprendre."), field="detail"
        )
    _transition(request, Status.REFUSED, actor=actor, reason=reason)
    request.refusal_reason = reason
    request.refusal_detail = detail.strip()
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "refusal_reason", "refusal_detail", "answered_at"])
    audit_record(
        action="requests.refused",
        actor=actor,
        obj=request,
        organisation=request.organisation,
        details={"reason": reason},
    )
    _notify_requester(request, "refused", cnil_url=CNIL_COMPLAINT_URL)


@transaction.atomic
def request_answer(*, request: Request, actor: User, body: str) -> Message:
    """Send the answer (a message of the thread; files are attached to it by the caller
    through ``attachments``)."""
    if not body.strip():
        raise RequestError(_("La réponse est vide."), field="body")
    _transition(request, Status.ANSWERED, actor=actor)
    message = Message.objects.create(request=request, author=actor, body=body.strip())
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answered_at"])
    audit_record(
        action="requests.answered", actor=actor, obj=request, organisation=request.organisation
    )
    _notify_requester(request, "answered")
    return message


def request_answer_send(
    *,
    request: Request,
    actor: User,
    body: str,
    files: Sequence[IO[bytes]] = (),
    join_letter: bool = False,
) -> Message:
    """Answer with files and, if asked, the generated response letter (PDF) joined to the
    answer. All or nothing: a refused file leaves the request, its thread and its earlier
    attachments as they were, writes no file, and nobody is told anything."""
    from garde.requests.attachments import atomic_with_files, attachment_add
    from garde.requests.letters import ANSWER, letter_build, letter_filename, letter_pdf

    with atomic_with_files():
        message = request_answer(request=request, actor=actor, body=body)
        for upload in files:
            attachment_add(
                request=request,
                upload=upload,
                uploaded_by=actor,
                from_requester=False,
                message=message,
            )
        if join_letter:
            letter = letter_build(request=request, kind=ANSWER)
            attachment_add(
                request=request,
                upload=SimpleUploadedFile(
                    letter_filename(request, ANSWER),
                    letter_pdf(letter),
                    content_type="application/pdf",
                ),
                uploaded_by=actor,
                from_requester=False,
                message=message,
            )
    return message


def request_pia_pack_attach(
    *, request: Request, actor: User, activity_slugs: Sequence[str] | None = None
) -> PiaPack:
    """R-21: generate the PIA information pack from the latest published register for the
    services asked (or those the DPO chose) and join it to the request as a PDF and as a PIA
    tool JSON file, both named with the register version they come from. All or nothing."""
    from garde.requests.attachments import atomic_with_files, attachment_add

    if request.kind != RequestKind.PIA:
        raise RequestError(
            _("Seule une demande d'informations PIA reçoit ce dossier."), field="kind"
        )
    if request.status not in OPEN_STATUSES:
        raise TransitionError(_("Cette demande est déjà traitée."), field="status")
    version = register_version_latest()
    if version is None:
        raise RequestError(_("Aucun registre des traitements n'est publié."), field="activities")
    pack = pia_pack_build(request=request, version=version, activity_slugs=activity_slugs)
    if not pack.activities:
        raise RequestError(_("Choisissez au moins un service."), field="activities")
    files = (
        (pia_pack_filename(pack, "pdf"), pia_pack_pdf(pack), "application/pdf"),
        (
            pia_pack_filename(pack, "json"),
            json.dumps(pia_pack_json(pack), ensure_ascii=False, indent=2).encode(),
            "application/json",
        ),
    )
    with atomic_with_files():
        for name, content, content_type in files:
            attachment_add(
                request=request,
                upload=SimpleUploadedFile(name, content, content_type=content_type),
                uploaded_by=actor,
                from_requester=False,
            )
        audit_record(
            action="requests.pia_pack_attached",
            actor=actor,
            obj=request,
            organisation=request.organisation,
            details={
                "register_version": version.number,
                "activities": [a.slug for a in pack.activities],
            },
        )
    return pack


@transaction.atomic
def request_set_client(*, request: Request, client: Organisation | None, actor: User) -> None:
    """Record which client organisation's hosted data the request is about (R-22), before
    forwarding it to that client's privacy contact. Only client organisations qualify."""
    if client is not None and client.kind != OrganisationKind.CLIENT:
        raise RequestError(_("Choisissez une organisation cliente."), field="client_organisation")
    if request.status not in OPEN_STATUSES:
        raise TransitionError(_("Cette demande est déjà traitée."), field="status")
    previous = request.client_organisation_id
    request.client_organisation = client
    request.save(update_fields=["client_organisation"])
    audit_record(
        action="requests.client_set",
        actor=actor,
        obj=request,
        organisation=request.organisation,
        details={"from": previous, "to": client.pk if client else None},
    )


@transaction.atomic
def request_forward(*, request: Request, actor: User) -> str:
    """R-22: a request about data the operator only hosts for a client goes to that client's
    privacy contact; the requester is told to whom. Returns the address used."""
    client = request.client_organisation
    if client is None or not client.privacy_contact_email:
        raise RequestError(
            _(
                "Choisissez l'organisation cliente concernée ; elle doit avoir un contact "
                "« données personnelles »."
            ),
            field="client_organisation",
        )
    _transition(request, Status.FORWARDED, actor=actor)
    request.forwarded_to_email = client.privacy_contact_email
    request.forwarded_at = timezone.now()
    request.save(update_fields=["status", "forwarded_to_email", "forwarded_at"])
    audit_record(
        action="requests.forwarded",
        actor=actor,
        obj=request,
        organisation=client,
        details={"to": client.privacy_contact_email},
    )
    send_mail_after_commit(
        to=client.privacy_contact_email,
        template="requests/mail/forwarded",
        language="fr",
        context={"request": request, "client": client},
    )
    _notify_requester(request, "forwarded_requester", client=client)
    return client.privacy_contact_email


@transaction.atomic
def request_escalate(*, request: Request, actor: User, note: str = "") -> Request:
    """A client organisation hands one of its members' requests to the operator: a linked
    assistance request opens in the operator's queue (GDPR art. 28(3)(e))."""
    if request.queue != Queue.ORGANISATION or request.organisation is None:
        raise RequestError(_("Seule une demande de votre organisation peut être transmise."))
    if request.status not in OPEN_STATUSES:
        raise TransitionError(_("Cette demande est déjà traitée."), field="status")
    if request.escalations.exists():
        raise RequestError(_("Cette demande a déjà été transmise à l'opérateur."))
    assistance, _token = request_submit(
        kind=RequestKind.ASSISTANCE,
        channel=Channel.PORTAL,
        requester_name=actor.full_name,
        requester_email=actor.email,
        requester_relation=RequesterRelation.CLIENT_USER,
        requester=actor,
        description=(note.strip() + "\n\n" if note.strip() else "") + request.description,
        rights=list(request.rights),
        services=request.services,
        client_due_date=request.effective_due_date,
        language=actor.language,
        parent=request,
    )
    audit_record(
        action="requests.escalated",
        actor=actor,
        obj=request,
        organisation=request.organisation,
        details={"assistance": assistance.pk},
    )
    if request.status == Status.RECEIVED:
        _transition(request, Status.IN_PROGRESS, actor=actor, reason="escalated")
        request.save(update_fields=["status"])
    return assistance


@transaction.atomic
def request_close(*, request: Request, actor: User) -> None:
    _transition(request, Status.CLOSED, actor=actor)
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at"])
    audit_record(
        action="requests.closed", actor=actor, obj=request, organisation=request.organisation
    )


@transaction.atomic
def message_post(
    *,
    request: Request,
    body: str,
    author: User | None,
    from_requester: bool,
    internal: bool = False,
) -> Message:
    """A message in the thread, or an internal note (handlers only, never sent)."""
    if not body.strip():
        raise RequestError(_("Le message est vide."), field="body")
    if internal and from_requester:
        raise RequestError(_("Une note interne ne vient pas du demandeur."), field="internal")
    message = Message.objects.create(
        request=request,
        author=author,
        body=body.strip()[:20000],
        from_requester=from_requester,
        internal=internal,
    )
    audit_record(
        action="requests.note_added" if internal else "requests.message_posted",
        actor=author,
        obj=request,
        organisation=request.organisation,
    )
    if not internal:
        if from_requester:
            _notify_queue(request, "new_message")
        else:
            _notify_requester(request, "new_message")
    return message


@transaction.atomic
def privacy_contact_update(*, actor: User, organisation: Organisation, email: str) -> None:
    """A client's org_admin keeps the address the operator forwards requests about the
    client's data to (R-22). Kept here, next to the forwarding it serves; the caller checks
    that ``actor`` administers ``organisation``."""
    email = email.strip().lower()
    if organisation.kind != OrganisationKind.CLIENT:
        raise RequestError(_("Seule une organisation cliente a ce contact."), field="email")
    try:
        validate_email(email)
    except ValidationError as error:
        raise RequestError(_("Saisissez une adresse e-mail valide."), field="email") from error
    previous = organisation.privacy_contact_email
    if email == previous:
        return
    organisation.privacy_contact_email = email
    organisation.save(update_fields=["privacy_contact_email"])
    audit_record(
        action="requests.privacy_contact_updated",
        actor=actor,
        obj=organisation,
        organisation=organisation,
        details={"from": previous, "to": email},
    )


# --- background ----------------------------------------------------------------------------


@transaction.atomic
def requests_send_reminders(*, now: datetime | None = None) -> int:
    """Remind handlers 7 and 2 days before the due date; each reminder is sent once."""
    today = timezone.localdate(now or timezone.now())
    sent = 0
    # Windows do not overlap, so a request first seen two days before its deadline gets the
    # two-day reminder only, not both at once.
    for lowest, days, field in ((3, 7, "reminder_7d_sent_at"), (0, 2, "reminder_2d_sent_at")):
        due = Request.objects.select_for_update().filter(
            status__in=OPEN_STATUSES,
            email_confirmed_at__isnull=False,
            **{f"{field}__isnull": True},
        )
        for request in due:
            left = (request.effective_due_date - today).days
            if lowest <= left <= days:
                setattr(request, field, timezone.now())
                request.save(update_fields=[field])
                _notify_queue(request, "reminder", days_left=left)
                sent += 1
    return sent


@transaction.atomic
def requests_discard_unconfirmed(*, now: datetime | None = None) -> int:
    """Public submissions whose address was not confirmed within 7 days are deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=UNCONFIRMED_DAYS)
    stale = Request.objects.filter(email_confirmed_at__isnull=True, created_at__lt=cutoff)
    count = stale.count()
    if count:
        references = list(stale.values_list("reference", flat=True))
        stale.delete()
        audit_record(
            action="requests.unconfirmed_discarded",
            details={"count": count, "references": references},
        )
    return count
