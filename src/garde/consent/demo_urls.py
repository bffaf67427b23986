"""The banner's demo page, outside the language prefixes: ``/consent/demo/``. The banner
follows the page's ``lang`` (from the visitor's language choice or browser)."""

from django.urls import path

from garde.consent import demo_views

app_name = "consent_demo"

urlpatterns = [
    path("consent/demo/", demo_views.demo_page_view, name="page"),
    path("consent/demo/stats.js", demo_views.demo_stats_view, name="stats"),
    path("consent/demo/frame/", demo_views.demo_frame_view, name="frame"),
]
