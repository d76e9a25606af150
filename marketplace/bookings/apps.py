from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "marketplace.bookings"
    label = "bookings"
    verbose_name = "Tourism bookings"
