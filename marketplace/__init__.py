"""Ruralmart's Django project and commerce domain.

Owns the settings, URLs and Celery app, and the domain apps beneath it: administrative
divisions, Party organisations and their shops, households, the catalog, channels,
inventory and accounts. Nothing here imports graphene: the API lives in `storefront_api`.
"""

from marketplace.celery import app as celery_app

__all__ = ["celery_app"]
