"""DPO console pages of the register."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
