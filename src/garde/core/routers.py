"""Database routing: connection logs on their own store, everything else on the main one."""

from __future__ import annotations

from typing import Any

DEDICATED_APPS = {"connlogs": "connlogs"}


class DedicatedStoreRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return DEDICATED_APPS.get(model._meta.app_label)

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return DEDICATED_APPS.get(model._meta.app_label)

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        db1 = DEDICATED_APPS.get(obj1._meta.app_label, "default")
        db2 = DEDICATED_APPS.get(obj2._meta.app_label, "default")
        return db1 == db2

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return DEDICATED_APPS.get(app_label, "default") == db
