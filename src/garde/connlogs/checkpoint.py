"""Signed tree heads in the formats transparency-log tooling already reads.

- C2SP ``tlog-checkpoint`` (https://c2sp.org/tlog-checkpoint): the note text is the origin, the
  tree size in decimal without leading zeros, the base64 root hash, then optional non-empty
  extension lines, each line ending in a newline.
- C2SP ``signed-note`` (https://c2sp.org/signed-note), Ed25519 (signature type 0x01): the text,
  a blank line, then lines ``— <key name> base64(key ID || signature)``. The key ID is the first
  four bytes of SHA-256(key name || 0x0A || 0x01 || 32-byte public key).

Compatible byte for byte with Go's ``golang.org/x/mod/sumdb/note`` (the reference the witnesses
and verifiers of the transparency-log ecosystem use), so they can check Garde's heads.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ED25519_SIGNATURE_TYPE",
    "SIGNATURE_PREFIX",
    "Checkpoint",
    "CheckpointError",
    "NoteError",
    "checkpoint_body",
    "checkpoint_parse",
    "key_hash",
    "note_sign",
    "note_verify",
    "verifier_key",
    "verifier_key_parse",
]

ED25519_SIGNATURE_TYPE = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
ROOT_SIZE = 32
MAX_SIGNATURES = 100  # as golang.org/x/mod/sumdb/note: bounds the work of a hostile note
MAX_TREE_SIZE = 2**64 - 1  # Go verifiers parse the size as a uint64
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # ASCII controls but the newline
_SPACE = re.compile(r"\s")


class CheckpointError(ValueError):
    """A checkpoint body that is not well-formed; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoteError(ValueError):
    """A signed note that is malformed or not signed by the expected key; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Checkpoint:
    """A Merkle tree head: the log's ``origin``, its ``size`` in leaves and ``root`` hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


def _b64decode_canonical(text: str) -> bytes:
    """Standard base64 (RFC 4648 §4) with padding, refusing any other spelling of the bytes."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as error:
        raise ValueError("not standard base64") from error
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not canonical base64")
    return raw


def checkpoint_body(cp: Checkpoint) -> str:
    """The note text of ``cp``: ``origin\\nsize\\nbase64(root)\\n`` then one line per extension."""
    if not cp.origin or "\n" in cp.origin or _CONTROL.search(cp.origin):
        raise CheckpointError("the origin must be one non-empty line")
    if not 0 <= cp.size <= MAX_TREE_SIZE:
        raise CheckpointError("the tree size must be between 0 and 2^64-1")
    if len(cp.root) != ROOT_SIZE:
        raise CheckpointError(f"the root hash must be {ROOT_SIZE} bytes")
    for extension in cp.extensions:
        if not extension or "\n" in extension or _CONTROL.search(extension):
            raise CheckpointError("each extension must be one non-empty line")
    lines = [cp.origin, str(cp.size), base64.b64encode(cp.root).decode("ascii"), *cp.extensions]
    return "".join(f"{line}\n" for line in lines)


def checkpoint_parse(body: str) -> Checkpoint:
    """The checkpoint in the note text ``body``; raises :class:`CheckpointError` with the reason
    when it is not exactly what :func:`checkpoint_body` writes (C2SP tlog-checkpoint)."""
    if not body.endswith("\n"):
        raise CheckpointError("the checkpoint must end with a newline")
    if _CONTROL.search(body):
        raise CheckpointError("the checkpoint contains a control character")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("a checkpoint has at least three lines: origin, size, root")
    if any(not line for line in lines):
        raise CheckpointError("a checkpoint has no empty lines")
    origin, size_text, root_text, *extensions = lines
    if not _DECIMAL.fullmatch(size_text):
        raise CheckpointError("the tree size must be decimal digits without leading zeros")
    size = int(size_text)
    if size > MAX_TREE_SIZE:
        raise CheckpointError("the tree size must be between 0 and 2^64-1")
    try:
        root = _b64decode_canonical(root_text)
    except ValueError as error:
        raise CheckpointError(f"the root hash is {error}") from error
    if len(root) != ROOT_SIZE:
        raise CheckpointError(f"the root hash must be {ROOT_SIZE} bytes, not {len(root)}")
    return Checkpoint(origin=origin, size=size, root=root, extensions=tuple(extensions))


def _raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )


def _is_valid_name(name: str) -> bool:
    """signed-note: a key name is non-empty, without Unicode spaces or plus signs."""
    return bool(name) and "+" not in name and not _SPACE.search(name) and not _CONTROL.search(name)


def key_hash(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte key ID: SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]."""
    material = name.encode() + b"\n" + ED25519_SIGNATURE_TYPE + _raw_public_key(public_key)
    return hashlib.sha256(material).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The signed-note verifier key ``name+hex(key ID)+base64(0x01 || public key)``, the one
    string a verifier (or witness) is configured with."""
    if not _is_valid_name(name):
        raise NoteError("a key name must be non-empty, without spaces or '+'")
    encoded = base64.b64encode(ED25519_SIGNATURE_TYPE + _raw_public_key(public_key))
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded.decode('ascii')}"


def verifier_key_parse(vkey: str) -> tuple[str, Ed25519PublicKey]:
    """The key name and Ed25519 public key of a verifier key; raises :class:`NoteError` when it
    is malformed, not Ed25519, or its key ID does not match."""
    name, _, rest = vkey.partition("+")
    hash_text, _, key_text = rest.partition("+")
    if not _is_valid_name(name) or not re.fullmatch(r"[0-9a-f]{8}", hash_text):
        raise NoteError("malformed verifier key")
    try:
        material = _b64decode_canonical(key_text)
    except ValueError as error:
        raise NoteError("malformed verifier key") from error
    if len(material) != 33 or material[:1] != ED25519_SIGNATURE_TYPE:
        raise NoteError("not an Ed25519 verifier key")
    public_key = Ed25519PublicKey.from_public_bytes(material[1:])
    if key_hash(name, public_key).hex() != hash_text:
        raise NoteError("the key ID does not match the key")
    return name, public_key


def _check_utf8(text: str) -> None:
    try:
        text.encode()
    except UnicodeEncodeError as error:
        raise NoteError("the note is not valid UTF-8") from error


def _check_text(text: str) -> None:
    _check_utf8(text)
    if not text.endswith("\n"):
        raise NoteError("the note text must end with a newline")
    if _CONTROL.search(text):
        raise NoteError("the note contains a control character")


def note_sign(body: str, *, name: str, key: Ed25519PrivateKey) -> str:
    """``body`` signed with ``key`` under the key name ``name``: the body, a blank line and the
    signature line ``— name base64(key ID || Ed25519 signature of the body)``."""
    _check_text(body)
    if not _is_valid_name(name):
        raise NoteError("a key name must be non-empty, without spaces or '+'")
    signature = key.sign(body.encode())
    blob = base64.b64encode(key_hash(name, key.public_key()) + signature).decode("ascii")
    return f"{body}\n{SIGNATURE_PREFIX}{name} {blob}\n"


def note_verify(note: str, *, name: str, public_key: Ed25519PublicKey) -> str:
    """The text of ``note`` once its signature by (``name``, ``public_key``) is checked.

    As the signed-note spec and Go's reference: the text ends at the last blank line; signature
    lines of other keys (witness cosignatures, rotated keys) are ignored; a signature of this key
    that does not verify rejects the note, and so does the absence of any. Raises
    :class:`NoteError` with the reason."""
    _check_utf8(note)
    if _CONTROL.search(note):
        raise NoteError("the note contains a control character")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no blank line before its signatures")
    text, signatures = note[: split + 1], note[split + 2 :]
    if not signatures.endswith("\n"):
        raise NoteError("the note must end with a signature line")
    expected_hash = key_hash(name, public_key)
    lines = signatures[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"the note has more than {MAX_SIGNATURES} signatures")
    ours: list[bytes] = []
    for line in lines:  # all lines are checked, as the reference, before any is trusted
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line must start with an em dash and a space")
        signer, _, blob_text = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            # Not required canonical: Go's reference accepts any padded standard base64 here.
            blob = base64.b64decode(blob_text.encode("ascii"), validate=True)
        except (UnicodeEncodeError, binascii.Error) as error:
            raise NoteError("a signature is not base64") from error
        if not blob_text or not _is_valid_name(signer) or len(blob) < 5:
            raise NoteError("malformed signature line")
        if signer == name and blob[:4] == expected_hash:
            ours.append(blob[4:])
        # Any other line is another key's signature (a witness, a rotated key): not ours to judge.
    if not ours:
        raise NoteError(f"the note is not signed by {name}+{expected_hash.hex()}")
    try:
        # The first of our signatures decides, as in the reference (repeats are skipped).
        public_key.verify(ours[0], text.encode())
    except InvalidSignature as error:
        raise NoteError(f"the signature of {name} does not verify") from error
    return text
