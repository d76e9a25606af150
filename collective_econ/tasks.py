"""Background settlement (beat: collective-econ-settle-due), the recovery of payouts
stuck PENDING (beat: collective-econ-recover-stuck-payouts) and the monthly period close
(beat: collective-econ-close-last-month). Thin: find, call, count."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from collective_econ.settlement.batch import order_lines_settle_batch
from collective_econ.settlement.selectors import refund_ids_to_claw_back
from collective_econ.settlement.services import refund_clawback
from marketplace.payments.models import Refund

logger = logging.getLogger("ruralmart.collective_econ")


def settle_due_lines(*, batch_size: int | None = None, max_batches: int = 50) -> dict[str, int]:
    """Settle due lines batch by batch, each batch in one database transaction of a
    constant number of statements (a line that cannot settle is logged and left for the
    next run), then claw back refunds after settlement. Safe to run twice at once: workers
    take disjoint lines, and each line and refund posts once."""
    size = batch_size or settings.SETTLEMENT_BATCH_SIZE
    counts = {"settled": 0, "skipped": 0, "clawbacks": 0}
    after_pk = 0
    for _ in range(max_batches):
        batch = order_lines_settle_batch(limit=size, after_pk=after_pk)
        for line_id, reason in batch.refused.items():
            logger.warning("line %s not settled: %s", line_id, reason)
        counts["settled"] += len(batch.settled)
        counts["skipped"] += len(batch.refused) + len(batch.already_settled)
        if batch.fetched < size:
            break
        after_pk = batch.last_pk
    for refund_id in refund_ids_to_claw_back(limit=size):
        counts["clawbacks"] += len(refund_clawback(refund=Refund.objects.get(pk=refund_id)))
    return counts


@shared_task(name="collective_econ.settle_due", acks_late=True)
def settle_due() -> dict[str, int]:
    return settle_due_lines()


@shared_task(name="collective_econ.recover_stuck_payouts", acks_late=True)
def recover_stuck_payouts() -> dict[str, int]:
    # Imported here: the adapter pulls in the Alipay SDK, which settlement does not need.
    from collective_econ.payouts.alipay_transfer import transfer_adapter_from_settings
    from collective_econ.payouts.services import payouts_recover_stuck

    return payouts_recover_stuck(adapter=transfer_adapter_from_settings())


@shared_task(name="collective_econ.close_last_month", acks_late=True)
def close_last_month() -> int | None:
    """Close the month that ended last; the id of its close (None: still in the grace).
    Idempotent per month, so an hourly beat closes each month once, soon after its end,
    even when the beat was down at midnight."""
    from collective_econ.ledger.services import period_close_last_month

    close = period_close_last_month()
    return close.pk if close is not None else None
