"""Consent-exempt audience statistics: page views counted per site, page and day, and nothing
else (CNIL délibération 2020-091, audience-measurement exemption; LEGAL-RULES R-57)."""

from __future__ import annotations

from django.db import models

from garde.consent.models import ConsentSite

__all__ = ["STATS_PATH_MAX", "PageViewDay"]

STATS_PATH_MAX = 255


class PageViewDay(models.Model):
    """How many times one page of one site was viewed on one day: an anonymous aggregate.

    No row holds anything about a visitor (no IP address, user agent, cookie, identifier or
    time of day); ``path`` is normalised before counting (see ``stats_path_normalise``).
    ``day`` is the date in the project's time zone (``TIME_ZONE``, Europe/Paris), the calendar
    the operator's marketing team reads its figures in. An increment is one
    ``INSERT ... ON CONFLICT DO UPDATE`` (``stats_hit_record``).
    """

    site = models.ForeignKey(ConsentSite, on_delete=models.PROTECT, related_name="page_views")
    path = models.CharField(max_length=STATS_PATH_MAX)
    day = models.DateField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["site", "day", "path"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "path", "day"], name="consent_page_view_day_unique"
            )
        ]
        indexes = [models.Index(fields=["site", "day"], name="consent_pvd_site_day")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.day} {self.path}: {self.count}"
