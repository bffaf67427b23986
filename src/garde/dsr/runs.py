"""Running the fulfilment engine from a rights request in the DPO console (issue 5, point 7):
start an access or an erasure dry run in the background, apply a reviewed dry run, give the
requester their signed erasure receipt, rectify and restrict on the request's behalf, and the
audited staff reads of what the engine produced (package preview and download, receipt).

The engine's own services (``garde.dsr.access``, ``garde.dsr.erasure``) do the work and write
their audit events; the functions here add what the console needs around them: which request
may start what, the background task enqueued after commit, and one apply per dry run.
The caller checks the viewer's role; these functions check the request and the run."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.core.crypto import decrypt_bytes
from garde.core.errors import GardeError
from garde.core.mail import render_mail
from garde.core.services import audit_record
from garde.dsr.access import (
    PackageExpiredError,
    RunStateError,
    access_run_create,
    identities_validate,
    identity_types_known,
    package_expired,
    package_path,
)
from garde.dsr.choices import RunKind, RunStatus
from garde.dsr.erasure import (
    erasure_run_create,
    rectification_apply,
    restriction_create,
)
from garde.dsr.models import AccessPackage, ErasureReceipt, FulfilmentRun, ProcessingRestriction
from garde.dsr.package import INDEX_FILE
from garde.dsr.receipts import public_key_pem
from garde.dsr.run_selectors import RECEIPT_SENT_ACTION, request_run_kinds
from garde.dsr.tasks import dsr_run_task
from garde.requests.documents import date_text

if TYPE_CHECKING:
    from garde.accounts.models import User
    from garde.requests.models import Request

LANGUAGES = ("fr", "en")
RECEIPT_FILE = "receipt.json"
PUBLIC_KEY_FILE = "garde-public-key.pem"
StartKind = Literal["access", "erasure"]


class RunNotAllowedError(GardeError):
    """The request does not allow this run: not an open rights request, or not this right."""

    code = "dsr_run_not_allowed"
    status = 409


def _request_allows(request: Request, kind: str) -> None:
    if kind not in request_run_kinds(request):
        raise RunNotAllowedError(
            _(
                "Cette demande ne permet pas cette exécution : il faut une demande d'exercice "
                "des droits ouverte qui porte sur ce droit."
            )
        )


def _language(request: Request | None) -> str:
    language = request.language if request is not None else "fr"
    return language if language in LANGUAGES else "fr"


def _enqueue(run: FulfilmentRun) -> None:
    run_id = run.pk
    transaction.on_commit(lambda: dsr_run_task.enqueue(run_id))


@transaction.atomic
def request_run_start(
    *,
    request: Request,
    kind: StartKind,
    identities: Mapping[str, object],
    actor: User,
) -> FulfilmentRun:
    """Start, in the background, an access run (``kind="access"``) or an erasure dry run
    (``kind="erasure"``) for the person of ``request``, in the request's language. The
    identities are checked against the types the imported datasets declare (a
    ``GardeError`` whose ``field`` is ``identities.<type>`` names the one at fault). The task
    is enqueued once the run is committed. Refused (nothing created) unless the request is an
    open rights request asking for that right."""
    _request_allows(request, RunKind.ACCESS if kind == "access" else RunKind.ERASURE)
    language = _language(request)
    if kind == "access":
        run = access_run_create(
            identities=identities, actor=actor, request=request, language=language
        )
    else:
        clean = identities_validate(identities, known=identity_types_known())
        run = erasure_run_create(
            identities=clean, actor=actor, request=request, dry_run=True, language=language
        )
    _enqueue(run)
    return run


@transaction.atomic
def erasure_apply_from_dry_run(*, run: FulfilmentRun, actor: User) -> FulfilmentRun:
    """Apply a reviewed erasure dry run: a new, real erasure run for the same person and
    request, enqueued after commit; the dry run records it (``result["applied_run"]``) so it
    is never applied twice. The applied run reads the systems again: what it erases is what
    the policies say at that moment. Records ``dsr.erasure_apply_requested``."""
    dry_run = (
        FulfilmentRun.objects.select_for_update(of=("self",))
        .select_related("request")
        .get(pk=run.pk)
    )
    if dry_run.kind != RunKind.ERASURE or not dry_run.dry_run:
        raise RunStateError(
            _("Seule une simulation d'effacement peut être appliquée."), code="dsr_not_a_dry_run"
        )
    applied = dry_run.result.get("applied_run") if dry_run.result else None
    if applied is not None:
        raise RunStateError(
            _("Cette simulation a déjà été appliquée (exécution n° %(run)s).") % {"run": applied},
            code="dsr_dry_run_applied",
        )
    if dry_run.status != RunStatus.REVIEW:
        raise RunStateError(
            _("La simulation n'est pas terminée : rien ne peut encore être appliqué."),
            code="dsr_dry_run_not_ready",
        )
    if dry_run.request is not None:
        _request_allows(dry_run.request, RunKind.ERASURE)
    erasure = erasure_run_create(
        identities=dry_run.identities,
        actor=actor,
        request=dry_run.request,
        dry_run=False,
        language=dry_run.language,
    )
    dry_run.result = {**dry_run.result, "applied_run": erasure.pk}
    dry_run.save(update_fields=["result"])
    audit_record(
        action="dsr.erasure_apply_requested",
        actor=actor,
        obj=dry_run,
        details={"applied_run": erasure.pk},
    )
    _enqueue(erasure)
    return erasure


def _receipt_of(run: FulfilmentRun) -> ErasureReceipt:
    if run.kind != RunKind.ERASURE or run.dry_run or run.status != RunStatus.APPLIED:
        raise RunStateError(
            _("Seul un effacement appliqué a un reçu."), code="dsr_receipt_not_applied"
        )
    receipt = ErasureReceipt.objects.filter(run=run).first()
    if receipt is None:
        raise RunStateError(_("Cet effacement n'a pas de reçu."), code="dsr_receipt_missing")
    return receipt


def receipt_document(receipt: ErasureReceipt) -> dict[str, str]:
    """``receipt.json``: the signed payload exactly as signed, its signature and key id."""
    return {"payload": receipt.payload, "signature": receipt.signature, "key_id": receipt.key_id}


def receipt_json(receipt: ErasureReceipt) -> bytes:
    return json.dumps(receipt_document(receipt), ensure_ascii=False, indent=2).encode()


@transaction.atomic
def erasure_receipt_send(*, run: FulfilmentRun, actor: User) -> str:
    """Mail the requester the signed receipt of an applied erasure (``receipt.json`` and
    Garde's public key attached), after commit; returns the address. Records
    ``dsr.erasure_receipt_sent`` (not the address). Sending again is allowed."""
    receipt = _receipt_of(run)
    request = run.request
    if request is None or not request.requester_email:
        raise RunStateError(
            _("Aucune adresse e-mail de demandeur : le reçu ne peut pas être envoyé."),
            code="dsr_receipt_no_email",
        )
    payload: dict[str, Any] = json.loads(receipt.payload)
    language = run.language if run.language in LANGUAGES else "fr"
    subject, body = render_mail(
        template="dsr/mail/erasure_done",
        context={
            "name": request.requester_name,
            "reference": request.reference,
            "completed": date_text(run.finished_at, language),
            "erased": payload.get("erased", []),
            "kept": (run.result or {}).get("kept", []),
            "complete": payload.get("complete", True),
            "key_id": receipt.key_id,
            "language": language,
        },
        language=language,
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[request.requester_email],
    )
    message.attach(RECEIPT_FILE, receipt_json(receipt), "application/json")
    message.attach(PUBLIC_KEY_FILE, public_key_pem().encode("ascii"), "application/x-pem-file")
    transaction.on_commit(lambda: message.send(fail_silently=False))
    audit_record(
        action=RECEIPT_SENT_ACTION,
        actor=actor,
        obj=run,
        details={"receipt": receipt.pk, "request": request.reference},
    )
    return request.requester_email


# --- staff reads ----------------------------------------------------------------------------


def _package_of(run: FulfilmentRun) -> AccessPackage:
    package = AccessPackage.objects.filter(run=run).first() if run.kind == RunKind.ACCESS else None
    if package is None:
        raise RunStateError(_("Cette exécution n'a pas de paquet."), code="dsr_package_missing")
    if package_expired(package):
        raise PackageExpiredError(_("Le paquet a expiré ; relancez l'accès."))
    return package


def _package_plain(package: AccessPackage) -> bytes:
    try:
        plain = decrypt_bytes(package_path(package).read_bytes())
    except FileNotFoundError:
        raise PackageExpiredError(_("Le fichier du paquet n'existe plus.")) from None
    if package.sha256 and hashlib.sha256(plain).hexdigest() != package.sha256:
        raise GardeError(
            _("Le paquet enregistré ne correspond pas à son empreinte."), code="dsr_corrupt"
        )
    return plain


@transaction.atomic
def package_staff_read(
    *,
    run: FulfilmentRun,
    actor: User,
    part: Literal["zip", "index"],
    http_request: HttpRequest | None = None,
) -> bytes:
    """The package of an access run as staff read it before release: the whole zip, or its
    ``index.html``. Each read is audited (``dsr.package_staff_downloaded`` or
    ``dsr.package_previewed``); an expired or missing package raises
    ``PackageExpiredError`` and records nothing."""
    package = _package_of(run)
    plain = _package_plain(package)
    content = plain
    if part == "index":
        with zipfile.ZipFile(io.BytesIO(plain)) as archive:
            content = archive.read(INDEX_FILE)
    audit_record(
        action="dsr.package_previewed" if part == "index" else "dsr.package_staff_downloaded",
        actor=actor,
        obj=run,
        request=http_request,
        details={"package": package.pk},
    )
    return content


@transaction.atomic
def receipt_staff_read(
    *, run: FulfilmentRun, actor: User, http_request: HttpRequest | None = None
) -> bytes:
    """``receipt.json`` of an applied erasure, for staff; audited (``dsr.receipt_downloaded``)."""
    receipt = _receipt_of(run)
    audit_record(
        action="dsr.receipt_downloaded",
        actor=actor,
        obj=run,
        request=http_request,
        details={"receipt": receipt.pk},
    )
    return receipt_json(receipt)


# --- rectification and restriction from a request ------------------------------------------


def request_rectification_apply(
    *,
    request: Request,
    actor: User,
    dataset: str,
    collection: str,
    primary_key: Mapping[str, object],
    field: str,
    value: object,
) -> FulfilmentRun:
    """Rectify one field (GDPR art. 16) for ``request``, which must be an open rights request
    asking for rectification: :func:`garde.dsr.erasure.rectification_apply` on a new
    rectification run tied to the request, which opens the art. 19 tasks."""
    _request_allows(request, RunKind.RECTIFICATION)
    # The run is made here rather than by ``rectification_apply`` so that a refused
    # rectification (no such row, a value too long...) leaves no run behind.
    with transaction.atomic():
        run = FulfilmentRun.objects.create(
            kind=RunKind.RECTIFICATION,
            status=RunStatus.RUNNING,
            request=request,
            created_by=actor if actor.pk is not None else None,
            started_at=timezone.now(),
        )
    try:
        return rectification_apply(
            actor=actor,
            dataset=dataset,
            collection=collection,
            primary_key=primary_key,
            field=field,
            value=value,
            run=run,
            request=request,
        )
    except Exception:
        # Nothing was written: the journal entry of a failed change is withdrawn by the engine.
        if not run.journal.exists():
            run.delete()
        raise


def request_restriction_create(
    *,
    request: Request,
    actor: User,
    identity_type: str,
    identity_value: str,
    reason: str = "",
) -> ProcessingRestriction:
    """Restrict processing (GDPR art. 18) for ``request``, which must be an open rights request
    asking for restriction: :func:`garde.dsr.erasure.restriction_create`, which opens the art.
    19 tasks on a restriction run tied to the request."""
    _request_allows(request, RunKind.RESTRICTION)
    return restriction_create(
        identity_type=identity_type,
        identity_value=identity_value,
        actor=actor,
        reason=reason,
        request=request,
    )


__all__ = [
    "RunNotAllowedError",
    "erasure_apply_from_dry_run",
    "erasure_receipt_send",
    "package_staff_read",
    "receipt_document",
    "receipt_json",
    "receipt_staff_read",
    "request_rectification_apply",
    "request_restriction_create",
    "request_run_start",
]
