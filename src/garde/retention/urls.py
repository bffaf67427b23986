from django.urls import path

from garde.retention import views

app_name = "retention"

urlpatterns = [
    path("console/retention/", views.console_view, name="console"),
    path(
        "console/retention/holds/<int:hold_id>/release/",
        views.hold_release_view,
        name="hold_release",
    ),
    path(
        "console/retention/sweeps/<int:sweep_id>/",
        views.sweep_detail_view,
        name="sweep_detail",
    ),
]
