"""Connection-log URLs: the console pages (under the language prefix) and the public key
(``public_urlpatterns``, mounted outside it at a fixed, well-known address)."""

from django.urls import path

from garde.connlogs import views

app_name = "connlogs"

urlpatterns = [
    path("console/connlogs/", views.search_view, name="search"),
    path("console/connlogs/export/", views.export_view, name="export"),
]

public_urlpatterns = (
    [path(".well-known/garde/connlogs-key", views.public_key_view, name="key")],
    "connlogs_public",
)
