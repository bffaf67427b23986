"""Log-in: lock-out after repeated failures (R-30), TOTP required for staff, optional for
clients, recovery codes, the password-renewal reminder (never a forced expiry)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garde.accounts.models import TotpDevice, User
from garde.accounts.services import SESSION_MFA_KEY, totp_enrolment_start
from garde.core.crypto import decrypt_text, encrypt_text
from garde.core.models import AuditEvent
from tests.accounts.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def post_login(client: Client, email: str, password: str) -> object:
    return client.post(LOGIN, {"email": email, "password": password})


def enrol(user: User) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    TotpDevice.objects.create(
        user=user, encrypted_secret=encrypt_text(secret), confirmed_at=timezone.now()
    )
    return pyotp.TOTP(secret)


def test_member_logs_in_with_password_only(client: Client, make_user: Callable[..., User]) -> None:
    # given
    user = make_user("member")
    # when
    response = post_login(client, user.email, TEST_PASSWORD)
    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(action="accounts.login", actor=user).count() == 1


def test_r30_lockout_after_the_configured_number_of_failures(
    client: Client,
    make_user: Callable[..., User],
    settings: object,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    # given
    settings.GARDE_LOCKOUT_THRESHOLD = 3  # type: ignore[attr-defined]
    settings.GARDE_LOCKOUT_MINUTES = 15  # type: ignore[attr-defined]
    user = make_user("member")
    # when: three wrong passwords, then the right one
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        for _ in range(3):
            post_login(client, user.email, "wrong-password")
    response = post_login(client, user.email, TEST_PASSWORD)
    # then
    user.refresh_from_db()
    assert user.locked_until is not None
    assert "_auth_user_id" not in client.session
    assert response.status_code == 400
    assert "verrouillé après 3 tentatives" in response.content.decode()
    assert AuditEvent.objects.filter(action="accounts.login_failed", actor=user).count() == 3
    assert AuditEvent.objects.filter(action="accounts.locked", actor=user).count() == 1
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_r30_lock_expires_after_the_configured_delay(
    client: Client, make_user: Callable[..., User], settings: object
) -> None:
    # given
    settings.GARDE_LOCKOUT_THRESHOLD = 2  # type: ignore[attr-defined]
    user = make_user("member")
    for _ in range(2):
        post_login(client, user.email, "wrong-password")
    # when
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = post_login(client, user.email, TEST_PASSWORD)
    # then
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.failed_login_count == 0
    assert user.locked_until is None


def test_unknown_address_gets_the_same_answer_as_a_wrong_password(
    client: Client, make_user: Callable[..., User]
) -> None:
    user = make_user("member")
    unknown = post_login(client, "nobody@example.org", "whatever").content.decode()
    wrong = post_login(client, user.email, "whatever").content.decode()
    assert "Adresse e-mail ou mot de passe incorrect." in unknown
    assert "Adresse e-mail ou mot de passe incorrect." in wrong


def test_staff_without_totp_must_enrol_before_anything_else(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    user = make_user("dpo")
    post_login(client, user.email, TEST_PASSWORD)
    # when
    console = client.get("/console/")
    # then
    assert console.status_code == 302
    assert console["Location"] == reverse("accounts:mfa_setup")
    assert client.get(reverse("accounts:mfa_setup")).status_code == 200


def test_staff_enrolment_confirms_totp_and_opens_the_console(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    user = make_user("dpo")
    post_login(client, user.email, TEST_PASSWORD)
    device = totp_enrolment_start(user=user)
    code = pyotp.TOTP(decrypt_text(device.encrypted_secret)).now()
    # when
    response = client.post(reverse("accounts:mfa_setup"), {"code": code})
    # then
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert client.session[SESSION_MFA_KEY] is True
    assert client.get("/console/").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.mfa_enabled", actor=user).exists()


def test_staff_with_totp_needs_the_second_step(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    user = make_user("sysadmin")
    totp = enrol(user)
    # when: password only
    first = post_login(client, user.email, TEST_PASSWORD)
    # then: not logged in yet
    assert first["Location"].startswith(reverse("accounts:login_verify"))
    assert "_auth_user_id" not in client.session
    # when: the code
    second = client.post(reverse("accounts:login_verify"), {"code": totp.now()})
    # then
    assert second.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/console/").status_code == 200


def test_a_totp_code_cannot_be_used_twice(client: Client, make_user: Callable[..., User]) -> None:
    # given
    user = make_user("sysadmin")
    code = enrol(user).now()
    post_login(client, user.email, TEST_PASSWORD)
    client.post(reverse("accounts:login_verify"), {"code": code})
    other = Client()
    post_login(other, user.email, TEST_PASSWORD)
    # when
    replay = other.post(reverse("accounts:login_verify"), {"code": code})
    # then
    assert replay.status_code == 400
    assert "_auth_user_id" not in other.session


def test_wrong_totp_codes_count_toward_lockout(
    client: Client, make_user: Callable[..., User], settings: object
) -> None:
    settings.GARDE_LOCKOUT_THRESHOLD = 3  # type: ignore[attr-defined]
    user = make_user("hr")
    enrol(user)
    post_login(client, user.email, TEST_PASSWORD)
    for _ in range(3):
        client.post(reverse("accounts:login_verify"), {"code": "000000"})
    user.refresh_from_db()
    assert user.locked_until is not None


def test_a_recovery_code_replaces_the_authenticator_once(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given: enrolled through the page, so recovery codes exist
    user = make_user("dpo")
    post_login(client, user.email, TEST_PASSWORD)
    device = totp_enrolment_start(user=user)
    codes = client.post(
        reverse("accounts:mfa_setup"),
        {"code": pyotp.TOTP(decrypt_text(device.encrypted_secret)).now()},
    ).context["codes"]
    fresh = Client()
    post_login(fresh, user.email, TEST_PASSWORD)
    # when
    used = fresh.post(reverse("accounts:login_verify"), {"code": codes[0]})
    again = Client()
    post_login(again, user.email, TEST_PASSWORD)
    reused = again.post(reverse("accounts:login_verify"), {"code": codes[0]})
    # then
    assert used.status_code == 302
    assert reused.status_code == 400
    assert user.recovery_codes.filter(used_at__isnull=True).count() == 9


def test_clients_may_turn_totp_off_staff_may_not(
    client: Client, make_user: Callable[..., User]
) -> None:
    member, dpo = make_user("member"), make_user("dpo")
    enrol(member)
    enrol(dpo)
    from tests.conftest import log_in

    log_in(client, member)
    client.post(reverse("accounts:mfa_disable"))
    log_in(client, dpo)
    client.post(reverse("accounts:mfa_disable"))
    assert not TotpDevice.objects.filter(user=member).exists()
    assert TotpDevice.objects.filter(user=dpo).exists()


def test_password_reminder_after_twelve_months_without_forcing(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    user = make_user("member", password_changed_at=timezone.now() - timedelta(days=400))
    # when
    response = post_login(client, user.email, TEST_PASSWORD)
    page = client.get(response["Location"], follow=True)
    # then: logged in, with a reminder
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "pensez à le changer" in page.content.decode()


def test_no_reminder_for_a_recent_password(client: Client, make_user: Callable[..., User]) -> None:
    user = make_user("member")
    response = post_login(client, user.email, TEST_PASSWORD)
    assert "pensez à le changer" not in client.get(response["Location"]).content.decode()


def test_login_redirect_ignores_foreign_next(
    client: Client, make_user: Callable[..., User]
) -> None:
    user = make_user("member")
    response = client.post(
        LOGIN, {"email": user.email, "password": TEST_PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_password_reset_unlocks_and_notifies(
    client: Client,
    make_user: Callable[..., User],
    settings: object,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    # given: a locked account
    settings.GARDE_LOCKOUT_THRESHOLD = 1  # type: ignore[attr-defined]
    user = make_user("member")
    post_login(client, user.email, "wrong")
    mail.outbox.clear()
    # when: the reset link is followed
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/" in line)
    form_page = client.get(link.strip(), follow=True)
    new_password = "Orage-Cerise-1971-Pluie?"
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        done = client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": new_password, "new_password2": new_password},
        )
    # then
    assert link.strip().startswith(settings.BASE_URL)  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="accounts.password_reset_requested").count() == 1
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.locked_until is None
    assert user.check_password(new_password)
    assert mail.outbox[-1].subject == "Votre mot de passe a été changé"


def test_the_totp_step_expires_after_five_minutes(
    client: Client, make_user: Callable[..., User]
) -> None:
    user = make_user("sysadmin")
    totp = enrol(user)
    post_login(client, user.email, TEST_PASSWORD)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.post(reverse("accounts:login_verify"), {"code": totp.now()})
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
