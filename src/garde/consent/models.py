"""Cookie consent: the sites that embed the banner, each published version of their
configuration, and the consent records that prove each visitor's choice (GDPR art. 7(1))."""

from __future__ import annotations

from django.db import models

from garde.consent.choices import ConsentLanguage, ConsentMethod

# CNIL: a choice is kept 6 months by default; no cookie lives more than 13 months (395 days).
LIFETIME_DEFAULT_DAYS = 182
LIFETIME_MAX_DAYS = 395
VISITOR_MIN = 22
VISITOR_MAX = 64


class ConsentSite(models.Model):
    """A website of the operator that embeds ``garde-consent.js`` with ``data-site=<key>``.

    ``draft`` is the configuration the DPO edits (cookie name and domain, texts, purposes with
    their services and cookies); ``published`` is the copy the banner is served, frozen by
    ``consent_site_publish``, which bumps ``version`` (0: never published) and keeps every
    version in ``ConsentSiteVersion``. ``text_version`` is the SHA-256 of the published texts.
    """

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    draft = models.JSONField(default=dict, blank=True)
    published = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=0)
    text_version = models.CharField(max_length=64, blank=True)
    lifetime_days = models.PositiveIntegerField(default=LIFETIME_DEFAULT_DAYS)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} (v{self.version})"


class ConsentSiteVersion(models.Model):
    """One published configuration, kept so the exact banner behind any record can be shown
    again (CNIL 2020-092 art. 4, proof of consent)."""

    site = models.ForeignKey(ConsentSite, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    config = models.JSONField()
    text_version = models.CharField(max_length=64)
    lifetime_days = models.PositiveIntegerField()
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["site", "version"]
        constraints = [
            models.UniqueConstraint(fields=["site", "version"], name="consent_site_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.site_id} v{self.version}"


class ConsentRecord(models.Model):
    """One choice of one visitor: the evidence that consent was given or refused.

    ``visitor`` is the random pseudonymous id from the consent cookie; no IP address and no user
    agent are stored. ``choices`` maps each non-required purpose to a boolean.
    """

    site = models.ForeignKey(ConsentSite, on_delete=models.PROTECT, related_name="records")
    version = models.PositiveIntegerField()
    visitor = models.CharField(max_length=VISITOR_MAX)
    choices = models.JSONField()
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    language = models.CharField(max_length=2, choices=ConsentLanguage.choices)
    text_version = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [
            models.Index(fields=["site", "visitor"], name="consent_rec_site_visitor"),
            models.Index(fields=["recorded_at"], name="consent_rec_recorded_at"),
        ]

    def __str__(self) -> str:
        return f"{self.visitor} {self.method} v{self.version}"


from garde.consent.stats_models import *  # noqa: E402, F403
