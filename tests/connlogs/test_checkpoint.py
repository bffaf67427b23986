"""Issue 6, integrity: signed tree heads as C2SP tlog-checkpoint bodies in C2SP signed notes.

The PeterNeumann and EnochRoot vectors are those of the Go reference implementation,
golang.org/x/mod ``sumdb/note/note_test.go`` (TestNewVerifier, TestSign, TestOpen); the checkpoint
example is the one of https://c2sp.org/tlog-checkpoint.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from garde.connlogs.checkpoint import (
    Checkpoint,
    CheckpointError,
    NoteError,
    checkpoint_body,
    checkpoint_parse,
    key_hash,
    note_sign,
    note_verify,
    verifier_key,
    verifier_key_parse,
)

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6"
    "KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33W"
    "Wd1RvMc+QQ=\n"
)
C2SP_EXAMPLE_BODY = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()
URLSAFE_ROOT_B64 = base64.urlsafe_b64encode(bytes([0xFF] * 32)).decode()  # "-" and "_"
ORIGIN = "garde.example/connlogs"


def peter_private_key() -> Ed25519PrivateKey:
    # The Go signer key: PRIVATE+KEY+name+hash+base64(0x01 || 32-byte Ed25519 seed)
    material = base64.b64decode(PETER_SKEY.split("+", 4)[4])
    assert material[0] == 1
    return Ed25519PrivateKey.from_private_bytes(material[1:])


def raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )


# --- checkpoint body -----------------------------------------------------------------------


def test_c2sp_checkpoint_body_is_origin_size_and_base64_root_each_on_a_line() -> None:
    # given
    checkpoint = Checkpoint(origin="example.com/log", size=42, root=ROOT)

    # when
    body = checkpoint_body(checkpoint)

    # then
    assert body == f"example.com/log\n42\n{ROOT_B64}\n"
    assert body == "example.com/log\n42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"


def test_c2sp_checkpoint_extensions_follow_the_root_one_per_line() -> None:
    # given
    checkpoint = Checkpoint(origin=ORIGIN, size=0, root=ROOT, extensions=("day 2026-03-01", "x"))

    # when
    body = checkpoint_body(checkpoint)

    # then
    assert body == f"{ORIGIN}\n0\n{ROOT_B64}\nday 2026-03-01\nx\n"
    assert checkpoint_parse(body) == checkpoint


def test_c2sp_checkpoint_specification_example_parses_and_is_rewritten_byte_for_byte() -> None:
    # when
    checkpoint = checkpoint_parse(C2SP_EXAMPLE_BODY)

    # then
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root.hex() == (
        "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62"
    )
    assert checkpoint.extensions == ()
    assert checkpoint_body(checkpoint) == C2SP_EXAMPLE_BODY


origins = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda text: "\n" not in text
)


@settings(max_examples=200, deadline=None)
@given(
    origin=origins,
    size=st.integers(min_value=0, max_value=2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(origins, max_size=3),
)
def test_c2sp_checkpoint_body_and_parse_round_trip(
    origin: str, size: int, root: bytes, extensions: list[str]
) -> None:
    # given
    checkpoint = Checkpoint(origin=origin, size=size, root=root, extensions=tuple(extensions))

    # when
    body = checkpoint_body(checkpoint)

    # then
    assert checkpoint_parse(body) == checkpoint
    assert body.split("\n")[1] == str(size)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (f"{ORIGIN}\n42\n{ROOT_B64}", "must end with a newline"),
        (f"{ORIGIN}\n42\n", "at least three lines"),
        ("", "must end with a newline"),
        (f"{ORIGIN}\n{ROOT_B64}\n", "at least three lines"),
        (f"\n42\n{ROOT_B64}\n", "no empty lines"),
        (f"{ORIGIN}\n\n{ROOT_B64}\n", "no empty lines"),
        (f"{ORIGIN}\n42\n{ROOT_B64}\n\n", "no empty lines"),
        (f"{ORIGIN}\n42\n{ROOT_B64}\n\next\n", "no empty lines"),
        (f"{ORIGIN}\n42x\n{ROOT_B64}\n", "decimal digits without leading zeros"),
        (f"{ORIGIN}\n-1\n{ROOT_B64}\n", "decimal digits without leading zeros"),
        (f"{ORIGIN}\n+42\n{ROOT_B64}\n", "decimal digits without leading zeros"),
        (f"{ORIGIN}\n 42\n{ROOT_B64}\n", "decimal digits without leading zeros"),
        (f"{ORIGIN}\n4.2\n{ROOT_B64}\n", "decimal digits without leading zeros"),
        (f"{ORIGIN}\n٤٢\n{ROOT_B64}\n", "decimal digits without leading zeros"),
        (f"{ORIGIN}\n042\n{ROOT_B64}\n", "decimal digits without leading zeros"),
        (f"{ORIGIN}\n00\n{ROOT_B64}\n", "decimal digits without leading zeros"),
        (f"{ORIGIN}\n{2**64}\n{ROOT_B64}\n", "between 0 and 2^64-1"),
        (f"{ORIGIN}\n42\nnot base64!\n", "the root hash is not standard base64"),
        (f"{ORIGIN}\n42\n{ROOT_B64.rstrip('=')}\n", "the root hash is not standard base64"),
        (f"{ORIGIN}\n42\n{URLSAFE_ROOT_B64}\n", "the root hash is not standard base64"),
        (f"{ORIGIN}\n42\n{ROOT_B64[:-2]}f=\n", "the root hash is not canonical base64"),
        (f"{ORIGIN}\n42\n{base64.b64encode(ROOT[:31]).decode()}\n", "must be 32 bytes, not 31"),
        (f"{ORIGIN}\n42\n{base64.b64encode(ROOT + b'!').decode()}\n", "must be 32 bytes, not 33"),
        (f"{ORIGIN}\r\n42\n{ROOT_B64}\n", "control character"),
    ],
)
def test_c2sp_checkpoint_parse_refuses_a_malformed_body(body: str, reason: str) -> None:
    with pytest.raises(CheckpointError, match=re.escape(reason)) as raised:
        checkpoint_parse(body)
    assert reason in raised.value.reason


@pytest.mark.parametrize(
    ("checkpoint", "reason"),
    [
        (Checkpoint(origin="", size=1, root=ROOT), "the origin must be one non-empty line"),
        (Checkpoint(origin="a\nb", size=1, root=ROOT), "the origin must be one non-empty line"),
        (Checkpoint(origin=ORIGIN, size=-1, root=ROOT), "between 0 and 2^64-1"),
        (Checkpoint(origin=ORIGIN, size=2**64, root=ROOT), "between 0 and 2^64-1"),
        (Checkpoint(origin=ORIGIN, size=1, root=ROOT[:31]), "must be 32 bytes"),
        (
            Checkpoint(origin=ORIGIN, size=1, root=ROOT, extensions=("",)),
            "each extension must be one non-empty line",
        ),
        (
            Checkpoint(origin=ORIGIN, size=1, root=ROOT, extensions=("a\nb",)),
            "each extension must be one non-empty line",
        ),
    ],
)
def test_checkpoint_body_refuses_what_no_verifier_could_parse(
    checkpoint: Checkpoint, reason: str
) -> None:
    with pytest.raises(CheckpointError, match=re.escape(reason)):
        checkpoint_body(checkpoint)


# --- signed note: the reference vectors ----------------------------------------------------


def test_signed_note_reference_key_id_and_verifier_key() -> None:
    # given
    public_key = peter_private_key().public_key()

    # then
    assert key_hash("PeterNeumann", public_key) == bytes.fromhex("c74f20a3")
    assert verifier_key("PeterNeumann", public_key) == PETER_VKEY
    name, parsed = verifier_key_parse(PETER_VKEY)
    assert name == "PeterNeumann"
    assert raw(parsed) == raw(public_key)


def test_signed_note_reference_signature_is_reproduced_byte_for_byte() -> None:
    # when
    note = note_sign(TEXT, name="PeterNeumann", key=peter_private_key())

    # then
    assert note == TEXT + "\n" + PETER_SIG


def test_signed_note_reference_note_opens_with_either_key_ignoring_the_other() -> None:
    # given
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    peter_name, peter = verifier_key_parse(PETER_VKEY)
    enoch_name, enoch = verifier_key_parse(ENOCH_VKEY)

    # then
    assert note_verify(note, name=peter_name, public_key=peter) == TEXT
    assert note_verify(note, name=enoch_name, public_key=enoch) == TEXT


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # key ID
        "PeterNeuman+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # name
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",  # truncated
        "PeterNeumann+c74f20a3",
        "PeterNeumann",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        # Go's TestNewVerifier: wrong key length and unknown algorithm, key ID adjusted
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_signed_note_verifier_key_parse_refuses_a_mangled_key(vkey: str) -> None:
    with pytest.raises(NoteError):
        verifier_key_parse(vkey)


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        # Go's TestOpen "invalid encoded message syntax"
        (TEXT, "no blank line"),
        (TEXT + "\n", "must end with a signature line"),
        (TEXT + "\n" + PETER_SIG[:-1], "must end with a signature line"),
        ("\x01" + TEXT + "\n" + PETER_SIG, "control character"),
        (TEXT + "\n" + "— Bad Name " + PETER_SIG.split(" ")[2][:-1], "end with a signature line"),
        (TEXT + "\n" + "— Bad Name " + PETER_SIG.split(" ")[2], "a signature is not base64"),
        (TEXT + "\n" + PETER_SIG + "Unexpected line.\n", "em dash and a space"),
        # Go's TestOpen "invalid signature" and "too many signatures"
        (TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], "does not verify"),
        (TEXT + "\n" + PETER_SIG * 101, "more than 100 signatures"),
        # the body changed after signing
        (TEXT.replace("cryptography", "cryptographY") + "\n" + PETER_SIG, "does not verify"),
        # a hyphen, not the em dash
        (TEXT + "\n" + "-" + PETER_SIG[1:], "em dash and a space"),
        (TEXT + "\n" + ENOCH_SIG, "not signed by PeterNeumann+c74f20a3"),
        (TEXT + "\n" + "— PeterNeumann !!!!\n", "not base64"),
        (TEXT + "\n" + "— PeterNeumann x08g\n", "malformed signature line"),
    ],
)
def test_signed_note_verify_refuses_a_malformed_or_unsigned_note(note: str, reason: str) -> None:
    # given
    name, public_key = verifier_key_parse(PETER_VKEY)

    # then
    with pytest.raises(NoteError, match=re.escape(reason)):
        note_verify(note, name=name, public_key=public_key)


# --- signed checkpoints with a fresh key ---------------------------------------------------


def test_signed_note_signature_line_is_em_dash_name_and_key_id_then_signature() -> None:
    # given
    key = Ed25519PrivateKey.generate()
    body = checkpoint_body(Checkpoint(origin=ORIGIN, size=42, root=ROOT))

    # when
    note = note_sign(body, name=ORIGIN, key=key)

    # then
    assert note.startswith(body + "\n")
    signature_line = note[len(body) + 1 :]
    assert signature_line.startswith("\u2014 " + ORIGIN + " ")
    assert signature_line.encode()[:4] == b"\xe2\x80\x94\x20"
    assert signature_line.endswith("\n")
    assert signature_line.count("\n") == 1
    blob = base64.b64decode(signature_line.split(" ")[2].rstrip("\n"), validate=True)
    expected_id = hashlib.sha256(
        ORIGIN.encode() + b"\n" + b"\x01" + raw(key.public_key())
    ).digest()[:4]
    assert blob[:4] == expected_id == key_hash(ORIGIN, key.public_key())
    assert len(blob) == 4 + 64
    key.public_key().verify(blob[4:], body.encode())  # raises if not a signature of the body


def test_signed_checkpoint_round_trips_through_sign_verify_and_parse() -> None:
    # given
    key = Ed25519PrivateKey.generate()
    checkpoint = Checkpoint(origin=ORIGIN, size=1_000_000, root=ROOT)

    # when
    note = note_sign(checkpoint_body(checkpoint), name=ORIGIN, key=key)
    body = note_verify(note, name=ORIGIN, public_key=key.public_key())

    # then
    assert checkpoint_parse(body) == checkpoint


def test_signed_note_verify_ignores_a_witness_cosignature_after_the_log_signature() -> None:
    # given
    log_key, witness_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    body = checkpoint_body(Checkpoint(origin=ORIGIN, size=7, root=ROOT))
    signed = note_sign(body, name=ORIGIN, key=log_key)
    cosigned = note_sign(body, name="witness.example/w1", key=witness_key)

    # when
    note = signed + cosigned[len(body) + 1 :]

    # then
    assert note_verify(note, name=ORIGIN, public_key=log_key.public_key()) == body
    assert note_verify(note, name="witness.example/w1", public_key=witness_key.public_key()) == body


def test_signed_note_verify_fails_on_a_changed_body() -> None:
    # given
    key = Ed25519PrivateKey.generate()
    note = note_sign(
        checkpoint_body(Checkpoint(origin=ORIGIN, size=42, root=ROOT)), name=ORIGIN, key=key
    )

    # when
    changed = note.replace("\n42\n", "\n43\n", 1)

    # then
    with pytest.raises(NoteError, match=re.escape(f"the signature of {ORIGIN} does not verify")):
        note_verify(changed, name=ORIGIN, public_key=key.public_key())


def test_signed_note_verify_fails_for_another_key_of_the_same_name() -> None:
    # given
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    note = note_sign(TEXT, name=ORIGIN, key=key)

    # then
    with pytest.raises(NoteError, match="the note is not signed by"):
        note_verify(note, name=ORIGIN, public_key=other.public_key())


def test_signed_note_verify_fails_for_the_same_key_under_another_name() -> None:
    # given
    key = Ed25519PrivateKey.generate()
    note = note_sign(TEXT, name=ORIGIN, key=key)

    # then
    with pytest.raises(NoteError, match=re.escape("the note is not signed by other.example/log")):
        note_verify(note, name="other.example/log", public_key=key.public_key())


def test_signed_note_verify_fails_when_the_signer_name_is_edited_in_the_note() -> None:
    # given: the key ID binds the name, so a renamed signature line is someone else's
    key = Ed25519PrivateKey.generate()
    note = note_sign(TEXT, name=ORIGIN, key=key).replace(f"— {ORIGIN} ", "— other.example/log ")

    # then
    with pytest.raises(NoteError, match=re.escape("the note is not signed by other.example/log")):
        note_verify(note, name="other.example/log", public_key=key.public_key())


@pytest.mark.parametrize(
    ("body", "name", "reason"),
    [
        ("no newline at the end", ORIGIN, "must end with a newline"),
        ("tab\there\n", ORIGIN, "control character"),
        (TEXT, "two words", "key name must be non-empty, without spaces or '+'"),
        (TEXT, "a+b", "key name must be non-empty, without spaces or '+'"),
        (TEXT, "", "key name must be non-empty, without spaces or '+'"),
    ],
)
def test_note_sign_refuses_a_text_or_name_a_verifier_would_reject(
    body: str, name: str, reason: str
) -> None:
    with pytest.raises(NoteError, match=re.escape(reason)):
        note_sign(body, name=name, key=Ed25519PrivateKey.generate())


def test_verifier_key_has_the_signed_note_vkey_format() -> None:
    # given
    key = Ed25519PrivateKey.generate().public_key()

    # when
    vkey = verifier_key(ORIGIN, key)

    # then
    name, key_id, material = vkey.split("+", 2)
    assert name == ORIGIN
    assert re.fullmatch(r"[0-9a-f]{8}", key_id)
    assert bytes.fromhex(key_id) == key_hash(ORIGIN, key)
    assert base64.b64decode(material, validate=True) == b"\x01" + raw(key)
    assert raw(verifier_key_parse(vkey)[1]) == raw(key)
