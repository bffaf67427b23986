"""Public URLs of the fulfilment engine: the access package's download link."""

from django.urls import path

from garde.dsr import views

app_name = "dsr"

urlpatterns = [
    path("paquet/<str:token>/", views.package_view, name="package"),
    path("paquet/<str:token>/telecharger/", views.package_download_view, name="package_download"),
]
