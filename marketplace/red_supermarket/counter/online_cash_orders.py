"""Reads for the counter's "网店订单收现金" panel: the online orders whose buyer chose to pay
cash at this Red Supermarket and whose cash has not been taken yet.

Each row is the order's pending CASH attempt (`TransactionItem`), because that is what
`counterOrderCashConfirm` takes; the order is reached through it. The buyer is shown only
masked (the family name, the phone's last four digits, a masked e-mail): the operator
needs to recognise the villager at the counter, not to learn their contact details.
Taking the cash is `online_cash.counter_order_cash_take`; nothing here writes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.orders.models import Order, OrderStatus
from marketplace.organisations.privacy import mask_name
from marketplace.payments.models import GatewayId, TransactionItem, TransactionStatus
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
    if text.isascii() and text.isdigit():
        # Longer than any bigint order number: no match rather than a database error.
        orders = orders.filter(number=int(text)) if len(text) <= 18 else orders.none()
    elif text:
        rows = rows.filter(psp_reference__iexact=text)
    return rows.filter(counter_order_id__in=orders.values("pk"))


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
