from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "garde.marketing"
    label = "marketing"
    verbose_name = "Marketing"
