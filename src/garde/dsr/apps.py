from django.apps import AppConfig


class DsrConfig(AppConfig):
    name = "garde.dsr"
    label = "dsr"
    verbose_name = "Fulfilment engine"
