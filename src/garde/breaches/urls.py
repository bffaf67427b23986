"""breaches pages (public pages and console), under the language prefix."""

from django.urls import URLPattern, URLResolver, path

from garde.breaches.views import console, exports, portal

app_name = "breaches"
urlpatterns: list[URLPattern | URLResolver] = [
    path("console/breaches/", console.console_list_view, name="console_list"),
    path("console/breaches/new/", console.console_new_view, name="console_new"),
    path(
        "console/breaches/export/<str:format>/",
        exports.register_export_view,
        name="console_export",
    ),
    path("console/breaches/<int:pk>/", console.console_detail_view, name="console_detail"),
    path("console/breaches/<int:pk>/edit/", console.console_edit_view, name="console_edit"),
    path(
        "console/breaches/<int:pk>/notifications/<int:notification_id>/<str:format>/",
        exports.notification_export_view,
        name="console_notification",
    ),
    path("portal/rgpd/breach-notices/", portal.portal_list_view, name="portal_list"),
    path("portal/rgpd/breach-notices/<int:pk>/", portal.portal_detail_view, name="portal_detail"),
]
