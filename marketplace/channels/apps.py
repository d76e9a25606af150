from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "marketplace.channels"
    label = "channels"
    verbose_name = "Channels"
