"""Reads for the counter's "网店订单收现金" panel: the online orders whose buyer chose to pay
cash at this Red Supermarket and whose cash has not been taken yet, and (for its 退现金
part) one shop order whose cash was taken into this till, with what is left to hand back.

Each row is the order's pending CASH attempt (`TransactionItem`), because that is what
`counterOrderCashConfirm` takes; the order is reached through it. The buyer is shown only
masked (the family name, the phone's last four digits, a masked e-mail): the operator
needs to recognise the villager at the counter, not to learn their contact details.
Taking the cash is `online_cash.counter_order_cash_take`, handing it back
`online_cash.counter_order_cash_refund`; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from collective_econ.models import AccountKind, Posting
from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.orders.models import Order, OrderStatus, ShopOrder
from marketplace.organisations.privacy import mask_name
from marketplace.payments.ledger import payment_received_key
from marketplace.payments.models import (
    GatewayId,
    Refund,
    RefundStatus,
    TransactionItem,
    TransactionStatus,
)
from marketplace.red_supermarket.models import RedSupermarket
from marketplace.red_supermarket.selectors import can_operate_supermarket

CASH_ORDER_SEARCH_MAX = 64
# Orders that will never be collected: their cash must not be taken any more.
_CLOSED_ORDER_STATUSES = (OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.DRAFT)


def can_read_counter_cash_orders(*, user: User | None, supermarket: RedSupermarket) -> bool:
    """The supermarket's operators (who take the cash) and the officers of its township
    (who oversee the counter); the shop's managers and county staff are not at the till."""
    if can_operate_supermarket(user=user, supermarket=supermarket):
        return True
    return supermarket.shop.village.township_id in role_scopes(user).township_ids


def counter_cash_orders(
    *, supermarket: RedSupermarket, search: str = ""
) -> QuerySet[TransactionItem]:
    """Pending cash attempts of the open orders holding goods of the supermarket's shop,
    oldest first (the villager who has waited longest is served first), each annotated
    with `counter_order_id`.

    A cash attempt joins its order only once paid; until then its checkout knows the order,
    hence the COALESCE. `search` is the order number (a scan of the order's code is its
    digits, optionally after "#") or the cash attempt's reference ("CASH-…")."""
    orders = Order.objects.filter(shop_orders__shop_id=supermarket.shop_id).exclude(
        status__in=_CLOSED_ORDER_STATUSES
    )
    rows = (
        TransactionItem.objects.filter(gateway_id=GatewayId.CASH, status=TransactionStatus.PENDING)
        .annotate(counter_order_id=Coalesce(F("order_id"), F("checkout__order_id")))
        .order_by("created_at", "pk")
    )
    text = search.strip()[:CASH_ORDER_SEARCH_MAX].removeprefix("#")
    number = order_number_parse(text)
    if number is not None:
        orders = orders.filter(number=number)
    elif text.isascii() and text.isdigit():
        orders = orders.none()
    elif text:
        rows = rows.filter(psp_reference__iexact=text)
    return rows.filter(counter_order_id__in=orders.values("pk"))


def order_number_parse(text: str) -> int | None:
    """The order number an operator typed or scanned ("#" allowed), or None. Longer than
    any bigint order number is None too: no match rather than a database error."""
    digits = text.strip()[:CASH_ORDER_SEARCH_MAX].removeprefix("#")
    if digits.isascii() and digits.isdigit() and len(digits) <= 18:
        return int(digits)
    return None


@dataclass(frozen=True)
class CashRefundable:
    """A shop order of the supermarket's shop paid in cash into its till, as the operator
    about to hand cash back needs it: what was paid, what went back already (through any
    gateway), what is left, and, once the order is cancelled, what its cancellation
    entitles the buyer to (None when a tourism line's tier decides it: its bookings are
    cancelled, and its percentage known, only by the refund itself)."""

    shop_order: ShopOrder
    buyer: str
    cancelled: bool
    paid: Decimal
    refunded: Decimal
    left: Decimal
    policy_amount: Decimal | None


def counter_cash_refundable(*, supermarket: RedSupermarket, number: str) -> CashRefundable | None:
    """The shop order of the supermarket's shop in the order numbered `number` (typed or
    scanned) whose cash was taken into this supermarket's till, or None: no such order,
    not paid in cash, or its cash went into another till (which alone can hand it back).
    The same few queries however many lines and refunds the order has."""
    parsed = order_number_parse(number)
    if parsed is None:
        return None
    shop_order = (
        ShopOrder.objects.select_related("order")
        .filter(shop_id=supermarket.shop_id, order__number=parsed)
        .first()
    )
    if shop_order is None:
        return None
    order = shop_order.order
    paid_keys = [
        payment_received_key(pk)
        for pk in TransactionItem.objects.filter(
            Q(order=order) | Q(checkout__order=order),
            gateway_id=GatewayId.CASH,
            status=TransactionStatus.CHARGED,
        ).values_list("pk", flat=True)
    ]
    into_this_till = Posting.objects.filter(
        transaction__idempotency_key__in=paid_keys,
        amount__gt=0,
        account__kind=AccountKind.CASH_TILL,
        account__village_id=supermarket.shop.village_id,
    ).exists()
    if not into_this_till:
        return None
    refunded = Refund.objects.filter(
        shop_order=shop_order, status__in=[RefundStatus.PENDING, RefundStatus.SUCCESS]
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    left = max(shop_order.total_amount - refunded, Decimal("0.00"))
    cancelled = order.status == OrderStatus.CANCELED
    has_tourism_lines = shop_order.lines.filter(booking_start_date__isnull=False).exists()
    return CashRefundable(
        shop_order=shop_order,
        buyer=buyer_masked(order=order),
        cancelled=cancelled,
        paid=shop_order.total_amount,
        refunded=refunded,
        left=left,
        # Without tourism lines the policy gives back everything, so all that is left.
        policy_amount=left if cancelled and not has_tourism_lines else None,
    )


def buyer_masked(*, order: Order) -> str:
    """How the counter names the buyer: "王** 尾号5678", or a masked e-mail when the order
    has no phone. Never the full phone or address."""
    address: dict[str, Any] = order.shipping_address or order.billing_address or {}
    name = f"{address.get('last_name', '')}{address.get('first_name', '')}".strip()
    digits = "".join(ch for ch in str(address.get("phone", "")) if ch.isdigit())
    parts = [mask_name(name)] if name else []
    if len(digits) >= 4:
        parts.append(f"尾号{digits[-4:]}")
    elif order.user_email:
        parts.append(mask_email(order.user_email))
    return " ".join(parts) or "匿名买家"


def mask_email(email: str) -> str:
    """villager@example.cn → v***@example.cn: the domain tells the operator little, the
    first letter helps tell two buyers apart."""
    local, _, domain = email.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"
