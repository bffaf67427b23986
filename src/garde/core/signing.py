"""Garde's one Ed25519 signing key.

The key lives at ``<data dir>/keys/ed25519.key`` (PKCS#8 PEM, mode 0600), created once on first
use. Everything Garde signs uses it — erasure receipts (``garde.dsr.receipts``), the signed tree
heads of the connection logs (``garde.connlogs``), export manifests — so one published public key
checks everything.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

SIGNING_KEY_FILE = "ed25519.key"


def key_dir() -> Path:
    """``<data dir>/keys``, created (0700) if missing."""
    path = Path(settings.DATA_DIR) / "keys"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def key_file_read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The content of the key file ``path``, written once with ``make()`` (mode 0600) if absent.

    Race-safe across processes: the new key is written completely to a private temporary file
    first and then hard-linked into place, which fails if another process got there first; so a
    reader never sees a half-written key and every process ends up with the same one."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(make())
                handle.flush()
                os.fsync(handle.fileno())
            # Fails if another process created it meanwhile: then theirs is used.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_bytes()


def _private_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


@cache
def _signing_key_at(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(
        key_file_read_or_create(path, _private_pem), password=None
    )
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{path} does not hold an Ed25519 private key")
    return key


def signing_key() -> Ed25519PrivateKey:
    """Garde's Ed25519 signing key, created on first use."""
    return _signing_key_at(key_dir() / SIGNING_KEY_FILE)


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_key_pem() -> str:
    """The public key as SubjectPublicKeyInfo PEM, to publish for verifiers."""
    return (
        public_key()
        .public_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode("ascii")
    )


def key_id(key: Ed25519PublicKey | None = None) -> str:
    """SHA-256 (hex) of the raw 32-byte public key: names the key that signed something."""
    raw = (key or public_key()).public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()


def sign(payload: bytes) -> str:
    """Base64 Ed25519 signature of ``payload`` with :func:`signing_key`."""
    return base64.b64encode(signing_key().sign(payload)).decode("ascii")
