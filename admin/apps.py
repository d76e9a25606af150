from django.apps import AppConfig


class BackOfficeConfig(AppConfig):
    name = "admin"
    label = "backoffice"
    verbose_name = "Ruralmart back office"

    def ready(self) -> None:
        # Registering here, not in `<app>/admin.py`, keeps every admin class in this package.
        from admin import registry  # noqa: F401
