"""Cash at the village counter: the operator confirms a pending cash attempt once the
buyer has paid, which records it as any payment is recorded (`records.record_paid`)."""

from __future__ import annotations

import logging

from django.db import transaction

from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.core.errors import PermissionRefused, refuse
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
    """The counter took the cash for a pending cash attempt: charge it. Idempotent."""
    if not can_take_cash(user=actor):
        raise PermissionRefused("Only a Red Supermarket operator takes cash at the counter.")
    tx = TransactionItem.objects.select_for_update().filter(pk=transaction_id).first()
    if tx is None or tx.gateway_id != GatewayId.CASH:
        raise refuse("id", "No such cash payment.", CashPaymentErrorCode.NOT_FOUND)
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
