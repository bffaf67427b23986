"""Erasure policies and masking (issue 5, item 6): the most specific policy, the strongest of
several categories, non-personal fields untouched, values that respect the field's type and
length, a keyed hash deterministic per key; the signing and HMAC key files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garde.dsr.choices import ErasureStrategy
from garde.dsr.erasure import (
    ErasureError,
    PolicyRule,
    default_rule,
    hmac_key,
    mask_value,
    policy_for_category,
    policy_for_field,
    preview_old,
)
from garde.dsr.receipts import (
    key_id,
    public_key_pem,
    receipt_verify,
    sign,
    signing_key,
)
from garde.dsr.spec import FieldSpec

POLICIES = {
    "user": PolicyRule("null", "user"),
    "user.contact": PolicyRule("fixed", "user.contact", fixed_value="erased"),
    "user.contact.email": PolicyRule("hash", "user.contact.email"),
    "user.financial": PolicyRule("delete", "user.financial"),
    "user.behavior": PolicyRule("keep", "user.behavior", reason_fr="Preuve", reason_en="Proof"),
}
DEFAULT = PolicyRule("null")


def _field(
    *categories: str, data_type: str | None = "string", length: int | None = None
) -> FieldSpec:
    return FieldSpec(
        name="f", path=("f",), data_categories=categories, data_type=data_type, length=length
    )


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("user.contact.email", "user.contact.email"),
        ("user.contact.phone_number", "user.contact"),
        ("user.contact.address.city", "user.contact"),
        ("user.name", "user"),
        ("user", "user"),
    ],
)
def test_the_most_specific_policy_of_a_category_applies(category: str, expected: str) -> None:
    # when
    rule = policy_for_category(category, POLICIES, DEFAULT)
    # then
    assert rule.category == expected


def test_a_category_without_any_policy_gets_the_default_setting(settings: object) -> None:
    # given
    settings.GARDE_DSR_DEFAULT_STRATEGY = "random"  # type: ignore[attr-defined]
    # when
    rule = policy_for_category("user.name", {})
    # then
    assert rule == PolicyRule("random", "")


def test_an_invalid_default_setting_is_refused(settings: object) -> None:
    settings.GARDE_DSR_DEFAULT_STRATEGY = "shred"  # type: ignore[attr-defined]
    with pytest.raises(ErasureError) as caught:
        default_rule()
    assert caught.value.code == "dsr_default_strategy_invalid"


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (("user.contact.email", "user.name"), "hash"),  # hash beats null
        (("user.contact.email", "user.contact.phone_number"), "fixed"),  # fixed beats hash
        (("user.name", "user.financial"), "delete"),  # delete beats everything
        (("user.behavior", "user.name"), "null"),  # a keep policy never shields erasure
        (("user.behavior",), "keep"),
        (("user.contact.email", "system.operations"), "hash"),  # non-personal ignored
    ],
)
def test_several_categories_on_one_field_take_the_strongest_strategy(
    categories: tuple[str, ...], expected: str
) -> None:
    # when
    rule = policy_for_field(_field(*categories), POLICIES, DEFAULT)
    # then
    assert rule is not None
    assert rule.strategy == expected


@pytest.mark.parametrize("categories", [(), ("system.operations",), ("system", "system.x")])
def test_fields_without_a_personal_category_are_not_touched(categories: tuple[str, ...]) -> None:
    assert policy_for_field(_field(*categories), POLICIES, DEFAULT) is None


def test_a_string_replacement_on_a_non_string_field_falls_back_to_null() -> None:
    key = b"k" * 32
    for data_type in ("integer", "boolean", None):
        for strategy in ("fixed", "hash", "random"):
            value = mask_value(
                strategy=strategy,
                spec_field=_field("user.name", data_type=data_type),
                old=123,
                fixed_value="x",
                key=key,
            )
            assert value is None, (data_type, strategy)


def test_null_and_already_null_values_stay_null() -> None:
    assert mask_value(strategy="null", spec_field=_field("user"), old="Jean") is None
    assert mask_value(strategy="hash", spec_field=_field("user"), old=None, key=b"k") is None


def test_a_delete_or_keep_strategy_is_not_a_mask() -> None:
    with pytest.raises(ErasureError):
        mask_value(strategy="delete", spec_field=_field("user"), old="x")


def test_the_fixed_value_is_cut_to_the_field_length() -> None:
    value = mask_value(
        strategy="fixed", spec_field=_field("user", length=4), old="Jean", fixed_value="ERASED"
    )
    assert value == "ERAS"


lengths = st.one_of(st.none(), st.integers(min_value=1, max_value=100))
olds = st.one_of(st.text(min_size=1, max_size=50), st.integers())


@settings(max_examples=60, deadline=None)
@given(length=lengths, old=olds, key=st.binary(min_size=16, max_size=32))
def test_masked_strings_respect_the_field_length(
    length: int | None, old: object, key: bytes
) -> None:
    spec_field = _field("user", length=length)
    for strategy in ("fixed", "hash", "random"):
        value = mask_value(
            strategy=strategy, spec_field=spec_field, old=old, fixed_value="erased-value", key=key
        )
        assert isinstance(value, str)
        assert value != ""
        if length is not None:
            assert len(value) <= length


@settings(max_examples=60, deadline=None)
@given(
    old=st.text(min_size=1, max_size=60),
    key_a=st.binary(min_size=32, max_size=32),
    key_b=st.binary(min_size=32, max_size=32),
)
def test_the_keyed_hash_is_deterministic_per_key_and_differs_across_keys(
    old: str, key_a: bytes, key_b: bytes
) -> None:
    spec_field = _field("user.contact.email")
    first = mask_value(strategy="hash", spec_field=spec_field, old=old, key=key_a)
    again = mask_value(strategy="hash", spec_field=spec_field, old=old, key=key_a)
    other = mask_value(strategy="hash", spec_field=spec_field, old=old, key=key_b)
    assert first == again
    assert isinstance(first, str)
    assert len(first) == 64
    assert set(first) <= set("0123456789abcdef")
    if key_a != key_b:
        assert first != other


@settings(max_examples=30, deadline=None)
@given(old=st.text(min_size=1, max_size=20), length=st.integers(min_value=8, max_value=40))
def test_random_replacements_differ_each_time(old: str, length: int) -> None:
    spec_field = _field("user", length=length)
    values = {mask_value(strategy="random", spec_field=spec_field, old=old) for _ in range(5)}
    assert len(values) == 5


def test_a_preview_never_shows_more_than_the_first_character() -> None:
    assert preview_old("customer-1@example.com") == "c*** (22 chars)"
    assert preview_old(123456789) == "*** (int)"
    assert preview_old(None) is None


def test_the_hmac_key_is_created_once_with_mode_0600(settings: object, tmp_path: Path) -> None:
    # given
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    # when
    first = hmac_key()
    second = hmac_key()
    # then
    path = tmp_path / "keys" / "erasure-hmac.key"
    assert first == second
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert bytes.fromhex(path.read_text().strip()) == first


def test_the_signing_key_is_created_once_with_mode_0600_and_signs(
    settings: object, tmp_path: Path
) -> None:
    # given
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    # when
    key = signing_key()
    signature = sign(b"payload")
    # then
    path = tmp_path / "keys" / "ed25519.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert signing_key() is key
    assert public_key_pem().startswith("-----BEGIN PUBLIC KEY-----")
    assert len(key_id()) == 64
    assert receipt_verify(b"payload", signature) is True
    assert receipt_verify(b"payload", signature, public_key_pem()) is True
    assert receipt_verify(b"payloaD", signature) is False
    assert receipt_verify(b"payload", "not base64!") is False


def test_the_default_strategy_choices_are_the_models() -> None:
    assert set(ErasureStrategy.values) == {"null", "fixed", "hash", "random", "delete", "keep"}
