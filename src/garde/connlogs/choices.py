from __future__ import annotations

from django.db import models


class SegmentStatus(models.TextChoices):
    """A segment is open while its UTC day lasts, closed (final head signed) afterwards, and
    purged once every entry is more than a year old (its rows gone, its heads and purge record
    kept)."""

    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    PURGED = "purged", "Purged"
