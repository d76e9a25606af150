"""Celery finds tasks in each app's `tasks` module; the logistics tasks live in subpackages."""

from logistics.parcels.tasks import parcels_remind_or_return  # noqa: F401
from logistics.shipments.tasks import (  # noqa: F401
    notify_buyer,
    remind_or_return_uncollected,
    subscribe_tracking,
)
