"""Celery tasks of the Red Supermarket's counter, each a thin call into a service."""

from __future__ import annotations

from celery import shared_task

from marketplace.red_supermarket.counter.services import (
    counter_sale_settle_stale,
    stale_pending_sale_ids,
)


@shared_task(name="counter.settle_stale_pending")
def settle_stale_pending_task() -> int:
    """Settle every stale PENDING counter sale; returns how many this run settled."""
    settled = 0
    for pk in stale_pending_sale_ids():
        sale = counter_sale_settle_stale(sale_pk=pk)
        if sale is not None and sale.status != "PENDING":
            settled += 1
    return settled
