from django.apps import AppConfig


class AgencyConfig(AppConfig):
    name = "marketplace.agency"
    label = "agency"
    verbose_name = "Agency services (代办)"
    default_auto_field = "django.db.models.BigAutoField"
