from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "marketplace.supervision"
    label = "supervision"
    verbose_name = "Township supervision"
