"""marketing pages (public pages and console), under the language prefix.

The public paths are translated like the register's ``confidentialite/`` (``gettext_lazy``):
``/contact/`` and ``/rappel/`` in French, ``/en/contact/`` and ``/en/callback/`` in English."""

from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _

from garde.marketing import console_views, views

app_name = "marketing"
urlpatterns: list[URLPattern | URLResolver] = [
    path(_("contact/"), views.contact_view, name="contact"),
    path(_("rappel/"), views.callback_view, name="callback"),
    path("console/marketing/", console_views.console_list_view, name="console_list"),
    path(
        "console/marketing/<int:pk>/",
        console_views.console_detail_view,
        name="console_detail",
    ),
    path("", include("garde.marketing.newsletter_urls")),
]
