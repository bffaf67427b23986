from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "garde.api"
    label = "api"
    verbose_name = "API"
