from django.apps import AppConfig


class RedSupermarketConfig(AppConfig):
    name = "marketplace.red_supermarket"
    label = "red_supermarket"
    verbose_name = "Red Supermarket"
