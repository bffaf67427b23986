"""The data map of the fulfilment engine: systems (data stores with an encrypted connection) and
the fideslang datasets that describe them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import models
from django.utils import timezone

from garde.core.crypto import decrypt_text
from garde.dsr.choices import SystemType
from garde.dsr.datasets import spec_from_dict
from garde.dsr.spec import DatasetSpec

SECRET_QUERY_KEYS = ("password", "passwd", "pwd", "secret", "token", "key")
MASK = "***"


def url_mask(url: str) -> str:
    """The URL with its password (and secret-looking query parameters) replaced by ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, MASK if any(s in k.lower() for s in SECRET_QUERY_KEYS) else v) for k, v in pairs],
            safe="*",
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class DataSystem(models.Model):
    """A data store holding personal data, with its connection URL encrypted at rest. The URL is
    never shown back: ``connection_display`` masks its password."""

    name = models.SlugField(max_length=100, unique=True)
    type = models.CharField(max_length=20, choices=SystemType.choices)
    url_encrypted = models.TextField()
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        """The decrypted connection URL, for connectors only."""
        return decrypt_text(self.url_encrypted)

    @property
    def connection_display(self) -> str:
        return url_mask(self.url)


class Dataset(models.Model):
    """A fideslang dataset as imported. ``spec`` is the validated ``DatasetSpec`` in fideslang's
    plain structure, so the engine never re-parses YAML; ``yaml_text`` is what was imported."""

    fides_key = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200, blank=True)
    system = models.ForeignKey(
        DataSystem, null=True, blank=True, on_delete=models.SET_NULL, related_name="datasets"
    )
    yaml_text = models.TextField()
    spec = models.JSONField()
    data_categories = models.ManyToManyField(
        "register.DataCategory", blank=True, related_name="datasets"
    )
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["fides_key"]

    def __str__(self) -> str:
        return self.fides_key

    def spec_object(self) -> DatasetSpec:
        data: dict[str, Any] = self.spec
        return spec_from_dict(data)
