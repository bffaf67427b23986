from django.apps import AppConfig


class BreachesConfig(AppConfig):
    name = "garde.breaches"
    label = "breaches"
    verbose_name = "Breach register"
