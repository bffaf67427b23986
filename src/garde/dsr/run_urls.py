"""Console URLs of the fulfilment runs: started from a rights request, followed and reviewed on
the run's page."""

from django.urls import path

from garde.dsr import run_views as views

app_name = "dsr_runs"

urlpatterns = [
    path("console/dsr/runs/", views.run_list_view, name="run_list"),
    path("console/dsr/runs/receipt-key.pem", views.receipt_key_view, name="receipt_key"),
    path("console/dsr/runs/<int:pk>/", views.run_detail_view, name="run_detail"),
    path("console/dsr/runs/<int:pk>/progress/", views.run_progress_view, name="run_progress"),
    path("console/dsr/runs/<int:pk>/preview/", views.package_preview_view, name="package_preview"),
    path(
        "console/dsr/runs/<int:pk>/package/", views.package_download_view, name="package_download"
    ),
    path("console/dsr/runs/<int:pk>/release/", views.package_release_view, name="package_release"),
    path("console/dsr/runs/<int:pk>/apply/", views.erasure_apply_view, name="erasure_apply"),
    path(
        "console/dsr/runs/<int:pk>/receipt.json",
        views.receipt_download_view,
        name="receipt_download",
    ),
    path("console/dsr/runs/<int:pk>/receipt/send/", views.receipt_send_view, name="receipt_send"),
    path(
        "console/dsr/runs/<int:pk>/notifications/close/",
        views.notification_close_view,
        name="notification_close",
    ),
    path(
        "console/requests/<int:pk>/dsr/access/",
        views.request_access_start_view,
        name="request_access_start",
    ),
    path(
        "console/requests/<int:pk>/dsr/erasure/",
        views.request_erasure_start_view,
        name="request_erasure_start",
    ),
    path(
        "console/requests/<int:pk>/dsr/rectification/",
        views.request_rectification_view,
        name="request_rectification",
    ),
    path(
        "console/requests/<int:pk>/dsr/restriction/",
        views.request_restriction_view,
        name="request_restriction",
    ),
    path(
        "console/requests/<int:pk>/dsr/restriction/lift/",
        views.request_restriction_lift_view,
        name="request_restriction_lift",
    ),
]
