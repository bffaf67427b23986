"""Every URL is reachable by exactly the roles it names (ARCHITECTURE: "a test matrix proves
that no other role can"). The table below is the specification; the test checks both that each
view declares what the table says and that requests by every role get the answer it implies."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from garde.core.permissions import AUTHENTICATED, PUBLIC
from tests.conftest import ANONYMOUS, ROLES

STAFF = {"dpo", "support", "sales", "marketing", "hr", "sysadmin"}
CLIENTS = {"org_admin", "org_dpo", "member"}

EXPECTED: dict[str, str | set[str]] = {
    "set_language": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:login_verify": PUBLIC,
    "accounts:logout": PUBLIC,
    "accounts:password_reset": PUBLIC,
    "accounts:password_reset_done": PUBLIC,
    "accounts:password_reset_confirm": PUBLIC,
    "accounts:password_reset_complete": PUBLIC,
    "accounts:mfa_setup": AUTHENTICATED,
    "accounts:security": AUTHENTICATED,
    "accounts:recovery_codes": AUTHENTICATED,
    "accounts:mfa_disable": AUTHENTICATED,
    "accounts:password_change": AUTHENTICATED,
    "accounts:profile": AUTHENTICATED,
    "accounts:profile_edit": AUTHENTICATED,
    "accounts:profile_download": AUTHENTICATED,
    "accounts:account_delete": AUTHENTICATED,
    "web:home": PUBLIC,
    "register:notice": PUBLIC,
    "register:notice_versions": PUBLIC,
    "register:notice_version": PUBLIC,
    "register:rights_form": PUBLIC,
    "web:portal_home": CLIENTS,
    "web:portal_rgpd": CLIENTS,
    "web:portal_activity": CLIENTS,
    "requests:portal_rights_new": CLIENTS,
    "requests:portal_assistance_new": {"org_admin", "org_dpo"},
    "requests:portal_pia_new": {"org_admin", "org_dpo"},
    "requests:portal_breach_new": CLIENTS,
    "requests:portal_detail": CLIENTS,
    "requests:portal_attachment": CLIENTS,
    "requests:org_queue": {"org_admin", "org_dpo"},
    "requests:org_detail": {"org_admin", "org_dpo"},
    "requests:org_privacy_contact": {"org_admin"},
    "requests:public_form": PUBLIC,
    "requests:public_sent": PUBLIC,
    "requests:public_lookup": PUBLIC,
    "requests:public_follow": PUBLIC,
    "requests:public_attachment": PUBLIC,
    "dsr:package": PUBLIC,
    "dsr:package_download": PUBLIC,
    "dsr_console:system_list": {"dpo"},
    "dsr_console:system_add": {"dpo"},
    "dsr_console:system_detail": {"dpo"},
    "dsr_console:system_test": {"dpo"},
    "dsr_console:dataset_list": {"dpo"},
    "dsr_console:dataset_import": {"dpo"},
    "dsr_console:dataset_detail": {"dpo"},
    "dsr_console:dataset_export": {"dpo"},
    "dsr_console:policy_list": {"dpo"},
    "dsr_console:policy_create": {"dpo"},
    "dsr_console:policy_edit": {"dpo"},
    "dsr_console:policy_delete": {"dpo"},
    "dsr_console:keep_list": {"dpo"},
    "dsr_console:keep_create": {"dpo"},
    "dsr_console:keep_edit": {"dpo"},
    "dsr_console:keep_delete": {"dpo"},
    "dsr_runs:run_list": {"dpo", "support"},
    "dsr_runs:run_detail": {"dpo", "support"},
    "dsr_runs:run_progress": {"dpo", "support"},
    "dsr_runs:package_preview": {"dpo", "support"},
    "dsr_runs:package_download": {"dpo", "support"},
    "dsr_runs:package_release": {"dpo", "support"},
    "dsr_runs:erasure_apply": {"dpo"},
    "dsr_runs:receipt_download": {"dpo"},
    "dsr_runs:receipt_key": {"dpo"},
    "dsr_runs:receipt_send": {"dpo"},
    "dsr_runs:notification_close": {"dpo"},
    "dsr_runs:request_access_start": {"dpo", "support"},
    "dsr_runs:request_erasure_start": {"dpo"},
    "dsr_runs:request_rectification": {"dpo"},
    "dsr_runs:request_restriction": {"dpo"},
    "dsr_runs:request_restriction_lift": {"dpo"},
    "web:console_home": STAFF,
    "web:console_audit": {"dpo"},
    "requests:console_list": {"dpo", "support"},
    "requests:console_new": {"dpo"},
    "requests:console_detail": {"dpo", "support"},
    "requests:console_letter": {"dpo", "support"},
    "requests:console_attachment": {"dpo", "support"},
    "requests:pia_pack": {"dpo", "support"} | CLIENTS,
    "retention:console": {"dpo"},
    "retention:hold_release": {"dpo"},
    "retention:sweep_detail": {"dpo"},
    "api:portal_keys": {"org_admin"},
    "api:portal_key_revoke": {"org_admin"},
    "api:console_keys": {"dpo", "sysadmin"},
    "api:console_key_revoke": {"dpo", "sysadmin"},
    "register:console_activities": {"dpo"},
    "register:console_activity_create": {"dpo"},
    "register:console_activity": {"dpo"},
    "register:console_activity_edit": {"dpo"},
    "register:console_activity_archive": {"dpo"},
    "register:console_activity_restore": {"dpo"},
    "register:console_rule_create": {"dpo"},
    "register:console_rule_edit": {"dpo"},
    "register:console_rule_delete": {"dpo"},
    "register:console_versions": {"dpo"},
    "register:console_publish": {"dpo"},
    "register:console_compare": {"dpo"},
    "register:console_version": {"dpo"},
    "register:console_export_csv": {"dpo"},
    "register:console_export_json": {"dpo"},
    "register:console_export_pdf": {"dpo"},
    "connlogs:search": {"sysadmin"},
    "connlogs:export": {"sysadmin"},
    "connlogs_public:key": PUBLIC,
    "consent_public:gpc": PUBLIC,
    "consent_public:script": PUBLIC,
    "consent_demo:page": PUBLIC,
    "consent_demo:stats": PUBLIC,
    "consent_demo:frame": PUBLIC,
}
SAMPLE_KWARGS = {
    "pk": 999999,
    "format": "json",
    "attachment_id": 999999,
    "key_id": 999999,
    "uidb64": "MQ",
    "token": "set-password",
    "number": 999999,
    "hold_id": 999999,
    "sweep_id": 999999,
    "slug": "nope",
    "rule_id": 999999,
    "system_name": "nope",
    "fides_key": "nope",
    "policy_id": 999999,
    "keep_id": 999999,
}


# Apps keep their own rows in tests/<app>/roles.py (EXPECTED and SAMPLE_KWARGS), so that work on
# one app does not edit this shared table.
for _module in sorted(Path(__file__).parent.glob("*/roles.py")):
    _rows = importlib.import_module(f"tests.{_module.parent.name}.roles")
    EXPECTED.update(_rows.EXPECTED)
    SAMPLE_KWARGS.update(_rows.SAMPLE_KWARGS)


def _walk(
    patterns: list[URLPattern | URLResolver], namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace and entry.namespace.startswith("api-"):
                continue  # the JSON API authenticates with keys: see tests/api
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry


def registered_views() -> dict[str, URLPattern]:
    return dict(_walk(get_resolver().url_patterns))


def test_every_registered_url_is_in_the_matrix() -> None:
    assert set(registered_views()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_view_declares_the_access_in_the_matrix(name: str) -> None:
    declared = getattr(registered_views()[name].callback, "garde_access", None)
    expected = EXPECTED[name]
    assert declared == (frozenset(expected) if isinstance(expected, set) else expected)


def _url(name: str) -> str:
    pattern = registered_views()[name].pattern
    assert isinstance(pattern, RoutePattern)
    kwargs = {
        k: v
        for k, v in SAMPLE_KWARGS.items()
        if f"<{k}>" in str(pattern) or f":{k}>" in str(pattern)
    }
    return reverse(name, kwargs=kwargs)


def _reachable(role: str, access: str | set[str]) -> bool:
    if access == PUBLIC:
        return True
    if role == ANONYMOUS:
        return False
    return access == AUTHENTICATED or role in access


@pytest.mark.parametrize("role", [ANONYMOUS, *ROLES])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_role_matrix(name: str, role: str, client_as: Callable[[str], Client]) -> None:
    # given
    client = client_as(role)
    url = _url(name)
    # when
    response = client.get(url)
    # then
    login_redirect = response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login") + "?next="
    )
    if _reachable(role, EXPECTED[name]):
        assert response.status_code != 403
        assert not login_redirect
    elif role == ANONYMOUS:
        assert login_redirect
    else:
        assert response.status_code == 403
