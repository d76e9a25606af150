from django.apps import AppConfig


class AgencyConfig(AppConfig):
    name = "marketplace.agency"
    label = "agency"
    verbose_name = "Agency services (代办)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Alipay's bill registers itself as a reconciliation source on import.
        from marketplace.agency import alipay_bill  # noqa: F401
