"""The project's URLs plus the statistics URLs if the project does not mount them (yet), for
the statistics tests (``pytest.mark.urls``)."""

from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.urls import URLPattern, URLResolver, include, path

from garde import urls as garde_urls
from garde.consent.stats_urls import public_urlpatterns


def _mounted(patterns: list[URLPattern | URLResolver], namespace: str) -> bool:
    return any(
        isinstance(entry, URLResolver)
        and (entry.namespace == namespace or _mounted(entry.url_patterns, namespace))
        for entry in patterns
    )


urlpatterns = list(garde_urls.urlpatterns)
if not _mounted(urlpatterns, "consent_stats_public"):
    urlpatterns.insert(0, path("", include(public_urlpatterns)))
if not _mounted(urlpatterns, "consent_stats"):
    urlpatterns += i18n_patterns(
        path("", include("garde.consent.stats_urls")), prefix_default_language=False
    )
handler404 = garde_urls.handler404
