from django.apps import AppConfig


class CareersConfig(AppConfig):
    name = "garde.careers"
    label = "careers"
    verbose_name = "Careers"
