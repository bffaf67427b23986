"""Password policy: CNIL 2022-100 entropy (R-29), strength estimate with reasons, no identity
words, Argon2 storage and change notification (R-31)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from garde.accounts.models import User
from garde.accounts.passwords import CnilEntropyValidator, cnil_entropy_bits
from garde.api.services import SECRET_BYTES
from tests.accounts.factories import TEST_PASSWORD
from tests.conftest import log_in


def test_r29_eight_characters_of_four_types_reach_50_bits_not_80() -> None:
    assert cnil_entropy_bits("Az3rty0)") == 53
    CnilEntropyValidator(min_bits=50).validate("Az3rty0)")
    with pytest.raises(ValidationError):
        CnilEntropyValidator(min_bits=80).validate("Az3rty0)")


def test_r29_twelve_characters_over_99_symbols_count_as_80_bits() -> None:
    password = "Ab1!Cd2?Ef3#"
    assert cnil_entropy_bits(password) == 80
    CnilEntropyValidator(min_bits=80).validate(password)


def test_r29_twelve_alphanumerics_are_71_bits_and_refused_without_restriction() -> None:
    assert cnil_entropy_bits("Abcdef123456") == 71
    with pytest.raises(ValidationError) as refused:
        CnilEntropyValidator(min_bits=80).validate("Abcdef123456")
    assert "71 bits" in refused.value.messages[0]


def test_r29_api_key_secrets_exceed_80_bits() -> None:
    # secrets.token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-]: 256 random bits
    assert SECRET_BYTES * 8 >= 80


@given(st.text(alphabet="abcdefghij", min_size=1, max_size=40))
def test_entropy_grows_with_length(text: str) -> None:
    assert cnil_entropy_bits(text + "a") > cnil_entropy_bits(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("azertyuiop", "47 bits d'entropie"),
        ("Password123!", "trop facile à deviner. Il "),
        ("Azerty123456!", "trop facile à deviner"),
        ("Motdepasse1!", "trop facile à deviner"),
    ],
)
def test_obvious_passwords_are_refused_with_their_reason(password: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, User(email="x@example.org", full_name="Jeanne Dupont"))
    assert reason in " ".join(refused.value.messages)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password", ["Dupont-Orange-1989!", "Jeanne#Velo#Nuage#7", "acme-Cactus-Sable-22"]
)
def test_passwords_containing_name_email_or_organisation_are_refused(password: str) -> None:
    user = User(email="jeanne@acme.example", full_name="Jeanne Dupont")
    user.organisation_name_hint = "Acme Industries"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert any("tiré de votre nom" in m for m in refused.value.messages)


@pytest.mark.django_db
def test_a_strong_unrelated_password_is_accepted() -> None:
    validate_password("Lavande-Orbite-42-Quai!", User(email="x@example.org", full_name="X Y"))


@pytest.mark.django_db
def test_the_change_form_explains_why_a_password_is_refused(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    user = make_user("member", full_name="Jeanne Dupont")
    log_in(client, user)
    # when
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "bits d&#x27;entropie" in body or "bits d'entropie" in body
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


@pytest.mark.django_db
def test_r31_passwords_are_stored_with_argon2_and_changes_are_notified(
    client: Client,
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks: Callable[..., object],
    mailoutbox: list[object],
) -> None:
    user = make_user("member")
    log_in(client, user)
    new = "Orage-Cerise-1971-Pluie?"
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(
            reverse("accounts:password_change"),
            {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
        )
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert new not in mailoutbox[0].body  # type: ignore[attr-defined]
    assert mailoutbox[0].subject == "Votre mot de passe a été changé"  # type: ignore[attr-defined]
