from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "garde.core"
    label = "core"
    verbose_name = "Garde core"

    def ready(self) -> None:
        from garde.core import checks  # noqa: F401 - registers the system checks
