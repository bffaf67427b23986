"""State changes of the data map: importing datasets, adding and testing systems. Each writes
its audit event in the same transaction."""

from __future__ import annotations

import sqlite3
import urllib.request
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from importlib.util import find_spec
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from garde.core.crypto import encrypt_text
from garde.core.errors import GardeError, NotFoundError
from garde.core.services import audit_record
from garde.dsr.choices import SystemType
from garde.dsr.datasets import dataset_categories, dataset_parse, dataset_to_yaml, spec_to_dict
from garde.dsr.models import Dataset, DataSystem
from garde.register.models import DataCategory

if TYPE_CHECKING:
    from garde.accounts.models import User

CONNECT_TIMEOUT_SECONDS = 5
# Python packages a connection test needs per system type; none is a Garde dependency.
DRIVERS = {SystemType.MYSQL: ("MySQLdb", "pymysql"), SystemType.REDIS: ("redis",)}


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


def _test_sqlite(url: str) -> ConnectionResult:
    # sqlite:////abs/path.db or sqlite:///relative.db, as in SQLAlchemy and dj-database-url.
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    if not path:
        return ConnectionResult(False, "no database file in the URL")
    try:
        with closing(
            sqlite3.connect(
                f"file:{quote(path)}?mode=ro", uri=True, timeout=CONNECT_TIMEOUT_SECONDS
            )
        ) as connection:
            connection.execute("SELECT 1").fetchone()
    except sqlite3.Error as error:
        return ConnectionResult(False, f"{error} ({path})")
    return ConnectionResult(True, "ok")


def _test_postgres(url: str) -> ConnectionResult:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS) as connection:
            connection.execute("SELECT 1").fetchone()
    except psycopg.Error as error:
        return ConnectionResult(
            False, str(error).strip().splitlines()[0] if str(error) else "error"
        )
    return ConnectionResult(True, "ok")


def _test_http(url: str) -> ConnectionResult:
    if not url.startswith(("http://", "https://")):
        return ConnectionResult(False, "the URL must start with http:// or https://")
    try:
        with urllib.request.urlopen(url, timeout=CONNECT_TIMEOUT_SECONDS) as response:  # noqa: S310 -- scheme checked above
            status = response.status
    except OSError as error:
        return ConnectionResult(False, str(error))
    return ConnectionResult(200 <= status < 400, f"HTTP {status}")


def _connection_check(system: DataSystem) -> ConnectionResult:
    url = system.url
    if system.type == SystemType.SQLITE:
        return _test_sqlite(url)
    if system.type == SystemType.POSTGRES:
        return _test_postgres(url)
    if system.type == SystemType.HTTP:
        return _test_http(url)
    if system.type == SystemType.INTERNAL:
        return ConnectionResult(True, "ok (Garde's own store)")
    drivers = DRIVERS.get(SystemType(system.type), ())
    if not any(find_spec(d) is not None for d in drivers):
        return ConnectionResult(False, "driver not installed")
    return ConnectionResult(False, "no connection test for this type yet")


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
