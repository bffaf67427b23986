"""Access and portability (GDPR art. 15 and 20): from a person's identities to a package,
stored encrypted, released to the requester through an expiring, audited link, and purged.

The life of an access run::

    access_run_create      queued     identities checked against the imported datasets
    access_run_execute     running -> review (package stored)   or -> failed
    access_package_release review  -> released (a download link, mailed to the requester)
    access_package_download           each download counted and audited
    access_packages_purge             expired: file deleted, identities cleared

The package file is written under ``<data dir>/private/dsr/`` encrypted with Garde's Fernet
keys; only the SHA-256 of the download token is stored. The engine runs outside any database
transaction (it may take seconds); each state change commits with its audit event.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from garde.core.crypto import decrypt_bytes, encrypt_bytes
from garde.core.errors import GardeError, NotFoundError
from garde.core.mail import send_mail_after_commit
from garde.core.services import audit_record
from garde.dsr.choices import RunKind, RunStatus
from garde.dsr.engine import AccessResult, Plan
from garde.dsr.models import AccessPackage, FulfilmentRun
from garde.dsr.package import LANGUAGES, package_files, package_write_dir, package_zip
from garde.dsr.runtime import DataMap, Progress, access_collect, data_map_load
from garde.requests.documents import date_text

if TYPE_CHECKING:
    from garde.accounts.models import User
    from garde.requests.models import Request

logger = logging.getLogger(__name__)

PACKAGE_DIR = "dsr"  # under settings.PRIVATE_DIR
PROGRESS_STEPS = 3  # search, build, store


class PackageUnknownError(NotFoundError):
    """No released package answers to this download token."""

    code = "dsr_package_unknown"


class PackageExpiredError(GardeError):
    """The package's link has expired, or its file was deleted."""

    code = "dsr_package_expired"
    status = 410


class RunStateError(GardeError):
    """The run is not in a state that allows the action."""

    code = "dsr_run_state"
    status = 409


# --- identities ---------------------------------------------------------------------------


def identity_types_known(data_map: DataMap | None = None) -> frozenset[str]:
    """The identity types the imported datasets (tied to a system) declare."""
    data_map = data_map if data_map is not None else data_map_load()
    return frozenset(
        spec_field.identity
        for spec in data_map.specs
        for collection in spec.collections
        for spec_field in collection.all_fields()
        if spec_field.identity is not None
    )


def identities_validate(
    identities: Mapping[str, object], *, known: Iterable[str]
) -> dict[str, str]:
    """``identities`` (type -> value) checked and normalised: known types only, non-empty
    values, e-mail addresses valid, trimmed and lower-cased (as Garde stores them)."""
    known = frozenset(known)
    if not identities:
        raise GardeError(
            _("Give at least one identity (for example email=person@example.org)."),
            field="identities",
            code="dsr_identity_missing",
        )
    clean: dict[str, str] = {}
    for identity_type, raw in identities.items():
        name = str(identity_type).strip()
        if name not in known:
            raise GardeError(
                _("Unknown identity type “%(type)s”: the imported datasets know %(known)s.")
                % {"type": name, "known": ", ".join(sorted(known)) or "-"},
                field=f"identities.{name}",
                code="dsr_identity_unknown",
            )
        value = str(raw if raw is not None else "").strip()
        if not value:
            raise GardeError(
                _("The identity “%(type)s” is empty.") % {"type": name},
                field=f"identities.{name}",
                code="dsr_identity_empty",
            )
        if name == "email":
            value = value.lower()
            try:
                validate_email(value)
            except ValidationError:
                raise GardeError(
                    _("“%(value)s” is not a valid e-mail address.") % {"value": value},
                    field="identities.email",
                    code="dsr_identity_invalid",
                ) from None
        clean[name] = value
    return clean


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise GardeError(
            _("Unknown language “%(language)s” (fr or en).") % {"language": language},
            field="language",
            code="dsr_language",
        )
    return language


# --- creating and running -----------------------------------------------------------------


@transaction.atomic
def access_run_create(
    *,
    identities: Mapping[str, object],
    actor: User | None,
    request: Request | None = None,
    language: str = "fr",
    data_map: DataMap | None = None,
) -> FulfilmentRun:
    """A queued access run for the person ``identities`` name. Identity types must be ones
    the imported datasets declare; e-mail addresses are normalised. The audit event names the
    identity types, never their values."""
    clean = identities_validate(identities, known=identity_types_known(data_map))
    run = FulfilmentRun.objects.create(
        kind=RunKind.ACCESS,
        status=RunStatus.QUEUED,
        request=request,
        identities=clean,
        language=_language(language),
        progress_total=PROGRESS_STEPS,
        created_by=actor if actor is not None and actor.pk is not None else None,
    )
    audit_record(
        action="dsr.access_run_created",
        actor=actor,
        obj=run,
        details={
            "identity_types": sorted(clean),
            "request": request.reference if request is not None else None,
            "language": run.language,
        },
    )
    return run


def _package_dir() -> Path:
    directory = Path(settings.PRIVATE_DIR) / PACKAGE_DIR
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def package_path(package: AccessPackage) -> Path:
    return Path(settings.PRIVATE_DIR) / PACKAGE_DIR / package.storage_name


def _file_write(content: bytes) -> str:
    """Write ``content`` (already encrypted) under a random name; returns the name."""
    name = f"{secrets.token_hex(16)}.zip.enc"
    directory = _package_dir()
    temporary = directory / f".{name}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(temporary, directory / name)
    return name


def _progress_save(run: FulfilmentRun, done: int, message: str, progress: Progress | None) -> None:
    run.progress_done, run.progress_total, run.progress_message = done, PROGRESS_STEPS, message
    # Outside any transaction, so the console sees it while the run goes on.
    FulfilmentRun.objects.filter(pk=run.pk).update(
        progress_done=done, progress_total=PROGRESS_STEPS, progress_message=message[:300]
    )
    if progress is not None:
        progress(done, PROGRESS_STEPS, message)


def result_summary(
    result: AccessResult, data_map: DataMap, plan: Plan | None = None
) -> dict[str, Any]:
    """What ``run.result`` keeps of an access: counts and failures, never a value."""
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for dataset, collections in result.counts().items():
        system = data_map.system_name(dataset)
        counts.setdefault(system, {})[dataset] = collections
    return {
        "counts": counts,
        "rows": sum(n for cs in result.counts().values() for n in cs.values()),
        "collections": sum(len(cs) for cs in result.data.values()),
        "failures": [
            {
                "system": data_map.system_name(f.dataset),
                "dataset": f.dataset,
                "collection": f.collection,
                "kind": f.kind,
                "reason": f.reason,
            }
            for f in result.failures
        ],
        "unreachable": [str(a) for a in plan.unreachable] if plan is not None else [],
        "complete": result.complete,
        "statements": result.statements,
        "elapsed_ms": round(result.elapsed_s * 1000, 3),
    }


@transaction.atomic
def _run_start(run: FulfilmentRun) -> None:
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    run.finished_at = None
    run.error = ""
    run.progress_done, run.progress_total = 0, PROGRESS_STEPS
    run.progress_message = _("Searching the systems")
    run.save(
        update_fields=[
            "status",
            "started_at",
            "finished_at",
            "error",
            "progress_done",
            "progress_total",
            "progress_message",
        ]
    )


@transaction.atomic
def _run_finish(
    run: FulfilmentRun,
    *,
    storage_name: str,
    size: int,
    sha256: str,
    summary: dict[str, Any],
    retry: bool,
) -> AccessPackage:
    now = timezone.now()
    # Only a retried run can have a package already (one nobody was given): it is replaced.
    previous = AccessPackage.objects.filter(run=run).first() if retry else None
    if previous is not None:
        old = package_path(previous)
        transaction.on_commit(lambda: old.unlink(missing_ok=True))
        previous.delete()
    package = AccessPackage.objects.create(
        run=run,
        storage_name=storage_name,
        size=size,
        sha256=sha256,
        created_at=now,
        expires_at=now + timedelta(days=settings.GARDE_DSR_PACKAGE_DAYS),
    )
    run.status = RunStatus.REVIEW
    run.result = summary
    run.finished_at = now
    run.progress_done = PROGRESS_STEPS
    run.progress_message = _("Package ready for review")
    run.save(update_fields=["status", "result", "finished_at", "progress_done", "progress_message"])
    audit_record(
        action="dsr.access_run_completed",
        actor=run.created_by,
        obj=run,
        details={
            "rows": summary["rows"],
            "collections": summary["collections"],
            "failures": len(summary["failures"]),
            "package": package.pk,
            "expires_at": package.expires_at.isoformat(),
        },
    )
    return package


@transaction.atomic
def _run_fail(run: FulfilmentRun, error: str) -> None:
    run.status = RunStatus.FAILED
    run.error = error[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    audit_record(
        action="dsr.access_run_failed", actor=run.created_by, obj=run, details={"error": run.error}
    )


def access_run_execute(
    *,
    run: FulfilmentRun,
    progress: Progress | None = None,
    time_budget_s: float | None = None,
    data_map: DataMap | None = None,
) -> FulfilmentRun:
    """Run the access: search every system, build the package, store it encrypted, and leave
    the run in ``review`` (a person checks it before release) — also when some systems failed:
    the failures are in ``run.result`` and in the package's report. An error of Garde itself
    leaves the run ``failed`` with the error. Idempotent: a run already in review or released
    is returned as it is.

    ``progress(done, total, message)`` is called at each step, as the run's progress fields
    are updated."""
    if run.kind != RunKind.ACCESS:
        raise RunStateError(f"run #{run.pk} is not an access run", code="dsr_run_kind")
    if run.status in (RunStatus.REVIEW, RunStatus.RELEASED):
        return run
    if run.status == RunStatus.CANCELLED or run.identities_cleared_at is not None:
        raise RunStateError(f"run #{run.pk} can no longer run")
    retry = run.started_at is not None
    _run_start(run)
    if progress is not None:
        progress(0, PROGRESS_STEPS, run.progress_message)
    storage_name = ""
    try:
        data_map = data_map if data_map is not None else data_map_load()
        plan, result = access_collect(
            run.identities, data_map=data_map, time_budget_s=time_budget_s
        )
        _progress_save(run, 1, _("Building the package"), progress)
        files = package_files(
            result=result,
            data_map=data_map,
            identities=run.identities,
            language=run.language,
            plan=plan,
            request=run.request,
        )
        plain = package_zip(files)
        storage_name = _file_write(encrypt_bytes(plain))
        if progress is not None:
            progress(2, PROGRESS_STEPS, _("Storing the package"))
        _run_finish(
            run,
            storage_name=storage_name,
            size=len(plain),
            sha256=hashlib.sha256(plain).hexdigest(),
            summary=result_summary(result, data_map, plan),
            retry=retry,
        )
    except Exception as error:
        # The run must not stay "running" for ever: record why it failed, keep the worker up.
        logger.exception("access run #%s failed", run.pk)
        if storage_name:
            (_package_dir() / storage_name).unlink(missing_ok=True)
        _run_fail(run, f"{type(error).__name__}: {error}")
        return run
    if progress is not None:
        progress(PROGRESS_STEPS, PROGRESS_STEPS, run.progress_message)
    return run


@dataclass
class AccessExport:
    """What ``garde dsr access --out`` wrote."""

    summary: dict[str, Any]
    paths: list[Path] = field(default_factory=list)


def access_export(
    *,
    identities: Mapping[str, object],
    out_dir: Path,
    actor: User | None,
    language: str = "fr",
    time_budget_s: float | None = None,
) -> AccessExport:
    """Run an access and write the package's files, unencrypted, into ``out_dir`` — for the
    operator's own use from the command line; no run, no stored package. Audited (identity
    types and counts, never values), also when some systems failed."""
    data_map = data_map_load()
    clean = identities_validate(identities, known=identity_types_known(data_map))
    language = _language(language)
    plan, result = access_collect(clean, data_map=data_map, time_budget_s=time_budget_s)
    files = package_files(
        result=result, data_map=data_map, identities=clean, language=language, plan=plan
    )
    paths = package_write_dir(files, out_dir)
    summary = result_summary(result, data_map, plan)
    with transaction.atomic():
        audit_record(
            action="dsr.access_exported",
            actor=actor,
            details={
                "identity_types": sorted(clean),
                "rows": summary["rows"],
                "failures": len(summary["failures"]),
                "directory": str(out_dir.resolve()),
            },
        )
    return AccessExport(summary=summary, paths=paths)


# --- release and download -----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def package_url(token: str, language: str) -> str:
    """The absolute download-page URL, in the requester's language."""
    with translation.override(language):
        return settings.BASE_URL + reverse("dsr:package", kwargs={"token": token})


def package_expired(package: AccessPackage, now: datetime | None = None) -> bool:
    return package.purged_at is not None or package.expires_at <= (now or timezone.now())


@transaction.atomic
def access_package_release(*, run: FulfilmentRun, actor: User | None) -> str:
    """Give the requester the package: a new download token (only its SHA-256 is kept; a
    previous link stops working), the run ``released``, and — when the run comes from a
    request — an e-mail to the requester with the link and its expiry, sent after commit.
    Returns the link."""
    run = (
        FulfilmentRun.objects.select_for_update(of=("self",))
        .select_related("request")
        .get(pk=run.pk)
    )
    if run.kind != RunKind.ACCESS or run.status not in (RunStatus.REVIEW, RunStatus.RELEASED):
        raise RunStateError(
            _("Only an access run ready for review can be released."), code="dsr_run_not_ready"
        )
    package = AccessPackage.objects.select_for_update().filter(run=run).first()
    if package is None:
        raise RunStateError(_("This run has no package."), code="dsr_package_missing")
    if package_expired(package):
        raise PackageExpiredError(_("The package has expired; run the access again."))
    token = secrets.token_urlsafe(32)
    reissued = run.status == RunStatus.RELEASED
    package.token_hash = _token_hash(token)
    package.save(update_fields=["token_hash"])
    run.status = RunStatus.RELEASED
    run.released_at = timezone.now()
    run.released_by = actor if actor is not None and actor.pk is not None else None
    run.save(update_fields=["status", "released_at", "released_by"])
    url = package_url(token, run.language)
    request = run.request
    emailed = request is not None and bool(request.requester_email)
    if request is not None and request.requester_email:
        send_mail_after_commit(
            to=request.requester_email,
            template="dsr/mail/package_ready",
            context={
                "link": url,
                "reference": request.reference,
                "name": request.requester_name,
                "expires": date_text(package.expires_at, run.language),
            },
            language=run.language,
        )
    audit_record(
        action="dsr.package_released",
        actor=actor,
        obj=run,
        details={
            "package": package.pk,
            "reissued": reissued,
            "emailed": emailed,
            "expires_at": package.expires_at.isoformat(),
        },
    )
    return url


def access_package_by_token(token: str) -> AccessPackage | None:
    """The released package a download token opens (expired or not), or None."""
    if not token:
        return None
    return (
        AccessPackage.objects.select_related("run")
        .filter(token_hash=_token_hash(token), run__status=RunStatus.RELEASED)
        .first()
    )


def _ip_request(ip: str | None) -> HttpRequest | None:
    # audit_record takes the address from a request; the caller already resolved it.
    if not ip:
        return None
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = ip
    return request


@transaction.atomic
def access_package_download(*, token: str, ip: str | None) -> bytes:
    """The plain zip of the package ``token`` opens. Each download is counted and audited
    (``dsr.package_downloaded``, with the address). An unknown token raises
    ``PackageUnknownError`` (404); an expired or purged package ``PackageExpiredError`` (410);
    neither changes anything."""
    found = access_package_by_token(token)
    if found is None:
        raise PackageUnknownError(_("This download link is not valid."))
    package = AccessPackage.objects.select_for_update().get(pk=found.pk)
    now = timezone.now()
    if package_expired(package, now):
        raise PackageExpiredError(_("This download link has expired."))
    try:
        plain = decrypt_bytes(package_path(package).read_bytes())
    except FileNotFoundError:
        raise PackageExpiredError(_("This package is no longer available.")) from None
    if package.sha256 and hashlib.sha256(plain).hexdigest() != package.sha256:
        raise GardeError("the stored package does not match its checksum", code="dsr_corrupt")
    package.download_count += 1
    package.last_downloaded_at = now
    package.save(update_fields=["download_count", "last_downloaded_at"])
    audit_record(
        action="dsr.package_downloaded",
        obj=package,
        request=_ip_request(ip),
        details={"run": package.run_id, "download": package.download_count},
    )
    return plain


# --- purge ----------------------------------------------------------------------------------


@transaction.atomic
def _package_purge(package: AccessPackage, now: datetime) -> None:
    # The file goes first: a crash after it leaves a row to purge again, never a lost file
    # with a row that says it is gone.
    package_path(package).unlink(missing_ok=True)
    package.purged_at = now
    package.token_hash = ""
    package.save(update_fields=["purged_at", "token_hash"])
    run = package.run
    run.identities = {}
    run.identities_cleared_at = now
    run.save(update_fields=["identities", "identities_cleared_at"])
    audit_record(
        action="dsr.package_purged",
        obj=package,
        details={"run": run.pk, "expires_at": package.expires_at.isoformat()},
    )


def access_packages_purge_pks(pks: Sequence[Any], *, now: datetime | None = None) -> int:
    """Purge the packages ``pks`` not purged yet: file deleted, link disabled, the run's
    identities cleared. Returns how many were purged; calling it again purges nothing."""
    now = now or timezone.now()
    packages = AccessPackage.objects.select_related("run").filter(
        pk__in=list(pks), purged_at__isnull=True
    )
    count = 0
    for package in packages.order_by("pk"):
        _package_purge(package, now)
        count += 1
    return count


def access_packages_purge(now: datetime | None = None) -> int:
    """Purge every package whose link has expired by ``now`` (default: now)."""
    now = now or timezone.now()
    pks = AccessPackage.objects.filter(purged_at__isnull=True, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    return access_packages_purge_pks(list(pks), now=now)


__all__ = [
    "AccessExport",
    "PackageExpiredError",
    "PackageUnknownError",
    "RunStateError",
    "access_export",
    "access_package_by_token",
    "access_package_download",
    "access_package_release",
    "access_packages_purge",
    "access_packages_purge_pks",
    "access_run_create",
    "access_run_execute",
    "identities_validate",
    "identity_types_known",
    "package_expired",
    "package_path",
    "package_url",
    "result_summary",
]
