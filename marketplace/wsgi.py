"""WSGI entry point for gunicorn: `gunicorn marketplace.wsgi` (DATABASE_URL must be set)."""

import gc
import os
from importlib import import_module

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
application = get_wsgi_application()

# Load the URLconf and the GraphQL schema now rather than on the first request, then move
# everything loaded so far out of the garbage collector's sight. Those ~150,000 long-lived
# objects (models, schema, admin) never become garbage, yet every full collection walked
# them all: about 50 ms, landing on whichever request triggered it.
_urlpatterns = get_resolver().url_patterns
import_module("storefront_api.schema")
gc.freeze()
