"""Celery finds tasks in each app's `tasks` module; the logistics tasks live in subpackages."""

from logistics.shipments.tasks import (  # noqa: F401
    notify_buyer,
    remind_or_return_uncollected,
    subscribe_tracking,
)
