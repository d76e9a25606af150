"""Background work for orders. Thin: load, send, record."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger("ruralmart.orders")


@shared_task(name="orders.send_order_placed_notifications", acks_late=True)
def send_order_placed_notifications(order_id: str) -> int:
    """Email the buyer and each shop's managers that an order was placed; returns how many
    emails went out. Scheduled by `checkout_complete` after commit. A recipient already
    recorded in an EMAIL_SENT event is skipped, so a retried task does not mail twice."""
    from marketplace.orders.notifications import order_placed_notify

    return order_placed_notify(order_id=order_id)
