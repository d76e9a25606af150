"""Cash for an online order the buyer chose to pay at the counter (`counterOrderCashConfirm`).

The cash goes into the till of the confirming operator's Red Supermarket the moment it is
taken (`marketplace.payments.ledger`), so it must be taken the way every other cash path
takes it: with the supermarket's open till shift locked. A close then waits for the confirm
and counts its cash, and cash is never taken while the till is closed, where no shift would
ever count it.
"""

from __future__ import annotations

from django.db import transaction

from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.orders.models import ShopOrder
from marketplace.payments.cash import cash_payment_confirm
from marketplace.payments.models import TransactionItem, TransactionStatus
from marketplace.red_supermarket.counter.error_codes import CounterErrorCode
from marketplace.red_supermarket.counter.services import till_shift_lock_open
from marketplace.red_supermarket.models import RedSupermarket


def _order_shop_ids(tx: TransactionItem) -> set[int]:
    # A cash attempt joins its order once paid; until then its checkout knows the order.
    order_id = tx.order_id or (tx.checkout.order_id if tx.checkout is not None else None)
    if order_id is None:
        return set()
    return set(ShopOrder.objects.filter(order_id=order_id).values_list("shop_id", flat=True))


@transaction.atomic
def counter_order_cash_take(*, tx: TransactionItem, operator: User) -> TransactionItem:
    """The operator took the buyer's cash for `tx`: charge it into their till. Idempotent.

    Refused for an operator of none of the order's shops; refused with NO_OPEN_SHIFT when
    their supermarket's till is closed, unless the cash was already taken (a retry answers
    the charge made the first time and takes nothing)."""
    shop_ids = _order_shop_ids(tx) & role_scopes(operator).operated_shop_ids
    if not shop_ids:
        raise PermissionRefused("This order is not for your Red Supermarket.")
    # The same shop the ledger picks for the till (the order's first shop the operator
    # works for), so the shift locked is the one whose till the cash goes into.
    supermarket = (
        RedSupermarket.objects.filter(shop_id__in=shop_ids, is_active=True)
        .order_by("shop_id")
        .first()
    )
    if supermarket is not None:
        shift = till_shift_lock_open(supermarket=supermarket)
        if shift is None and tx.status != TransactionStatus.CHARGED:
            raise refuse(
                "id",
                "开钱箱后才能收现金 / open the till before taking the cash.",
                CounterErrorCode.NO_OPEN_SHIFT,
            )
    return cash_payment_confirm(transaction_id=tx.pk, actor=operator)
