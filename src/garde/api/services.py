"""Issuing, revoking and checking API keys. Every use of a key is audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.accounts.models import Organisation, User
from garde.api.choices import ApiScope
from garde.api.errors import ApiScopeError
from garde.api.models import ApiKey
from garde.core.errors import GardeError
from garde.core.services import audit_record

KEY_PREFIX = "gk"
SECRET_BYTES = 32  # 256 bits, well over the CNIL's 80 bits for an unthrottled secret


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_issue(
    *,
    organisation: Organisation,
    name: str,
    scopes: list[str],
    actor: User,
    service_account: User | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns it with the full secret, which is never available again."""
    name = name.strip()
    if not name:
        raise GardeError(_("Donnez un nom à la clé."), field="name")
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown or not scopes:
        raise GardeError(_("Choisissez au moins une portée valide."), field="scopes")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    key = ApiKey.objects.create(
        organisation=organisation,
        service_account=service_account,
        name=name[:100],
        prefix=prefix,
        secret_hash=_hash(secret),
        scopes=sorted(set(scopes)),
        created_by=actor,
    )
    audit_record(
        action="api.key_issued",
        actor=actor,
        obj=key,
        organisation=organisation,
        details={"prefix": prefix, "scopes": key.scopes},
    )
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: User) -> None:
    if key.revoked_at is not None:
        return
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit_record(
        action="api.key_revoked",
        actor=actor,
        obj=key,
        organisation=key.organisation,
        details={"prefix": key.prefix},
    )


def api_key_find(token: str) -> ApiKey | None:
    """The active key matching ``token``, or None (unknown, malformed or revoked)."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = (
        ApiKey.objects.select_related("organisation", "service_account")
        .filter(prefix=parts[1])
        .first()
    )
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.secret_hash, _hash(parts[2])):
        return None
    return key


@transaction.atomic
def api_key_use_record(*, key: ApiKey, request: HttpRequest, scope: str | None) -> None:
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    audit_record(
        action="api.key_used",
        actor=key.service_account,
        obj=key,
        organisation=key.organisation,
        request=request,
        details={
            "prefix": key.prefix,
            "method": request.method,
            "path": request.path,
            "scope": scope,
        },
    )


@transaction.atomic
def service_account_key_issue(*, name: str, scopes: list[str], actor: User) -> tuple[ApiKey, str]:
    """An operator key, tied to a new service account (a non-personal user that cannot log in)
    so that its calls have an actor in the audit trail.

    Reading connection logs is for the operator's administrators only (the policy's "accès
    restreint à nos Administrateurs"): a key with ``connlogs:read`` is issued only by a user
    holding the ``sysadmin`` role, and its service account is given that role (audited as any
    role grant), which the connection-log API checks on every query. Anyone else asking for
    that scope gets ``ApiScopeError`` and nothing is created."""
    from garde.accounts.selectors import operator_get, user_roles
    from garde.accounts.services import membership_add
    from garde.core.roles import Role

    reads_connlogs = ApiScope.CONNLOGS_READ in scopes
    if reads_connlogs and Role.SYSADMIN not in user_roles(actor):
        raise ApiScopeError(
            _(
                "Seul un administrateur système peut émettre une clé qui lit les journaux de "
                "connexion."
            ),
            field="scopes",
        )
    operator = operator_get()
    account = User(
        email=f"svc-{secrets.token_hex(6)}@service.invalid",
        full_name=name.strip()[:150],
        is_service_account=True,
    )
    account.set_unusable_password()
    account.save()
    audit_record(
        action="accounts.service_account_created", actor=actor, obj=account, organisation=operator
    )
    if reads_connlogs:
        membership_add(user=account, organisation=operator, role=Role.SYSADMIN, actor=actor)
    return api_key_issue(
        organisation=operator, name=name, scopes=scopes, actor=actor, service_account=account
    )
