"""Newsletter URLs, included by ``garde.marketing.urls`` (namespace ``marketing``). The
public sign-up page is ``/newsletter/`` in French and ``/en/newsletter/`` in English."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from garde.marketing import newsletter_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("newsletter/", views.signup_view, name="newsletter_form"),
    path("newsletter/sent/", views.sent_view, name="newsletter_sent"),
    path("newsletter/confirm/<str:token>/", views.confirm_view, name="newsletter_confirm"),
    path(
        "newsletter/unsubscribe/<str:token>/",
        views.unsubscribe_view,
        name="newsletter_unsubscribe",
    ),
    path("console/newsletter/", views.console_view, name="newsletter_console"),
    path(
        "console/newsletter/mailings/new/",
        views.mailing_new_view,
        name="newsletter_mailing_new",
    ),
    path(
        "console/newsletter/mailings/<int:pk>/",
        views.mailing_detail_view,
        name="newsletter_mailing",
    ),
    path(
        "console/newsletter/mailings/<int:pk>/edit/",
        views.mailing_edit_view,
        name="newsletter_mailing_edit",
    ),
    path(
        "console/newsletter/mailings/<int:pk>/progress/",
        views.mailing_progress_view,
        name="newsletter_mailing_progress",
    ),
    path(
        "console/newsletter/mailings/<int:pk>/send/",
        views.mailing_send_view,
        name="newsletter_mailing_send",
    ),
    path(
        "console/newsletter/mailings/<int:pk>/resume/",
        views.mailing_resume_view,
        name="newsletter_mailing_resume",
    ),
    path("portal/contacts/", views.contacts_view, name="portal_contacts"),
    path(
        "portal/contacts/<int:pk>/delete/",
        views.contact_delete_view,
        name="portal_contact_delete",
    ),
]
