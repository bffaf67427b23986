from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "garde.accounts"
    label = "accounts"
    verbose_name = "Accounts"
