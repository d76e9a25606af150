"""Periodic work for payments (see CELERY_BEAT_SCHEDULE). Thin: each task calls a service;
all are safe to repeat and to run concurrently (the services lock and de-duplicate).

`payments.reconcile_pending` asks Alipay about quiet open trades; `payments.close_expired`
closes trades unpaid after the payment timeout and frees their reservations;
`orders.cancel_unpaid_counter_orders` cancels counter orders nobody paid. The tasks run on
commit live beside what they run: `payments.close_transaction` in `notify`,
`payments.send_order_paid_notifications` in `notifications`.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from marketplace.payments.alipay.gateway import AlipayError
from marketplace.payments.cancellation import orders_cancel_unpaid_at_counter
from marketplace.payments.notify import transaction_close, transaction_reconcile
from marketplace.payments.selectors import (
    transactions_due_for_close,
    transactions_due_for_reconcile,
)

logger = logging.getLogger("ruralmart.payments")


@shared_task(name="payments.reconcile_pending", acks_late=True)
def reconcile_pending() -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for pk in transactions_due_for_reconcile(now=timezone.now()):
        try:
            outcome = transaction_reconcile(transaction_id=pk)
        except AlipayError as exc:  # one unreachable trade must not stop the sweep
            logger.warning("Reconciling transaction %s failed: %s", pk, exc)
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(name="payments.close_expired", acks_late=True)
def close_expired() -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for pk in transactions_due_for_close(now=timezone.now()):
        outcome = transaction_close(transaction_id=pk)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


# The name keeps its orders. prefix: beat schedules stored by django-celery-beat name it.
@shared_task(name="orders.cancel_unpaid_counter_orders", acks_late=True)
def cancel_unpaid_counter_orders() -> int:
    """Cancel counter (cash) orders nobody paid within COUNTER_PAYMENT_DAYS, so their stock
    and booking days go back on sale. Returns how many orders were cancelled. Safe to
    repeat and to overlap: each order is re-checked under its lock."""
    return orders_cancel_unpaid_at_counter(now=timezone.now())
