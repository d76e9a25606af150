from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "logistics"
    label = "logistics"
    verbose_name = "Logistics"
