from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "garde.retention"
    label = "retention"
    verbose_name = "Retention"
