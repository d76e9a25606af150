from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "marketplace.organisations"
    label = "organisations"
    verbose_name = "Party organisations, shops and households"
