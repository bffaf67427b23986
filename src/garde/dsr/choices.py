from __future__ import annotations

from django.db import models


class SystemType(models.TextChoices):
    POSTGRES = "postgres", "PostgreSQL"
    MYSQL = "mysql", "MySQL / MariaDB"
    SQLITE = "sqlite", "SQLite"
    REDIS = "redis", "Redis"
    HTTP = "http", "HTTP / JSON API"
    INTERNAL = "internal", "Garde internal store"
