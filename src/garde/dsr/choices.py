from __future__ import annotations

from django.db import models


class SystemType(models.TextChoices):
    POSTGRES = "postgres", "PostgreSQL"
    MYSQL = "mysql", "MySQL / MariaDB"
    SQLITE = "sqlite", "SQLite"
    REDIS = "redis", "Redis"
    HTTP = "http", "HTTP / JSON API"
    INTERNAL = "internal", "Garde internal store"


class RunKind(models.TextChoices):
    ACCESS = "access", "Access / portability"
    ERASURE = "erasure", "Erasure"
    RECTIFICATION = "rectification", "Rectification"
    RESTRICTION = "restriction", "Restriction"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    REVIEW = "review", "Ready for review"  # dry run or package built, waiting for a human
    APPLIED = "applied", "Applied"  # erasure / rectification / restriction written
    RELEASED = "released", "Released to the requester"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ErasureStrategy(models.TextChoices):
    NULL = "null", "Set to null"
    FIXED = "fixed", "Fixed string"
    HASH = "hash", "Keyed hash (HMAC-SHA-256)"
    RANDOM = "random", "Random string"
    DELETE = "delete", "Delete the row"
    KEEP = "keep", "Keep (legal obligation)"


class NotificationStatus(models.TextChoices):
    OPEN = "open", "To do"
    DONE = "done", "Notified"
    NOT_DONE = "not_done", "Not notified (reason given)"
