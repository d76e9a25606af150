from django.apps import AppConfig


class CollectiveEconConfig(AppConfig):
    name = "collective_econ"
    label = "collective_econ"
    verbose_name = "Village collective economy"
