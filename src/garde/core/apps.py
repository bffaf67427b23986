from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "garde.core"
    label = "core"
    verbose_name = "Garde core"
