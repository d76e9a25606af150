from django.apps import AppConfig


class DivisionsConfig(AppConfig):
    name = "marketplace.divisions"
    label = "divisions"
    verbose_name = "Administrative divisions"
