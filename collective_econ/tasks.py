"""Background settlement (beat: collective-econ-settle-due). Thin: find, call, count."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from collective_econ.settlement.selectors import line_ids_due, refund_ids_to_claw_back
from collective_econ.settlement.services import order_line_settle, refund_clawback
from marketplace.orders.models import OrderLine
from marketplace.payments.models import Refund

logger = logging.getLogger("ruralmart.collective_econ")


def settle_due_lines(*, batch_size: int | None = None, max_batches: int = 50) -> dict[str, int]:
    """Settle due lines batch by batch, each line in its own database transaction (a line
    that fails is logged and left for the next run), then claw back refunds after
    settlement. Safe to run twice at once: each line and refund posts once."""
    size = batch_size or settings.SETTLEMENT_BATCH_SIZE
    counts = {"settled": 0, "skipped": 0, "clawbacks": 0}
    after_pk = 0
    for _ in range(max_batches):
        ids = line_ids_due(now=timezone.now(), limit=size, after_pk=after_pk)
        if not ids:
            break
        after_pk = ids[-1]
        for line_id in ids:
            try:
                _, created = order_line_settle(line=OrderLine(pk=line_id))
            except ValidationError as exc:
                logger.warning("line %s not settled: %s", line_id, exc.messages)
                counts["skipped"] += 1
                continue
            counts["settled" if created else "skipped"] += 1
        if len(ids) < size:
            break
    for refund_id in refund_ids_to_claw_back(limit=size):
        counts["clawbacks"] += len(refund_clawback(refund=Refund.objects.get(pk=refund_id)))
    return counts


@shared_task(name="collective_econ.settle_due", acks_late=True)
def settle_due() -> dict[str, int]:
    return settle_due_lines()
