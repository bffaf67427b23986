"""URLs of the "RGPD" tab: the portal, the public form, the console. Each views module holds
its own ``urlpatterns``."""

from garde.requests.views import console, portal, public

app_name = "requests"

urlpatterns = [*portal.urlpatterns, *public.urlpatterns, *console.urlpatterns]
