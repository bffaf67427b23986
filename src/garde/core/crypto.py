"""Encryption of small secrets at rest (TOTP seeds, connection credentials).

Keys come from GARDE_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first, so old keys can
still decrypt during a rotation) or from ``<data dir>/keys/fernet.key``, created on first use.
"""

from __future__ import annotations

import os
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    configured = os.environ.get("GARDE_ENCRYPTION_KEYS", "")
    keys = [k.strip() for k in configured.split(",") if k.strip()]
    if not keys:
        key_dir = settings.DATA_DIR / "keys"
        key_dir.mkdir(mode=0o700, exist_ok=True)
        key_file = key_dir / "fernet.key"
        if not key_file.exists():
            try:
                fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(Fernet.generate_key())
        keys = [key_file.read_text().strip()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt_text(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt_text(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def encrypt_bytes(plain: bytes) -> bytes:
    """Files at rest (request attachments): the same keys and rotation as ``encrypt_text``."""
    return _fernet().encrypt(plain)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)
