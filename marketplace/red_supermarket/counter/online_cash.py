"""Cash for an online order the buyer chose to pay at the counter (`counterOrderCashConfirm`),
and that cash handed back when the order is cancelled or returned (`counterOrderCashRefund`).

The cash goes into the till of the confirming operator's Red Supermarket the moment it is
taken (`marketplace.payments.ledger`), and leaves it the moment it is handed back, so both
go the way every other cash path goes: with the supermarket's open till shift locked. A
close then waits for them and counts their cash, and cash never moves while the till is
closed, where no shift would ever count it. The refund record and its rules belong to
`marketplace.payments.refunds`; this module owns the till's side (who, which till, enough
cash) and the receipt.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from django.db import transaction

from collective_econ.models import Posting
from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.orders.models import ShopOrder
from marketplace.payments.cash import cash_payment_confirm
from marketplace.payments.error_codes import RefundErrorCode
from marketplace.payments.ledger import payment_received_key
from marketplace.payments.models import Refund, TransactionItem, TransactionStatus
from marketplace.payments.refunds import (
    refund_after_commit,
    refund_amount_parse,
    shop_order_cash_refund_record,
)
from marketplace.red_supermarket.counter.error_codes import CounterErrorCode
from marketplace.red_supermarket.counter.ledger import till_account, till_cash_balance
from marketplace.red_supermarket.counter.services import require_operator, till_shift_lock_open
from marketplace.red_supermarket.models import Receipt, ReceiptKind, RedSupermarket
from marketplace.red_supermarket.receipts import receipt_issue, receipt_line


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


def order_cash_refund_reference(refund_id: int) -> str:
    return f"order-cash-refund:{refund_id}"


def order_cash_refund_receipt(*, refund: Refund) -> Receipt | None:
    """The receipt the buyer signed for the cash handed back (CASH_REFUND, printed 退款回执)."""
    return Receipt.objects.filter(
        kind=ReceiptKind.CASH_REFUND, reference=order_cash_refund_reference(refund.pk)
    ).first()


def counter_order_cash_refund(
    *,
    shop_order: ShopOrder,
    operator: User | None,
    request_id: UUID,
    amount: object = None,
    reason: str = "",
) -> tuple[Refund, Receipt]:
    """The operator of the shop order's Red Supermarket hands back cash the order was paid
    with: `amount` (None: what the cancellation entitles) out of the till, recorded as a
    successful refund with its receipt. Idempotent per `request_id`: a retry answers the
    same refund and receipt and hands back nothing more, even after the till has closed.

    Refused (PermissionRefused) for anyone but that supermarket's operators; with
    RefundErrorCode NOT_PAID (not paid in cash into this till), INVALID / AMOUNT_TOO_HIGH
    (the refund rules; INVALID on requestId too when it is retried with another
    amount), NO_OPEN_SHIFT, NOT_ENOUGH_CASH. Locks the open till shift, then
    the shop order (in the refund rules), then the cash payment."""
    supermarket = (
        RedSupermarket.objects.select_related("shop__village")
        .filter(shop_id=shop_order.shop_id)
        .first()
    )
    if supermarket is None:
        raise PermissionRefused("This shop has no Red Supermarket to hand cash back at.")
    user = require_operator(user=operator, supermarket=supermarket)
    value = refund_amount_parse(amount)
    with transaction.atomic():
        refund, receipt = _cash_refund_in_till(
            shop_order=shop_order,
            supermarket=supermarket,
            operator=user,
            request_id=request_id,
            amount=value,
            reason=reason,
        )
    refund_after_commit(refund)
    return refund, receipt


def _cash_refund_in_till(
    *,
    shop_order: ShopOrder,
    supermarket: RedSupermarket,
    operator: User,
    request_id: UUID,
    amount: Decimal | None,
    reason: str,
) -> tuple[Refund, Receipt]:
    # Whoever pays cash out holds the shift first: a close waits for this refund and counts
    # it, and two refunds at this till read its cash one after the other.
    shift = till_shift_lock_open(supermarket=supermarket)
    village = supermarket.shop.village

    def vet(payment: TransactionItem, refund_amount: Decimal) -> None:
        received = Posting.objects.filter(
            transaction__idempotency_key=payment_received_key(payment.pk), amount__gt=0
        ).values_list("account_id", flat=True)
        # The refund posts back against the till the cash went into; only that drawer can
        # hand it back, or one till would be short and another over at their close.
        if till_account(village=village).pk not in set(received):
            raise refuse(
                None,
                "这笔现金不是在本店收的 / this order's cash was not taken into this till.",
                RefundErrorCode.NOT_PAID,
            )
        if shift is None:
            raise refuse(
                None,
                "开钱箱后才能退现金 / open the till before handing cash back.",
                RefundErrorCode.NO_OPEN_SHIFT,
            )
        cash = till_cash_balance(village=village)
        if cash < refund_amount:
            raise refuse(
                "amount",
                f"钱箱只有 ¥{cash} / the till holds ¥{cash}, not enough for ¥{refund_amount}.",
                RefundErrorCode.NOT_ENOUGH_CASH,
            )

    refund, created = shop_order_cash_refund_record(
        shop_order=shop_order,
        actor=operator,
        reason=reason,
        amount=amount,
        request_id=request_id,
        before_create=vet,
    )
    if not created and amount is not None and amount != refund.amount:
        # A retry repeats its amount; another amount under the same id is a client's bug,
        # answered as one rather than with a refund it did not ask for.
        raise refuse(
            "request_id",
            f"This requestId already handed back ¥{refund.amount}; use a new one for ¥{amount}.",
            RefundErrorCode.INVALID,
        )
    order = refund.shop_order.order
    receipt = receipt_issue(
        supermarket=supermarket,
        kind=ReceiptKind.CASH_REFUND,
        reference=order_cash_refund_reference(refund.pk),
        lines=[receipt_line(f"退款 订单 {order}", refund.amount)],
        total=refund.amount,
        payment_method="CASH",
        operator=operator,
        payment_details={"refund": refund.out_request_no, "reason": refund.reason},
    )
    return refund, receipt
