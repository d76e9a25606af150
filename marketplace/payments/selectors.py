"""Reads of payments: a checkout's attempts, whether it pays at the counter, the attempts
the periodic sweeps should look at, and a shop order's refunds."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db.models import Q, QuerySet

from marketplace.orders.models import Order, OrderChargeStatus, ShopOrder
from marketplace.payments.models import (
    GatewayId,
    Refund,
    TransactionEvent,
    TransactionItem,
    TransactionStatus,
)
from marketplace.payments.records import payment_timeout, reconcile_after


def transactions_of_checkout(*, checkout_id: UUID | str) -> QuerySet[TransactionItem]:
    return TransactionItem.objects.filter(checkout_id=checkout_id).order_by("created_at", "pk")


def transaction_get(*, token: UUID | str) -> TransactionItem | None:
    try:
        return TransactionItem.objects.filter(token=token).first()
    except (ValueError, TypeError):
        return None


def transaction_events(*, transaction: TransactionItem) -> QuerySet[TransactionEvent]:
    return TransactionEvent.objects.filter(transaction=transaction).order_by("created_at", "pk")


def checkout_pays_at_counter(*, checkout_id: UUID | str) -> bool:
    """True when the buyer chose cash at the village counter for this checkout: its
    completion may then go ahead unpaid (`checkout_complete(..., allow_unpaid=True)`)."""
    return TransactionItem.objects.filter(
        checkout_id=checkout_id,
        gateway_id=GatewayId.CASH,
        status__in=[TransactionStatus.PENDING, TransactionStatus.CHARGED],
    ).exists()


def order_pays_on_handover(*, order: Order) -> bool:
    """True when the order, not yet paid in full, is to be paid in cash at the village
    counter when it is handed over: its shops may then fulfil it unpaid
    (`shop_order_fulfil(..., allow_unpaid=True)`). No query for an order already paid."""
    if order.charge_status in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED):
        return False
    return order.checkout_token is not None and checkout_pays_at_counter(
        checkout_id=order.checkout_token
    )


def transactions_due_for_reconcile(*, now: datetime, limit: int = 200) -> list[int]:
    """Open Alipay attempts with no news for a while, not yet old enough to close."""
    quiet = now - reconcile_after()
    return list(
        TransactionItem.objects.filter(
            gateway_id=GatewayId.ALIPAY,
            status=TransactionStatus.PENDING,
            created_at__lte=quiet,
            created_at__gt=now - payment_timeout(),
        )
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lte=quiet))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def transactions_due_for_close(*, now: datetime, limit: int = 200) -> list[int]:
    """Open Alipay attempts older than the payment timeout."""
    return list(
        TransactionItem.objects.filter(
            gateway_id=GatewayId.ALIPAY,
            status=TransactionStatus.PENDING,
            created_at__lte=now - payment_timeout(),
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def refunds_of_shop_order(*, shop_order: ShopOrder) -> QuerySet[Refund]:
    return Refund.objects.filter(shop_order=shop_order).order_by("created_at", "pk")
