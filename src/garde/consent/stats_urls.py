"""Audience statistics URLs: the script at a fixed address outside the language prefix
(``public_urlpatterns``), the marketing dashboard under it (``urlpatterns``)."""

from django.urls import path

from garde.consent import stats_views

app_name = "consent_stats"

urlpatterns = [
    path("console/stats/", stats_views.stats_dashboard_view, name="dashboard"),
    path("console/stats/export.csv", stats_views.stats_export_view, name="export"),
]

public_urlpatterns = (
    [path("consent/garde-stats.js", stats_views.stats_script_view, name="script")],
    "consent_stats_public",
)
