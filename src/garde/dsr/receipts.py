"""Signed erasure receipts, with Garde's Ed25519 signing key (``garde.core.signing``, re-exported
here for the callers that used to find it in this module).

A receipt's payload is canonical JSON (sorted keys, no spaces, UTF-8), so anyone holding the
payload, the base64 signature and the public key can check it with any Ed25519 library. It holds
counts and reasons, never the person's identities: only a salted SHA-256 of them, which the
person (knowing their own e-mail and the salt printed in the payload) can recompute.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import transaction
from django.utils import timezone

from garde.core.services import audit_record
from garde.core.signing import (
    key_dir,
    key_file_read_or_create,
    key_id,
    public_key,
    public_key_pem,
    sign,
    signing_key,
)
from garde.dsr.models import ErasureReceipt, FulfilmentRun

RECEIPT_VERSION = 1


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def identities_digest(identities: Mapping[str, object], salt: str) -> str:
    """SHA-256 hex of the salt and the identities in canonical form (types sorted, values as
    given): the requester can recompute it, nobody can read the identities back."""
    canonical = canonical_json({str(k): identities[k] for k in sorted(identities, key=str)})
    return hashlib.sha256(f"{salt}:{canonical}".encode()).hexdigest()


def receipt_payload(*, run: FulfilmentRun, salt: str | None = None) -> dict[str, Any]:
    """What a receipt states about an applied erasure run: counts per system, dataset and
    collection (rows masked, rows deleted), what was kept and why, and a salted hash of the
    identities."""
    result: dict[str, Any] = run.result or {}
    counts: dict[tuple[str, str, str], dict[str, int]] = {}
    for entry in result.get("collections", []):
        key = (entry["system"], entry["dataset"], entry["collection"])
        bucket = counts.setdefault(key, {"rows_masked": 0, "rows_deleted": 0})
        if entry["action"] == "delete":
            bucket["rows_deleted"] += int(entry.get("rows_changed", 0))
        else:
            bucket["rows_masked"] += int(entry.get("rows_changed", 0))
    salt = salt if salt is not None else secrets.token_hex(16)
    completed = run.finished_at or timezone.now()
    return {
        "version": RECEIPT_VERSION,
        "type": "erasure_receipt",
        "run": run.pk,
        "request": run.request.reference if run.request is not None else None,
        "completed_at": completed.isoformat(),
        "erased": [
            {"system": s, "dataset": d, "collection": c, **n}
            for (s, d, c), n in sorted(counts.items())
        ],
        "kept": [
            {
                "dataset": k["dataset"],
                "collection": k["collection"],
                "fields": k.get("fields", []),
                "reason_fr": k.get("reason_fr", ""),
                "reason_en": k.get("reason_en", ""),
                "legal_basis": k.get("legal_basis", ""),
            }
            for k in result.get("kept", [])
        ],
        "complete": not result.get("failures"),
        "identities_salt": salt,
        "identities_sha256": identities_digest(run.identities or {}, salt),
        "key_id": key_id(),
    }


@transaction.atomic
def receipt_create(*, run: FulfilmentRun) -> ErasureReceipt:
    """Sign and store the receipt of an applied erasure run (one per run: a second call returns
    the existing receipt). Records ``dsr.erasure_receipt_created``."""
    existing = ErasureReceipt.objects.filter(run=run).first()
    if existing is not None:
        return existing
    payload = canonical_json(receipt_payload(run=run))
    receipt = ErasureReceipt.objects.create(
        run=run, payload=payload, signature=sign(payload.encode()), key_id=key_id()
    )
    audit_record(
        action="dsr.erasure_receipt_created",
        actor=None,
        obj=receipt,
        details={"run": run.pk, "key_id": receipt.key_id},
    )
    return receipt


def receipt_verify(
    payload: str | bytes, signature: str, public_key: Ed25519PublicKey | str | None = None
) -> bool:
    """True when ``signature`` (base64) is a valid Ed25519 signature of ``payload`` by
    ``public_key`` (an object or PEM text; default: Garde's own key)."""
    if public_key is None:
        key: Ed25519PublicKey = signing_key().public_key()
    elif isinstance(public_key, str):
        loaded = serialization.load_pem_public_key(public_key.encode("ascii"))
        if not isinstance(loaded, Ed25519PublicKey):
            return False
        key = loaded
    else:
        key = public_key
    data = payload.encode() if isinstance(payload, str) else payload
    try:
        key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True


__all__ = [
    "canonical_json",
    "identities_digest",
    "key_dir",
    "key_file_read_or_create",
    "key_id",
    "public_key",
    "public_key_pem",
    "receipt_create",
    "receipt_payload",
    "receipt_verify",
    "sign",
    "signing_key",
]
