"""Background work for payments. Thin: each task calls a service; all are safe to repeat
and to run concurrently (the services lock and de-duplicate).

Periodic (see CELERY_BEAT_SCHEDULE): `payments.reconcile_pending` asks Alipay about quiet
open trades; `payments.close_expired` closes trades unpaid after the payment timeout and
frees their reservations. On commit: `payments.close_transaction` for an attempt another
one superseded, `payments.send_order_paid_notifications` when a payment completes an
existing order.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger("ruralmart.payments")


@shared_task(name="payments.reconcile_pending", acks_late=True)
def reconcile_pending() -> dict[str, int]:
    from marketplace.payments.alipay.gateway import AlipayError
    from marketplace.payments.selectors import transactions_due_for_reconcile
    from marketplace.payments.services import transaction_reconcile

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
    from marketplace.payments.selectors import transactions_due_for_close
    from marketplace.payments.services import transaction_close

    outcomes: dict[str, int] = {}
    for pk in transactions_due_for_close(now=timezone.now()):
        outcome = transaction_close(transaction_id=pk)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(name="payments.close_transaction", acks_late=True)
def close_transaction(transaction_id: int) -> str:
    from marketplace.payments.services import transaction_close

    return transaction_close(transaction_id=transaction_id)


@shared_task(name="payments.send_order_paid_notifications", acks_late=True)
def send_order_paid_notifications(order_id: str) -> int:
    from marketplace.payments.notifications import order_paid_notify

    return order_paid_notify(order_id=order_id)
