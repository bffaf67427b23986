from django.apps import AppConfig


class ConnlogsConfig(AppConfig):
    name = "garde.connlogs"
    label = "connlogs"
    verbose_name = "Connection logs"
