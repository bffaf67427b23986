"""Requisition exports: the entries matching a filter as CSV, with a signed manifest.

The CSV (UTF-8, no BOM, comma-separated, CRLF line ends, one header row) has the columns
:data:`COLUMNS`; ``ts`` is RFC 3339 UTC with microseconds (``2025-03-01T08:15:00.000001Z``),
empty cells are absent values. Its manifest, ``FILE.csv.manifest.json``, states the file's
SHA-256, size and row count, the filter, the reason, the operator and the time, and is signed with
Garde's Ed25519 key (``garde.core.signing``, published at ``/.well-known/garde/connlogs-key``):
``signature`` is base64 Ed25519 over the *canonical JSON* of every other member of the manifest
(keys sorted, no spaces, UTF-8: ``json.dumps(m, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)``). :func:`export_verify` checks all of that.

Exporting is a query: administrators only, with a reason, audited as ``connlogs.exported``
(reason, filter, rows, file hash) in the main database.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from garde.accounts.models import User
from garde.connlogs.models import Entry
from garde.connlogs.queries import (
    connlog_check_actor,
    connlog_check_reason,
    connlog_filter_build,
    connlog_iter,
)
from garde.core.services import audit_record
from garde.core.signing import key_id, public_key, sign

FORMAT = "garde-connlogs-export/1"
COLUMNS = ("seq", "ts", "service", "event", "account", "ip", "port", "session", "leaf_hash")
MANIFEST_SUFFIX = ".manifest.json"


def canonical_json(value: dict[str, Any]) -> bytes:
    """The bytes a manifest signature covers."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _row(entry: Entry) -> list[str]:
    return [
        str(entry.seq),
        _ts(entry.ts),
        entry.service,
        entry.event,
        entry.account or "",
        entry.ip or "",
        "" if entry.port is None else str(entry.port),
        entry.session or "",
        entry.leaf_hash,
    ]


class _HashingWriter(io.TextIOBase):
    """A text sink that encodes to UTF-8, hashes, counts and forwards to a binary stream."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> int:
        data = text.encode()
        self.digest.update(data)
        self.size += len(data)
        self.stream.write(data)
        return len(text)


def _csv_write(entries: Iterable[Entry], stream: IO[bytes]) -> tuple[int, str, int]:
    """Write the CSV; returns (rows, sha256 hex, bytes)."""
    sink = _HashingWriter(stream)
    writer = csv.writer(sink, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = 0
    for entry in entries:
        writer.writerow(_row(entry))
        rows += 1
    return rows, sink.digest.hexdigest(), sink.size


def manifest_sign(manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` with ``key_id`` and ``signature`` (over everything else) added."""
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    unsigned["key_id"] = key_id()
    return {**unsigned, "signature": sign(canonical_json(unsigned))}


def connlog_export_write(
    *,
    actor: User,
    reason: str,
    stream: IO[bytes],
    file_name: str,
    account: str | None = None,
    ip: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    os_user: str | None = None,
    channel: str = "cli",
    request: HttpRequest | None = None,
) -> dict[str, Any]:
    """Write the CSV of the matching entries to ``stream`` and return its signed manifest.

    Refused like :func:`garde.connlogs.queries.connlog_query` (role, then reason, then filter)
    before anything is written. Audited as ``connlogs.exported``."""
    connlog_check_actor(actor)
    reason = connlog_check_reason(reason)
    flt = connlog_filter_build(account=account, ip=ip, start=start, end=end)
    rows, digest, size = _csv_write(connlog_iter(flt), stream)
    operator: dict[str, Any] = {"id": actor.pk, "email": actor.email}
    if os_user:
        operator["os_user"] = os_user
    manifest = manifest_sign(
        {
            "format": FORMAT,
            "file": file_name,
            "sha256": digest,
            "bytes": size,
            "rows": rows,
            "columns": list(COLUMNS),
            "filter": flt.as_dict(),
            "reason": reason,
            "operator": operator,
            "created_at": _ts(timezone.now()),
            "origin": getattr(settings, "GARDE_CONNLOGS_ORIGIN", ""),
        }
    )
    with transaction.atomic(using="default"):
        audit_record(
            action="connlogs.exported",
            actor=actor,
            request=request,
            details={
                "reason": reason,
                "filter": flt.as_dict(),
                "rows": rows,
                "file": file_name,
                "sha256": digest,
                "channel": channel,
                **({"os_user": os_user} if os_user else {}),
            },
        )
    return manifest


def manifest_path_for(csv_path: Path) -> Path:
    return csv_path.with_name(csv_path.name + MANIFEST_SUFFIX)


def connlog_export(
    *,
    actor: User,
    reason: str,
    out: Path,
    account: str | None = None,
    ip: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    os_user: str | None = None,
) -> dict[str, Any]:
    """Write ``out`` and ``out.manifest.json``; returns the manifest. The CSV is written to a
    temporary name first, so a failed export leaves no file that looks complete."""
    temporary = out.with_name(f".{out.name}.partial")
    try:
        with temporary.open("wb") as stream:
            manifest = connlog_export_write(
                actor=actor,
                reason=reason,
                stream=stream,
                file_name=out.name,
                account=account,
                ip=ip,
                start=start,
                end=end,
                os_user=os_user,
            )
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    manifest_path_for(out).write_text(
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return manifest


@dataclass
class ExportCheck:
    ok: bool
    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


def manifest_verify(manifest: dict[str, Any], *, key: Ed25519PublicKey | None = None) -> list[str]:
    """Problems with the manifest's signature (empty when it was signed by ``key``, by default
    Garde's own public key)."""
    key = key or public_key()
    problems = []
    if manifest.get("key_id") != key_id(key):
        problems.append(f"manifest signed by key {manifest.get('key_id')!r}, not {key_id(key)}")
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    try:
        signature = base64.b64decode(str(manifest.get("signature", "")), validate=True)
        key.verify(signature, canonical_json(unsigned))
    except (InvalidSignature, ValueError):
        problems.append("manifest signature does not verify")
    return problems


def export_verify(
    csv_path: Path, *, manifest_path: Path | None = None, key: Ed25519PublicKey | None = None
) -> ExportCheck:
    """Check an export: the manifest's signature, then the CSV's hash, size and row count."""
    manifest_path = manifest_path or manifest_path_for(csv_path)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return ExportCheck(ok=False, problems=[f"cannot read the manifest: {error}"])
    if not isinstance(manifest, dict):
        return ExportCheck(ok=False, problems=["the manifest is not a JSON object"])
    problems = manifest_verify(manifest, key=key)
    digest, size = hashlib.sha256(), 0
    try:
        with csv_path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        with csv_path.open(encoding="utf-8", newline="") as handle:
            rows = sum(1 for _ in csv.reader(handle)) - 1
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return ExportCheck(ok=False, problems=[*problems, f"cannot read the CSV: {error}"])
    if digest.hexdigest() != manifest.get("sha256"):
        problems.append(
            f"SHA-256 of {csv_path.name} is {digest.hexdigest()}, "
            f"the manifest says {manifest.get('sha256')}"
        )
    if size != manifest.get("bytes"):
        problems.append(
            f"{csv_path.name} has {size} bytes, the manifest says {manifest.get('bytes')}"
        )
    if rows != manifest.get("rows"):
        problems.append(
            f"{csv_path.name} has {rows} rows, the manifest says {manifest.get('rows')}"
        )
    return ExportCheck(ok=not problems, problems=problems, manifest=manifest)
