from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "marketplace.oversight"
    label = "oversight"
    verbose_name = "Township oversight figures"
