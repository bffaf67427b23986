"""Every change to organisations, users, roles, credentials and second factors.

Each public function is one business action: it runs in a transaction, writes its audit event
there, and sends mail only after commit. Callers check permissions; these functions check rules.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import hashers
from django.contrib.auth import login as django_login
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.accounts.choices import OrganisationKind
from garde.accounts.errors import (
    AccountLockedError,
    InvalidCredentialsError,
    InvalidMembershipError,
    InvalidTotpCodeError,
)
from garde.accounts.models import Membership, Organisation, RecoveryCode, TotpDevice, User
from garde.core.crypto import decrypt_text, encrypt_text
from garde.core.mail import send_mail_after_commit
from garde.core.roles import CLIENT_ROLES, STAFF_ROLES
from garde.core.services import audit_record

RECOVERY_CODE_COUNT = 10
SESSION_MFA_KEY = "garde_mfa"
SESSION_PENDING_USER_KEY = "garde_pending_user"
PENDING_LOGIN_SECONDS = 300  # time allowed between the password step and the TOTP step


# --- organisations and users -------------------------------------------------------------


@transaction.atomic
def organisation_create(
    *, name: str, kind: str, privacy_contact_email: str = "", actor: User | None = None
) -> Organisation:
    organisation = Organisation.objects.create(
        name=name, kind=kind, privacy_contact_email=privacy_contact_email
    )
    audit_record(
        action="accounts.organisation_created",
        actor=actor,
        obj=organisation,
        organisation=organisation,
        details={"kind": kind},
    )
    return organisation


@transaction.atomic
def membership_add(
    *, user: User, organisation: Organisation, role: str, actor: User | None = None
) -> Membership:
    """Give ``user`` a role. Staff roles belong to the operator, client roles to clients, and a
    user belongs to one organisation only."""
    if role in STAFF_ROLES and organisation.kind != OrganisationKind.OPERATOR:
        raise InvalidMembershipError(
            _("Un rôle du personnel n'existe que chez l'opérateur."), field="role"
        )
    if role in CLIENT_ROLES and organisation.kind != OrganisationKind.CLIENT:
        raise InvalidMembershipError(
            _("Un rôle client n'existe que dans une organisation cliente."), field="role"
        )
    if Membership.objects.filter(user=user).exclude(organisation=organisation).exists():
        raise InvalidMembershipError(
            _("Cet utilisateur appartient déjà à une autre organisation."), field="organisation"
        )
    membership, _created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    user.__dict__.pop("_garde_memberships", None)
    audit_record(
        action="accounts.role_granted",
        actor=actor,
        obj=user,
        organisation=organisation,
        details={"role": role},
    )
    return membership


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str,
    organisation: Organisation,
    roles: list[str],
    password: str | None = None,
    language: str = "fr",
    phone: str = "",
    job_title: str = "",
    actor: User | None = None,
    check_password: bool = True,
) -> User:
    """Create a nominative user with roles in one organisation. Without ``password`` the account
    has no usable password until a reset link is followed."""
    user = User(
        email=User.objects.normalize_email(email).lower(),
        full_name=full_name,
        language=language,
        phone=phone,
        job_title=job_title,
    )
    user.organisation_name_hint = organisation.name  # type: ignore[attr-defined]
    if password is None:
        user.set_unusable_password()
    else:
        if check_password:
            validate_password(password, user)
        user.set_password(password)
    user.save()
    audit_record(action="accounts.user_created", actor=actor, obj=user, organisation=organisation)
    for role in roles:
        membership_add(user=user, organisation=organisation, role=role, actor=actor)
    return user


# --- log-in, lock-out ---------------------------------------------------------------------


def _is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > timezone.now()


def login_check_password(*, email: str, password: str, request: HttpRequest | None) -> User:
    """First log-in step. Raises AccountLockedError while the account is locked (even with the
    right password), InvalidCredentialsError otherwise; counts failures and locks after
    GARDE_LOCKOUT_THRESHOLD consecutive ones."""
    # Not atomic on purpose: the failure count must persist although the caller gets an error.
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_active or user.is_service_account:
        # Same work and same answer as a wrong password: do not reveal which addresses exist.
        User().set_password(password)
        raise InvalidCredentialsError(_("Adresse e-mail ou mot de passe incorrect."))
    if _is_locked(user):
        raise _locked_error(user)
    if not user.check_password(password):
        login_failure_record(user=user, request=request, step="password")
        if _is_locked(user):
            raise _locked_error(user)
        raise InvalidCredentialsError(_("Adresse e-mail ou mot de passe incorrect."))
    return user


def _locked_error(user: User) -> AccountLockedError:
    assert user.locked_until is not None  # noqa: S101 - called only on locked accounts
    until = timezone.localtime(user.locked_until)
    return AccountLockedError(
        _(
            "Ce compte est verrouillé après %(count)d tentatives infructueuses, jusqu'à %(time)s. "
            "Vous pouvez aussi réinitialiser votre mot de passe."
        )
        % {"count": settings.GARDE_LOCKOUT_THRESHOLD, "time": until.strftime("%H:%M")}
    )


@transaction.atomic
def login_failure_record(*, user: User, request: HttpRequest | None, step: str) -> None:
    User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    user.refresh_from_db(fields=["failed_login_count", "locked_until"])
    audit_record(
        action="accounts.login_failed",
        actor=user,
        obj=user,
        request=request,
        details={"step": step, "consecutive_failures": user.failed_login_count},
    )
    if user.failed_login_count >= settings.GARDE_LOCKOUT_THRESHOLD:
        user.locked_until = timezone.now() + timedelta(minutes=settings.GARDE_LOCKOUT_MINUTES)
        user.failed_login_count = 0
        user.save(update_fields=["locked_until", "failed_login_count"])
        audit_record(
            action="accounts.locked",
            actor=user,
            obj=user,
            request=request,
            details={"until": user.locked_until.isoformat()},
        )
        send_mail_after_commit(
            to=user.email,
            template="accounts/mail/locked",
            language=user.language,
            context={"user": user, "minutes": settings.GARDE_LOCKOUT_MINUTES},
        )


def user_has_totp(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


@transaction.atomic
def login_complete(*, request: HttpRequest, user: User, mfa_verified: bool) -> bool:
    """Open the session. Returns True when the password is old enough for the renewal reminder
    (the policy asks users to change it regularly; we remind, we never force)."""
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    django_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_MFA_KEY] = mfa_verified
    request.session.pop(SESSION_PENDING_USER_KEY, None)
    audit_record(
        action="accounts.login",
        actor=user,
        obj=user,
        request=request,
        details={"mfa": mfa_verified},
    )
    months = settings.GARDE_PASSWORD_REMINDER_MONTHS
    changed = user.password_changed_at or user.date_joined
    return months > 0 and changed < timezone.now() - timedelta(days=30 * months)


def login_pending_start(*, request: HttpRequest, user: User) -> None:
    """Remember, for a few minutes, who passed the password step and still owes a TOTP code."""
    request.session[SESSION_PENDING_USER_KEY] = [user.pk, timezone.now().timestamp()]


def login_pending_user(*, request: HttpRequest) -> User | None:
    pending = request.session.get(SESSION_PENDING_USER_KEY)
    if not isinstance(pending, list) or len(pending) != 2:
        return None
    user_id, started = pending
    if timezone.now().timestamp() - float(started) > PENDING_LOGIN_SECONDS:
        request.session.pop(SESSION_PENDING_USER_KEY, None)
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def logout_record(*, request: HttpRequest, user: User) -> None:
    audit_record(action="accounts.logout", actor=user, obj=user, request=request)


# --- passwords ----------------------------------------------------------------------------


@transaction.atomic
def password_reset_requested(*, email: str, request: HttpRequest | None) -> None:
    """Record a reset request. The answer to the requester is the same whether or not the
    address has an account; the audit event says which account, if any."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    from garde.accounts.selectors import user_organisation

    audit_record(
        action="accounts.password_reset_requested",
        obj=user,
        request=request,
        organisation=user_organisation(user) if user is not None else None,
        details={"known_address": user is not None},
    )


@transaction.atomic
def password_changed(*, user: User, request: HttpRequest | None, via_reset: bool) -> None:
    """Record a password change made by Django's forms, unlock the account (a reset proves
    control of the mailbox) and tell the user (CNIL 2022-100: inform of every change)."""
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["failed_login_count", "locked_until", "password_changed_at"])
    audit_record(
        action="accounts.password_changed",
        actor=user,
        obj=user,
        request=request,
        details={"via_reset": via_reset},
    )
    send_mail_after_commit(
        to=user.email,
        template="accounts/mail/password_changed",
        language=user.language,
        context={"user": user},
    )


# --- TOTP second factor -------------------------------------------------------------------


def _totp(device: TotpDevice) -> pyotp.TOTP:
    return pyotp.TOTP(decrypt_text(device.encrypted_secret))


def totp_provisioning_uri(*, device: TotpDevice) -> str:
    return _totp(device).provisioning_uri(
        name=device.user.email, issuer_name=settings.GARDE_MFA_ISSUER
    )


def totp_secret(*, device: TotpDevice) -> str:
    return decrypt_text(device.encrypted_secret)


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TotpDevice:
    """The user's device, created unconfirmed with a new secret if there is none yet. The same
    secret is kept until confirmed, so the QR code shown stays valid across page loads."""
    device, _created = TotpDevice.objects.get_or_create(
        user=user, defaults={"encrypted_secret": encrypt_text(pyotp.random_base32())}
    )
    return device


def _check_code(device: TotpDevice, code: str) -> bool:
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    totp = _totp(device)
    now = timezone.now()
    for offset in (-1, 0, 1):  # one 30 s step of clock drift either way
        step = totp.timecode(now) + offset
        if step > device.last_step and hmac.compare_digest(totp.generate_otp(step), code):
            device.last_step = step
            device.save(update_fields=["last_step"])
            return True
    return False


@transaction.atomic
def totp_enrolment_confirm(*, user: User, code: str, request: HttpRequest | None) -> list[str]:
    """Confirm the device with a first code; returns fresh recovery codes, shown once."""
    device = TotpDevice.objects.select_for_update().get(user=user)
    if not _check_code(device, code):
        raise InvalidTotpCodeError(
            _("Code incorrect. Vérifiez l'heure de votre téléphone."), field="code"
        )
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    audit_record(action="accounts.mfa_enabled", actor=user, obj=user, request=request)
    return _recovery_codes_replace(user)


def totp_verify(*, user: User, code: str, request: HttpRequest | None) -> None:
    """Second log-in step: a TOTP code or an unused recovery code. Failures count toward the
    lock-out like wrong passwords do."""
    user.refresh_from_db(fields=["locked_until", "failed_login_count"])
    if _is_locked(user):
        raise _locked_error(user)
    with transaction.atomic():
        # Row lock: two simultaneous requests cannot both accept the same code.
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=False)
            .first()
        )
        accepted = device is not None and _check_code(device, code)
    if accepted:
        return
    if _recovery_code_consume(user, code):
        audit_record(action="accounts.recovery_code_used", actor=user, obj=user, request=request)
        return
    login_failure_record(user=user, request=request, step="totp")
    if _is_locked(user):
        raise _locked_error(user)
    raise InvalidTotpCodeError(_("Code incorrect."), field="code")


@transaction.atomic
def totp_disable(*, user: User, request: HttpRequest | None) -> None:
    """Clients may turn the second factor off; staff may not (it is required for them)."""
    from garde.accounts.selectors import user_is_staff

    if user_is_staff(user):
        raise InvalidMembershipError(
            _("La double authentification est obligatoire pour le personnel.")
        )
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(action="accounts.mfa_disabled", actor=user, obj=user, request=request)


def _normalise_code(code: str) -> str:
    return code.strip().replace("-", "").replace(" ", "").lower()


# Recovery codes are hashed like passwords (Argon2), not with a key derived from SECRET_KEY, so
# rotating the secret key does not silently invalidate them.
RECOVERY_CODE_PATTERN = re.compile(r"^[0-9a-f]{12}$")


def _recovery_codes_replace(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=hashers.make_password(_normalise_code(c))) for c in codes
    )
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User, request: HttpRequest | None) -> list[str]:
    codes = _recovery_codes_replace(user)
    audit_record(
        action="accounts.recovery_codes_regenerated", actor=user, obj=user, request=request
    )
    return codes


def _recovery_code_consume(user: User, code: str) -> bool:
    normalised = _normalise_code(code)
    if not RECOVERY_CODE_PATTERN.match(normalised):
        return False
    for recovery in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        if hashers.check_password(normalised, recovery.code_hash):
            # The conditional update makes a code usable once even under concurrent requests.
            return bool(
                RecoveryCode.objects.filter(pk=recovery.pk, used_at__isnull=True).update(
                    used_at=timezone.now()
                )
            )
    return False


# --- profile self-service -----------------------------------------------------------------


def profile_export(*, user: User, request: HttpRequest | None) -> dict[str, Any]:
    """The user's own data for download; the export is recorded like any read of personal
    data leaving the system."""
    from garde.accounts.selectors import user_personal_data

    data = user_personal_data(user=user)
    audit_record(action="accounts.profile_exported", actor=user, obj=user, request=request)
    return data


EDITABLE_PROFILE_FIELDS = ("full_name", "phone", "job_title", "language")


@transaction.atomic
def profile_update(*, user: User, request: HttpRequest | None, **changes: str) -> list[str]:
    """Apply the user's own edits; the audit event names the fields, never their values."""
    changed = [
        name
        for name, value in changes.items()
        if name in EDITABLE_PROFILE_FIELDS and getattr(user, name) != value
    ]
    for name in changed:
        setattr(user, name, changes[name])
    if changed:
        user.save(update_fields=changed)
        audit_record(
            action="accounts.profile_updated",
            actor=user,
            obj=user,
            request=request,
            details={"fields": changed},
        )
    return changed


@transaction.atomic
def account_delete(*, user: User, request: HttpRequest | None) -> None:
    """Erase the user's personal fields and close the account.

    The row stays, pseudonymised, because audit events that the law asks us to keep (CNIL
    2021-122, one year) point to it; they expire on their own schedule.
    """
    audit_record(action="accounts.account_deleted", actor=user, obj=user, request=request)
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.full_name = ""
    user.phone = ""
    user.job_title = ""
    user.is_active = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
