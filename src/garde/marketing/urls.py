"""marketing pages (public pages and console), under the language prefix."""

from django.urls import URLPattern, URLResolver

app_name = "marketing"
urlpatterns: list[URLPattern | URLResolver] = []
