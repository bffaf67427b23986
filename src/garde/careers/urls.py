"""careers pages (public pages and console), under the language prefix. Each views module
holds its own ``urlpatterns``."""

from django.urls import URLPattern, URLResolver

from garde.careers.views import console, public

app_name = "careers"
urlpatterns: list[URLPattern | URLResolver] = [*public.urlpatterns, *console.urlpatterns]
