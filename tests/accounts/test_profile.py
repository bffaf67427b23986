"""Profile self-service: see, edit, download and delete one's own data (the policy: "consulter,
modifier ou supprimer vos données personnelles ... sur les portails de gestion de votre
profil")."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import TotpDevice, User
from garde.core.models import AuditEvent
from tests.accounts.factories import TEST_PASSWORD
from tests.conftest import log_in

pytestmark = pytest.mark.django_db


def test_every_user_field_is_classified_personal_or_technical() -> None:
    fields = {f.name for f in User._meta.concrete_fields}
    assert set(User.PERSONAL_FIELDS) | set(User.TECHNICAL_FIELDS) == fields
    assert not set(User.PERSONAL_FIELDS) & set(User.TECHNICAL_FIELDS)


def test_download_contains_every_personal_field(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    user = make_user(
        "member",
        full_name="Jeanne Dupont",
        phone="+33 1 23 45 67 89",
        job_title="DSI",
        language="en",
    )
    log_in(client, user)
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"email": user.email, "password": TEST_PASSWORD})
    user.refresh_from_db()
    # when
    response = client.get(reverse("accounts:profile_download"))
    # then
    assert response["Content-Disposition"] == 'attachment; filename="garde-profile.json"'
    data = json.loads(response.content)
    for name in User.PERSONAL_FIELDS:
        value = getattr(user, name)
        assert data[name] == (value.isoformat() if hasattr(value, "isoformat") else value), name
    assert data["memberships"][0]["role"] == "member"
    assert data["memberships"][0]["organisation"] == "Acme Industries"


def test_profile_page_shows_every_personal_field(
    client: Client, make_user: Callable[..., User]
) -> None:
    user = make_user("org_dpo", full_name="Jeanne Dupont", phone="+33 1 23 45 67 89")
    log_in(client, user)
    body = client.get(reverse("accounts:profile")).content.decode()
    for value in (user.email, "Jeanne Dupont", "+33 1 23 45 67 89", user.job_title):
        assert value in body
    assert "DPO de l&#x27;organisation · Acme Industries" in body


def test_edit_saves_and_audits_field_names_not_values(
    client: Client, make_user: Callable[..., User]
) -> None:
    user = make_user("member")
    log_in(client, user)
    response = client.post(
        reverse("accounts:profile_edit"),
        {
            "full_name": "Jeanne Martin",
            "phone": "0600000000",
            "job_title": user.job_title,
            "language": "fr",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.phone) == ("Jeanne Martin", "0600000000")
    event = AuditEvent.objects.get(action="accounts.profile_updated")
    assert event.details == {"fields": ["full_name", "phone"]}


def test_edit_with_bad_input_keeps_stored_data(
    client: Client, make_user: Callable[..., User]
) -> None:
    user = make_user("member", full_name="Jeanne Dupont")
    log_in(client, user)
    response = client.post(
        reverse("accounts:profile_edit"),
        {"full_name": "", "phone": "x" * 500, "job_title": "", "language": "xx"},
    )
    assert response.status_code == 400
    assert "full_name" in response.context["form"].errors
    user.refresh_from_db()
    assert user.full_name == "Jeanne Dupont"
    assert not AuditEvent.objects.filter(action="accounts.profile_updated").exists()


def test_account_deletion_erases_personal_fields_and_keeps_the_audit_trail(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    user = make_user("member", full_name="Jeanne Dupont", phone="0600000000", job_title="DSI")
    TotpDevice.objects.create(user=user, encrypted_secret="x")
    log_in(client, user)
    client.get(reverse("accounts:profile"))
    events_before = AuditEvent.objects.filter(actor=user).count()
    # when
    response = client.post(reverse("accounts:account_delete"), {"password": TEST_PASSWORD})
    # then
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == f"deleted-{user.pk}@deleted.invalid"
    assert (user.full_name, user.phone, user.job_title) == ("", "", "")
    assert not user.has_usable_password()
    assert not user.is_active
    assert not TotpDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(actor=user).count() == events_before + 1
    assert "_auth_user_id" not in client.session


def test_account_deletion_needs_the_password(
    client: Client, make_user: Callable[..., User]
) -> None:
    user = make_user("member", full_name="Jeanne Dupont")
    log_in(client, user)
    response = client.post(reverse("accounts:account_delete"), {"password": "wrong"})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.full_name == "Jeanne Dupont"
    assert user.is_active


def test_deletion_page_says_what_is_kept_and_why(
    client: Client, make_user: Callable[..., User]
) -> None:
    log_in(client, make_user("member"))
    body = client.get(reverse("accounts:account_delete")).content.decode()
    assert "Ce qui est conservé, et pourquoi" in body
    assert "2021-122" in body


def test_profile_download_is_audited(client: Client, make_user: Callable[..., User]) -> None:
    user = make_user("member")
    log_in(client, user)
    client.get(reverse("accounts:profile_download"))
    assert AuditEvent.objects.filter(action="accounts.profile_exported", actor=user).count() == 1
