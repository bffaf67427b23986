from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "garde.register"
    label = "register"
    verbose_name = "Register of processing"
