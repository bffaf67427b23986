from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class RetentionConfig(AppConfig):
    name = "garde.retention"
    label = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        # Each app registers the purge handlers of its stores in garde.<app>.retention.
        autodiscover_modules("retention")
