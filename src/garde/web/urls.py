from django.urls import path

from garde.web import views

app_name = "web"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("portal/", views.portal_home_view, name="portal_home"),
    path("portal/rgpd/", views.portal_rgpd_view, name="portal_rgpd"),
    path("portal/activity/", views.portal_activity_view, name="portal_activity"),
    path("console/", views.console_home_view, name="console_home"),
    path("console/audit/", views.console_audit_view, name="console_audit"),
]
