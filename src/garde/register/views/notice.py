"""Public privacy notice pages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
