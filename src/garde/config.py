"""Reading Garde's configuration from the environment.

Kept apart from ``settings.py`` so that the parsing rules (defaults, URL formats, the secret key
created on first start) are plain functions that tests can call.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, *, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {value!r}") from exc


def data_dir() -> Path:
    path = Path(os.environ.get("GARDE_DATA_DIR") or "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    (path / "private").mkdir(exist_ok=True)
    (path / "private" / "tmp").mkdir(exist_ok=True)
    (path / "static").mkdir(exist_ok=True)
    return path


def secret_key(directory: Path) -> str:
    """Return GARDE_SECRET_KEY, or a key generated once and kept in the data directory."""
    from_env = os.environ.get("GARDE_SECRET_KEY")
    if from_env:
        return from_env
    key_file = directory / "secret_key"
    if not key_file.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


def database(url: str | None, *, default_file: Path) -> dict[str, Any]:
    """A Django DATABASES entry from a URL; SQLite files get WAL and immediate transactions."""
    if url:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        )
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(default_file)}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {})
        # WAL lets the web server and the worker read while one of them writes; IMMEDIATE avoids
        # "database is locked" upgrades from read to write transactions.
        config["OPTIONS"].update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
        config["CONN_MAX_AGE"] = 0
    return config


def email(url: str | None) -> dict[str, Any]:
    """Django e-mail settings from GARDE_EMAIL_URL.

    ``console://`` (default) prints mail; ``smtp://user:pass@host:port`` sends it, with
    ``smtps://`` for implicit TLS and ``?starttls=1`` for STARTTLS; ``memory://`` keeps it in
    ``django.core.mail.outbox`` (tests).
    """
    if not url or url.startswith("console:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if url.startswith("memory:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError(f"GARDE_EMAIL_URL: unsupported scheme {parts.scheme!r}")
    query = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("starttls", ["0"])[0] in {"1", "true"},
        "EMAIL_TIMEOUT": 20,
    }
