"""Consent URLs outside the language prefix, at fixed addresses other websites embed."""

from django.urls import path

from garde.consent import views

public_urlpatterns = (
    [
        path(".well-known/gpc.json", views.gpc_json_view, name="gpc"),
        path("consent/garde-consent.js", views.consent_script_view, name="script"),
    ],
    "consent_public",
)
