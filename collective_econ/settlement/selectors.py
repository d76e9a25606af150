"""Which lines and refunds are due for settlement, found by query so that orders and
payments need no hook: a shop order paid in full and FULFILLED more than
SETTLEMENT_REFUND_WINDOW_DAYS ago (its last fulfilment event, the one that completed it,
dates it), or a stay or experience that ended that long ago.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from collective_econ.models import JournalKind, JournalTransaction
from marketplace.orders.models import (
    OrderChargeStatus,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from marketplace.payments.models import Refund, RefundStatus


def _settled(line_ref: str = "pk", *, after_pk: int = 0) -> Exists:
    settled = JournalTransaction.objects.filter(
        order_line_id=OuterRef(line_ref), kind=JournalKind.SETTLEMENT
    )
    if after_pk:
        # Implied by the correlation, but it lets PostgreSQL's anti-join hash only the
        # settlements of the lines still ahead of a batch run, not all of history.
        settled = settled.filter(order_line_id__gt=after_pk)
    return Exists(settled)


def lines_due(*, now: datetime, after_pk: int = 0) -> QuerySet[OrderLine]:
    """Unsettled lines whose refund window has passed (with ids above `after_pk`)."""
    cutoff = now - timedelta(days=settings.SETTLEMENT_REFUND_WINDOW_DAYS)
    fulfilments = OrderEvent.objects.filter(
        order_id=OuterRef("shop_order__order_id"),
        shop_id=OuterRef("shop_order__shop_id"),
        type=OrderEventType.FULFILLMENT_FULFILLED_ITEMS,
    )
    # The window runs from the fulfilment that completed the shop order, its last one: a
    # first, partial one starts nothing (the rest may not even have been sent yet).
    fulfilled_before_cutoff = Exists(fulfilments.filter(date__lte=cutoff)) & ~Exists(
        fulfilments.filter(date__gt=cutoff)
    )
    goods = (
        Q(booking_end_date__isnull=True, shop_order__status=OrderStatus.FULFILLED)
        & fulfilled_before_cutoff
    )
    tourism = Q(
        booking_end_date__isnull=False,
        booking_end_date__lte=cutoff.date(),
        shop_order__status__in=[OrderStatus.UNFULFILLED, OrderStatus.FULFILLED],
    )
    return (
        OrderLine.objects.filter(
            goods | tourism,
            pk__gt=after_pk,
            shop_order__order__charge_status__in=[
                OrderChargeStatus.FULL,
                OrderChargeStatus.OVERCHARGED,
            ],
        )
        .exclude(_settled(after_pk=after_pk))
        .order_by("pk")
    )


def line_ids_due(*, now: datetime, limit: int, after_pk: int = 0) -> list[int]:
    """The next `limit` due line ids after `after_pk` (keyset pages: a line that cannot
    settle does not hold back the ones behind it)."""
    return list(lines_due(now=now, after_pk=after_pk).values_list("pk", flat=True)[:limit])


def line_is_due(*, line_id: int, now: datetime) -> bool:
    return lines_due(now=now).filter(pk=line_id).exists()


def refund_ids_to_claw_back(*, limit: int) -> list[int]:
    """Successful refunds of shop orders with settled lines that no clawback names yet.
    A refund's clawbacks are posted in one database transaction, so one is enough."""
    clawed = Exists(
        JournalTransaction.objects.filter(
            kind=JournalKind.CLAWBACK,
            idempotency_key__startswith=Concat(
                Value("clawback:refund:"), Cast(OuterRef("pk"), CharField()), Value(":")
            ),
        )
    )
    settled_line = Exists(
        OrderLine.objects.filter(shop_order_id=OuterRef("shop_order_id")).filter(_settled())
    )
    return list(
        Refund.objects.filter(settled_line, status=RefundStatus.SUCCESS)
        .exclude(clawed)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
