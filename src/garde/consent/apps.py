from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "garde.consent"
    label = "consent"
    verbose_name = "Cookie consent"
