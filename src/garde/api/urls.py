from django.urls import path

from garde.api import views

app_name = "api"

urlpatterns = [
    path("portal/api-keys/", views.portal_keys_view, name="portal_keys"),
    path(
        "portal/api-keys/<int:key_id>/revoke/",
        views.portal_key_revoke_view,
        name="portal_key_revoke",
    ),
    path("console/api-keys/", views.console_keys_view, name="console_keys"),
    path(
        "console/api-keys/<int:key_id>/revoke/",
        views.console_key_revoke_view,
        name="console_key_revoke",
    ),
]
