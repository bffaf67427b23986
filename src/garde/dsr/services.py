"""State changes of the data map: importing datasets, adding and testing systems. Each writes
its audit event in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from garde.core.crypto import encrypt_text
from garde.core.errors import GardeError, NotFoundError
from garde.core.services import audit_record
from garde.dsr.choices import SystemType
from garde.dsr.connectors.base import ConnectorError, connector_create, connector_types
from garde.dsr.datasets import dataset_categories, dataset_parse, dataset_to_yaml, spec_to_dict
from garde.dsr.models import SECRET_QUERY_KEYS, Dataset, DataSystem
from garde.register.models import DataCategory

if TYPE_CHECKING:
    from garde.accounts.models import User


@transaction.atomic
def dataset_import(
    *, text: str, filename: str, actor: User | None, system: DataSystem | None = None
) -> list[Dataset]:
    """Import every dataset of a Fides dataset file, or none: a file with any problem raises
    ``DatasetInvalidError`` before anything is written. A dataset whose fides_key is already
    stored replaces it. With ``system``, the datasets are tied to it."""
    specs = dataset_parse(text, filename=filename)
    by_key = {c.key: c for c in DataCategory.objects.all()}
    imported: list[Dataset] = []
    for spec in specs:
        # A one-dataset file is kept as written (comments included); otherwise its own part.
        yaml_text = text if len(specs) == 1 else dataset_to_yaml(spec)
        existing = Dataset.objects.filter(fides_key=spec.fides_key).first()
        dataset = existing or Dataset(fides_key=spec.fides_key)
        dataset.name = spec.name
        dataset.yaml_text = yaml_text
        dataset.spec = spec_to_dict(spec)
        dataset.imported_at = timezone.now()
        dataset.imported_by = actor if actor is not None and actor.pk is not None else None
        if system is not None:
            dataset.system = system
        dataset.save()
        dataset.data_categories.set([by_key[k] for k in sorted(dataset_categories(spec))])
        audit_record(
            action="dsr.dataset_imported",
            actor=actor,
            obj=dataset,
            details={
                "fides_key": spec.fides_key,
                "filename": filename,
                "collections": len(spec.collections),
                "replaced": existing is not None,
                "system": system.name if system is not None else None,
            },
        )
        imported.append(dataset)
    return imported


@transaction.atomic
def system_add(
    *,
    name: str,
    type: str,
    url: str,
    actor: User | None,
    datasets: Iterable[str] = (),
    description: str = "",
) -> DataSystem:
    """Add a system; its URL is stored encrypted. ``datasets`` are fides_keys of imported
    datasets to tie to it."""
    if not name or slugify(name) != name:
        raise GardeError(
            f"invalid system name '{name}' (lowercase letters, digits and hyphens)",
            field="name",
            code="dsr_system_name_invalid",
        )
    if type not in SystemType.values:
        raise GardeError(f"unknown system type '{type}'", field="type", code="dsr_system_type")
    if not url:
        raise GardeError("a connection URL is required", field="url", code="dsr_system_url")
    if DataSystem.objects.filter(name=name).exists():
        raise GardeError(
            f"a system named '{name}' already exists", field="name", code="dsr_system_exists"
        )
    keys = list(dict.fromkeys(datasets))
    found = {d.fides_key: d for d in Dataset.objects.filter(fides_key__in=keys)}
    missing = [k for k in keys if k not in found]
    if missing:
        raise NotFoundError(f"no dataset {', '.join(missing)}", field="datasets")
    system = DataSystem.objects.create(
        name=name, type=type, url_encrypted=encrypt_text(url), description=description
    )
    for dataset in found.values():
        dataset.system = system
        dataset.save(update_fields=["system"])
    audit_record(
        action="dsr.system_added",
        actor=actor,
        obj=system,
        details={"name": name, "type": type, "datasets": keys},
    )
    return system


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str


def _redact(message: str, url: str) -> str:
    """The message without any secret of the URL, whatever a driver put in it."""
    parts = urlsplit(url)
    secrets = [parts.password or ""]
    secrets += [
        v for k, v in parse_qsl(parts.query) if any(s in k.lower() for s in SECRET_QUERY_KEYS)
    ]
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        message = message.replace(secret, "***").replace(quote(secret, safe=""), "***")
    return message


def _connection_check(system: DataSystem) -> ConnectionResult:
    """Ask the system's connector to answer a trivial request (``SELECT 1``, ``PING``...)."""
    url = system.url
    if system.type == SystemType.INTERNAL and SystemType.INTERNAL not in connector_types():
        return ConnectionResult(True, "ok (Garde's own store)")
    try:
        connector = connector_create(system.type, url)
    except ConnectorError as error:
        return ConnectionResult(False, _redact(str(error), url))
    try:
        connector.test_connection()
    except ConnectorError as error:
        return ConnectionResult(False, _redact(str(error), url))
    except Exception as error:  # a driver bug must not hide the result from the operator
        return ConnectionResult(False, _redact(f"{type(error).__name__}: {error}", url))
    finally:
        connector.close()
    return ConnectionResult(True, "ok")


def system_test(*, system: DataSystem, actor: User | None = None) -> DataSystem:
    """Try the system's connection (read-only, ``SELECT 1`` for databases) and record the
    result on the system. The attempt runs outside any transaction: it may take seconds."""
    result = _connection_check(system)
    with transaction.atomic():
        system.last_tested_at = timezone.now()
        system.last_test_ok = result.ok
        system.last_test_message = result.message
        system.save(update_fields=["last_tested_at", "last_test_ok", "last_test_message"])
        audit_record(
            action="dsr.system_tested",
            actor=actor,
            obj=system,
            details={"ok": result.ok, "message": result.message},
        )
    return system
