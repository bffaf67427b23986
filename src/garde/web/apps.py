from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "garde.web"
    label = "web"
    verbose_name = "Web shell"
