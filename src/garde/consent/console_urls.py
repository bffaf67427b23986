"""Consent pages of the DPO console (site configurations) and the marketing dashboard of
consent-exempt statistics, under the language prefix."""

from django.urls import URLPattern, URLResolver, path

from garde.consent import console_views as views

app_name = "consent_console"

_SITE = "console/consent/sites/<slug:consent_site>/"
_PURPOSE = _SITE + "purposes/<slug:consent_purpose>/"
_SERVICE = _PURPOSE + "services/<int:consent_service>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("console/consent/", views.site_list_view, name="site_list"),
    path("console/consent/new/", views.site_create_view, name="site_create"),
    path(_SITE, views.site_detail_view, name="site_detail"),
    path(_SITE + "settings/", views.site_settings_view, name="site_settings"),
    path(_SITE + "texts/", views.site_texts_view, name="site_texts"),
    path(_SITE + "publish/", views.publish_view, name="publish"),
    path(_SITE + "purposes/new/", views.purpose_create_view, name="purpose_create"),
    path(_PURPOSE, views.purpose_edit_view, name="purpose_edit"),
    path(_PURPOSE + "remove/", views.purpose_remove_view, name="purpose_remove"),
    path(_PURPOSE + "services/new/", views.service_add_view, name="service_add"),
    path(_SERVICE + "remove/", views.service_remove_view, name="service_remove"),
    path(_SERVICE + "cookies/new/", views.cookie_add_view, name="cookie_add"),
    path(
        _SERVICE + "cookies/<int:consent_cookie>/remove/",
        views.cookie_remove_view,
        name="cookie_remove",
    ),
]
