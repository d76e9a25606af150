"""Background work for orders. Thin: load, send, record."""

from __future__ import annotations

import logging

from celery import shared_task

from marketplace.orders.notifications import order_canceled_notify, order_placed_notify

logger = logging.getLogger("ruralmart.orders")


@shared_task(name="orders.send_order_placed_notifications", acks_late=True)
def send_order_placed_notifications(order_id: str) -> int:
    """Email the buyer and each shop's managers that an order was placed; returns how many
    emails went out. Scheduled by `checkout_complete` after commit. A recipient already
    recorded in an EMAIL_SENT event is skipped, so a retried task does not mail twice."""
    return order_placed_notify(order_id=order_id)


@shared_task(name="orders.send_order_canceled_notifications", acks_late=True)
def send_order_canceled_notifications(order_id: str, shop_order_ids: list[int]) -> int:
    """Email the buyer that these shop orders were cancelled; scheduled after commit by the
    cancellation services. Shop orders already announced are skipped on a retry."""
    return order_canceled_notify(order_id=order_id, shop_order_ids=shop_order_ids)
