"""What payments post to the ledger, at the moment money arrives or leaves.

A payment received for shop orders (cash taken at the counter, an Alipay trade paid) is
one PAYMENT_RECEIVED entry, key "payment-received:<TransactionItem pk>":

    Dr  CASH_TILL (the village whose counter took the cash) or ALIPAY_CLEARING
    Cr  SHOP (each shop of the order)       "received for the shop, not yet settled"

so the till's ledger balance holds the cash the drawer holds from the moment it is taken
(a shift's expected cash is the till's postings since it opened). Settlement then debits
SHOP, not the payment account, for the lines of an order whose payment was received here
(`payment_received_key` is how it recognises them). A successful refund of such a payment
is one PAYMENT_REFUNDED entry, key "payment-refunded:<Refund pk>": Dr SHOP / Cr the payment
account, whether or not the lines have settled (a clawback after settlement moves the
beneficiaries' share back onto SHOP first).

A payment is split between the shops of its order by their shop orders' totals, by largest
remainder over everything the order has received so far, so that however many payments an
order takes, each shop is credited exactly its total once the order is paid in full.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from collective_econ.ledger.services import (
    Leg,
    account_get_or_create,
    journal_post,
    split_by_weight,
)
from collective_econ.models import Account, AccountKind, JournalKind, Posting
from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.checkout.selectors import checkout_totals
from marketplace.divisions.models import Village
from marketplace.orders.models import OrderStatus, ShopOrder
from marketplace.organisations.models import Shop
from marketplace.payments.models import GatewayId, Refund, TransactionItem, TransactionStatus

ZERO = Decimal("0.00")


PAYMENT_RECEIVED_PREFIX = "payment-received:"


def payment_received_key(transaction_id: int) -> str:
    return f"{PAYMENT_RECEIVED_PREFIX}{transaction_id}"


def payment_refunded_key(refund_id: int) -> str:
    return f"payment-refunded:{refund_id}"


def _shop_weights(tx: TransactionItem) -> list[tuple[Shop, Decimal]]:
    """The shops the payment pays for, each with what it is owed: the order's shop orders
    not cancelled, or (paid before the checkout became an order) the checkout's shops,
    whose totals the order's shop orders copy when it is placed. By shop pk."""
    order_id = tx.order_id or (tx.checkout.order_id if tx.checkout is not None else None)
    if order_id is not None:
        return [
            (shop_order.shop, shop_order.total_amount)
            for shop_order in ShopOrder.objects.filter(order_id=order_id)
            .exclude(status=OrderStatus.CANCELED)
            .select_related("shop__village")
            .order_by("shop_id")
        ]
    assert tx.checkout is not None
    shops = checkout_totals(checkout=tx.checkout).shops
    return sorted(((s.shop, s.total) for s in shops), key=lambda pair: pair[0].pk)


def _credited_by_earlier_payments(tx: TransactionItem) -> dict[int, Decimal]:
    """What the other received payments of the same checkout or order credited each shop."""
    siblings = TransactionItem.objects.filter(status=TransactionStatus.CHARGED).exclude(pk=tx.pk)
    # An attempt belongs to a checkout, or (made after it became an order) to the order.
    if tx.checkout_id is not None:
        siblings = siblings.filter(checkout_id=tx.checkout_id)
    else:
        siblings = siblings.filter(order=tx.order)
    keys = [payment_received_key(pk) for pk in siblings.values_list("pk", flat=True)]
    if not keys:
        return {}
    credited: dict[int, Decimal] = defaultdict(Decimal)
    for shop_id, total in (
        Posting.objects.filter(
            transaction__idempotency_key__in=keys, account__kind=AccountKind.SHOP
        )
        .values("account__shop_id")
        .annotate(total=Sum("amount"))
        .values_list("account__shop_id", "total")
    ):
        credited[shop_id] = -total
    return credited


def _till_village(shops: list[Shop], *, actor: User | None) -> Village:
    """The till that took the cash: the Red Supermarket of the order's shop the operator
    works for; for a platform admin confirming, the first shop's village."""
    operated = role_scopes(actor).operated_shop_ids
    shop = next((shop for shop in shops if shop.pk in operated), shops[0])
    return shop.village


def payment_account(*, tx: TransactionItem, till_village: Village | None) -> Account:
    """Where the buyer's money sits: the till for cash, Alipay clearing otherwise (the demo
    gateway, which moves no money, stands in for Alipay, as settlement has it)."""
    if tx.gateway_id == GatewayId.CASH:
        assert till_village is not None
        return account_get_or_create(kind=AccountKind.CASH_TILL, owner=till_village)
    return account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)


def payment_received_post(*, tx: TransactionItem, actor: User | None = None) -> bool:
    """Post that `tx` (locked, just CHARGED) was received for its shops, once per payment
    (the key's UNIQUE index decides between two posters). Returns False when it posts
    nothing: nothing is owed to any shop (an order cancelled before the money came, which
    a person reviews); then settlement debits the payment account itself, as it did for
    payments before this entry existed."""
    weighted = [(shop, weight) for shop, weight in _shop_weights(tx) if weight > 0]
    if not weighted:
        return False
    earlier = _credited_by_earlier_payments(tx)
    before = [earlier.get(shop.pk, ZERO) for shop, _ in weighted]
    received = sum(before, ZERO) + tx.charged_amount
    now = split_by_weight(received, [weight for _, weight in weighted])
    shops = [shop for shop, _ in weighted]
    till_village = _till_village(shops, actor=actor) if tx.gateway_id == GatewayId.CASH else None
    legs = [Leg(payment_account(tx=tx, till_village=till_village), tx.charged_amount)]
    legs += [
        Leg(account_get_or_create(kind=AccountKind.SHOP, owner=shop), -(after - prior))
        for shop, after, prior in zip(shops, now, before, strict=True)
    ]
    _, created = journal_post(
        kind=JournalKind.PAYMENT_RECEIVED,
        idempotency_key=payment_received_key(tx.pk),
        legs=legs,
        memo=f"Received {tx.psp_reference} for shops {', '.join(str(s.pk) for s in shops)}",
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
    return created


def payment_refunded_post(*, refund: Refund) -> bool:
    """A successful refund leaves the account its payment came into and is no longer held
    for the shop: Dr SHOP / Cr payment account, once per refund. Nothing for a payment not
    received through `payment_received_post` (its money never reached SHOP; the clawback
    after settlement takes it from the payment account, as before)."""
    received = (
        Posting.objects.filter(
            transaction__idempotency_key=payment_received_key(refund.transaction_id),
            amount__gt=0,
        )
        .select_related("account")
        .first()
    )
    if received is None:
        return False
    shop = refund.shop_order.shop
    _, created = journal_post(
        kind=JournalKind.PAYMENT_REFUNDED,
        idempotency_key=payment_refunded_key(refund.pk),
        legs=[
            Leg(account_get_or_create(kind=AccountKind.SHOP, owner=shop), refund.amount),
            Leg(received.account, -refund.amount),
        ],
        memo=f"Refund {refund.out_request_no} of shop order {refund.shop_order_id}",
    )
    return created


__all__ = [
    "PAYMENT_RECEIVED_PREFIX",
    "payment_account",
    "payment_received_key",
    "payment_received_post",
    "payment_refunded_key",
    "payment_refunded_post",
]
