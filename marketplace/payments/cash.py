"""Cash at the village counter: the operator confirms a pending cash attempt once the
buyer has paid, which records it as any payment is recorded (`records.record_paid`): the
order is charged and the cash is posted to the operator's till, held for the order's shops
(`ledger.payment_received_post`), in one database transaction."""

from __future__ import annotations

import logging

from django.db import transaction

from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.orders.models import ShopOrder
from marketplace.payments.error_codes import (
    CashPaymentErrorCode,
)
from marketplace.payments.models import (
    GatewayId,
    TransactionItem,
    TransactionStatus,
)
from marketplace.payments.records import record_paid

logger = logging.getLogger("ruralmart.payments")


def can_take_cash(*, user: User | None) -> bool:
    scopes = role_scopes(user)
    return scopes.is_platform_admin or bool(scopes.operated_shop_ids)


@transaction.atomic
def cash_payment_confirm(*, transaction_id: int, actor: User | None) -> TransactionItem:
    """The counter took the cash for a pending cash attempt: charge it. Idempotent.

    Only a platform admin or an operator of a shop in the order: the cash lands in that
    operator's till, so another village's counter must not take it. Locks the attempt."""
    if not can_take_cash(user=actor):
        raise PermissionRefused("Only a Red Supermarket operator takes cash at the counter.")
    tx = (
        TransactionItem.objects.select_for_update(of=("self",))
        .select_related("checkout")
        .filter(pk=transaction_id)
        .first()
    )
    if tx is None or tx.gateway_id != GatewayId.CASH:
        raise refuse("id", "No such cash payment.", CashPaymentErrorCode.NOT_FOUND)
    scopes = role_scopes(actor)
    order_id = tx.order_id or (tx.checkout.order_id if tx.checkout is not None else None)
    order_shops = (
        set(ShopOrder.objects.filter(order_id=order_id).values_list("shop_id", flat=True))
        if order_id is not None
        else set()
    )
    if not scopes.is_platform_admin and not order_shops & scopes.operated_shop_ids:
        raise PermissionRefused("This order is not for your Red Supermarket.")
    if tx.status not in (TransactionStatus.PENDING, TransactionStatus.CHARGED):
        raise refuse(
            "id", f"This cash payment is {tx.status.lower()}.", CashPaymentErrorCode.INVALID
        )
    record_paid(
        tx,
        paid_amount=tx.amount,
        trade_no="",
        key="cash:received",
        raw={},
        source="counter",
        user=actor,
    )
    return tx
