"""Consent pages of the DPO console (site configurations) and the marketing dashboard of
consent-exempt statistics, under the language prefix."""

from django.urls import URLPattern, URLResolver

app_name = "consent_console"
urlpatterns: list[URLPattern | URLResolver] = []
