"""DPO console URLs of the fulfilment engine's data map and erasure settings."""

from django.urls import path

from garde.dsr import console_views as views

app_name = "dsr_console"

urlpatterns = [
    path("console/dsr/systems/", views.system_list_view, name="system_list"),
    path("console/dsr/systems/new/", views.system_add_view, name="system_add"),
    path(
        "console/dsr/systems/<slug:system_name>/",
        views.system_detail_view,
        name="system_detail",
    ),
    path(
        "console/dsr/systems/<slug:system_name>/test/",
        views.system_test_view,
        name="system_test",
    ),
    path("console/dsr/datasets/", views.dataset_list_view, name="dataset_list"),
    path("console/dsr/datasets/import/", views.dataset_import_view, name="dataset_import"),
    path(
        "console/dsr/datasets/<str:fides_key>/",
        views.dataset_detail_view,
        name="dataset_detail",
    ),
    path(
        "console/dsr/datasets/<str:fides_key>/export/",
        views.dataset_export_view,
        name="dataset_export",
    ),
    path("console/dsr/policies/", views.policy_list_view, name="policy_list"),
    path("console/dsr/policies/new/", views.policy_create_view, name="policy_create"),
    path(
        "console/dsr/policies/<int:policy_id>/",
        views.policy_edit_view,
        name="policy_edit",
    ),
    path(
        "console/dsr/policies/<int:policy_id>/delete/",
        views.policy_delete_view,
        name="policy_delete",
    ),
    path("console/dsr/keeps/", views.keep_list_view, name="keep_list"),
    path("console/dsr/keeps/new/", views.keep_create_view, name="keep_create"),
    path("console/dsr/keeps/<int:keep_id>/", views.keep_edit_view, name="keep_edit"),
    path(
        "console/dsr/keeps/<int:keep_id>/delete/",
        views.keep_delete_view,
        name="keep_delete",
    ),
]
