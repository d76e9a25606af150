from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    """Holds the project-wide management commands (demo, load_demo_data, bench, worker)."""

    name = "marketplace"
    label = "marketplace"
    verbose_name = "Ruralmart"
