from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "garde.requests"
    label = "requests"
    verbose_name = "RGPD requests"
