from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.i18n import set_language

from garde.api.assembly import api
from garde.connlogs.urls import public_urlpatterns as connlogs_public_urlpatterns
from garde.consent.stats_urls import public_urlpatterns as stats_public_urlpatterns
from garde.consent.urls import public_urlpatterns as consent_public_urlpatterns
from garde.core.permissions import public
from garde.web.views import not_found_view

handler404 = not_found_view

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("", include(connlogs_public_urlpatterns)),
    path("", include(consent_public_urlpatterns)),
    path("", include(stats_public_urlpatterns)),
    path("", include("garde.consent.demo_urls")),
]
urlpatterns += i18n_patterns(
    path("accounts/", include("garde.accounts.urls")),
    path("", include("garde.api.urls")),
    path("", include("garde.breaches.urls")),
    path("", include("garde.careers.urls")),
    path("", include("garde.connlogs.urls")),
    path("", include("garde.consent.console_urls")),
    path("", include("garde.consent.stats_urls")),
    path("", include("garde.dsr.urls")),
    path("", include("garde.dsr.console_urls")),
    path("", include("garde.dsr.run_urls")),
    path("", include("garde.marketing.urls")),
    path("", include("garde.register.urls")),
    path("", include("garde.requests.urls")),
    path("", include("garde.retention.urls")),
    path("", include("garde.web.urls")),
    prefix_default_language=False,
)
