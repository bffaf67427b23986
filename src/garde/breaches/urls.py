"""breaches pages (public pages and console), under the language prefix."""

from django.urls import URLPattern, URLResolver

app_name = "breaches"
urlpatterns: list[URLPattern | URLResolver] = []
