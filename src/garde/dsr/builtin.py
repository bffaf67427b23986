"""Garde's own stores as a built-in system of the data map, so one engine answers for
everything: the system ``garde`` (type internal) and the datasets of ``dsr/builtin/*.yml``.

Each app that keeps personal data adds its own file there (accounts and requests now;
marketing, careers, consent and connection logs later). Files are imported in name order, so a
file may reference datasets of files sorted before it (``garde_accounts`` first).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from garde.core.crypto import encrypt_text
from garde.core.services import audit_record
from garde.dsr.choices import SystemType
from garde.dsr.models import Dataset, DataSystem
from garde.dsr.services import dataset_import

if TYPE_CHECKING:
    from garde.accounts.models import User

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
BUILTIN_SYSTEM = "garde"
BUILTIN_URL = "internal:"
BUILTIN_DESCRIPTION = "Garde's own stores (accounts, requests and the other apps' data)"


def builtin_files() -> list[Path]:
    """Every built-in dataset file, in import order."""
    return sorted(BUILTIN_DIR.glob("*.yml"))


@transaction.atomic
def builtin_sync(*, actor: User | None = None) -> list[Dataset]:
    """Create (or bring back to its built-in settings) the internal system ``garde`` and import
    every built-in dataset tied to it. Idempotent: a dataset already imported with the same text
    is left as it is, so running it at every start writes nothing new. All or nothing: a
    built-in file with a problem raises ``DatasetInvalidError`` and nothing is changed."""
    system = DataSystem.objects.filter(name=BUILTIN_SYSTEM).first()
    created = system is None
    if system is None:
        system = DataSystem.objects.create(
            name=BUILTIN_SYSTEM,
            type=SystemType.INTERNAL,
            url_encrypted=encrypt_text(BUILTIN_URL),
            description=BUILTIN_DESCRIPTION,
        )
    elif system.type != SystemType.INTERNAL or system.url != BUILTIN_URL:
        # Someone pointed the built-in system elsewhere: it only ever means Garde's own stores.
        system.type = SystemType.INTERNAL
        system.url_encrypted = encrypt_text(BUILTIN_URL)
        system.save(update_fields=["type", "url_encrypted"])
    datasets: list[Dataset] = []
    imported: list[str] = []
    for path in builtin_files():
        text = path.read_text(encoding="utf-8")
        current = Dataset.objects.filter(yaml_text=text, system=system).first()
        if current is not None:
            datasets.append(current)
            continue
        batch = dataset_import(text=text, filename=path.name, actor=actor, system=system)
        datasets += batch
        imported += [d.fides_key for d in batch]
    if created or imported:
        audit_record(
            action="dsr.builtin_synced",
            actor=actor,
            obj=system,
            details={"system_created": created, "datasets_imported": imported},
        )
    return datasets


def demo_load() -> list[str]:
    """Demo loader (``garde demo``): the built-in system and its datasets."""
    datasets = builtin_sync()
    keys = ", ".join(d.fides_key for d in datasets)
    return [f"dsr: built-in system '{BUILTIN_SYSTEM}' with datasets {keys}"]


__all__ = ["BUILTIN_DIR", "BUILTIN_SYSTEM", "builtin_files", "builtin_sync", "demo_load"]
