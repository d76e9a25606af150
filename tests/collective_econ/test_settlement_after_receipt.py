"""Settlement of lines whose payment was posted as received for the shop: both settlers
take the money from SHOP (and agree line for line), a payment posted before receipts
existed still settles from where it came in, SHOP is empty once an order's lines settle
however many payments paid it, and the refund window runs from the last fulfilment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collective_econ.error_codes import SettlementErrorCode
from collective_econ.ledger.selectors import account_balance, unbalanced_transaction_ids
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind, JournalKind, JournalTransaction, Posting
from collective_econ.settlement.batch import order_lines_settle_batch
from collective_econ.settlement.selectors import lines_due
from collective_econ.settlement.services import order_line_settle
from collective_econ.tasks import settle_due
from marketplace.orders.models import (
    Order,
    OrderChargeStatus,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    ShopOrder,
)
from marketplace.payments.ledger import payment_received_post
from marketplace.payments.models import GatewayId, PaymentMethod, TransactionItem
from tests import factories
from tests.collective_econ.conftest import Sold, sell

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")


def _balance(kind: str, owner: Any = None) -> Decimal:
    return account_balance(account=account_get_or_create(kind=kind, owner=owner))


def _received(sold: Sold) -> Sold:
    """Post the order's payment as received, as the counter or Alipay does on payment."""
    assert payment_received_post(tx=TransactionItem.objects.get(order=sold.order))
    return sold


def _debits_by_line() -> dict[int, tuple[str, Any, Decimal]]:
    return {
        p.transaction.order_line_id: (
            p.account.kind,
            p.account.shop_id or p.account.village_id,
            p.amount,
        )
        for p in Posting.objects.filter(transaction__kind=JournalKind.SETTLEMENT, amount__gt=0)
        .select_related("account", "transaction")
        .order_by("pk")
    }


def _postings_by_line() -> dict[int, list[tuple[str, Any, Any, Decimal]]]:
    """By account kind and owner: accounts first made inside a rolled-back savepoint are
    made again under new ids."""
    result: dict[int, list[tuple[str, Any, Any, Decimal]]] = {}
    for entry in JournalTransaction.objects.filter(kind=JournalKind.SETTLEMENT):
        result[entry.order_line_id] = list(
            entry.postings.order_by("pk").values_list(
                "account__kind", "account__shop_id", "account__household_id", "amount"
            )
        )
    return result


def test_both_settlers_take_received_payments_from_the_shop_and_agree(
    village: Any, settings: Any
) -> None:
    settings.PLATFORM_FEE_RATES = {"urban-retail": "0.0175"}
    other_shop = factories.shop()
    cash = _received(
        sell(
            shop=village.shop,
            lines=[("33.33", 3, village.household), ("0.01", 1, None)],
            shipping="12.50",
            discount="7.77",
            gateway=GatewayId.CASH,
        )
    )
    alipay = _received(sell(shop=other_shop, lines=[("45.45", 2, None)], shipping="3.00"))
    demo = _received(sell(shop=village.shop, lines=[("8.80", 1, None)], gateway=GatewayId.DEMO))
    legacy = sell(shop=village.shop, lines=[("5.00", 2, None)], gateway=GatewayId.CASH)
    lines = [line for s in (cash, alipay, demo, legacy) for line in s.lines]

    sid = transaction.savepoint()
    for line in lines:
        order_line_settle(line=line)
    single = _postings_by_line()
    debits = _debits_by_line()
    transaction.savepoint_rollback(sid)
    assert not JournalTransaction.objects.filter(kind=JournalKind.SETTLEMENT).exists()

    assert sorted(order_lines_settle_batch(limit=100).settled) == sorted(line.pk for line in lines)
    assert _postings_by_line() == single
    assert _debits_by_line() == debits
    for line in cash.lines + demo.lines:
        assert debits[line.pk][:2] == (AccountKind.SHOP, village.shop.pk)
    assert debits[alipay.lines[0].pk][:2] == (AccountKind.SHOP, other_shop.pk)
    # Paid before receipts were posted: its cash was never put on SHOP, so it settles
    # from the till as it always did.
    assert debits[legacy.lines[0].pk][:2] == (AccountKind.CASH_TILL, village.village.pk)

    assert _balance(AccountKind.SHOP, village.shop) == ZERO
    assert _balance(AccountKind.SHOP, other_shop) == ZERO
    assert _balance(AccountKind.CASH_TILL, village.village) == cash.order.total_amount + Decimal(
        "10.00"
    )
    assert _balance(AccountKind.ALIPAY_CLEARING) == (
        alipay.order.total_amount + demo.order.total_amount
    )
    assert unbalanced_transaction_ids() == []


def test_a_batch_of_received_lines_costs_the_same_statements_for_5_as_for_50(
    village: Any, settings: Any
) -> None:
    settings.SETTLEMENT_BATCH_SIZE = 500

    def run(n: int) -> int:
        for i in range(n):
            sold = sell(
                shop=village.shop if i % 2 else factories.shop(),
                lines=[("5.00", 1, village.household if i % 3 else None)],
                gateway=GatewayId.CASH if i % 4 == 0 else GatewayId.ALIPAY,
                shipping="1.00",
            )
            if i % 5:
                _received(sold)
        with CaptureQueriesContext(connection) as ctx:
            counts = settle_due.delay().get()
        assert counts["settled"] == n
        return len(ctx.captured_queries)

    run(5)  # the accounts are created once
    before = Posting.objects.filter(transaction__kind=JournalKind.SETTLEMENT).count()
    assert run(5) == run(50)
    assert Posting.objects.filter(transaction__kind=JournalKind.SETTLEMENT).count() > before


def _two_shop_order(shops: list[Any], totals: list[str], payments: list[str]) -> Order:
    """A paid, long-fulfilled order of one line per shop, paid in `payments` (cash)."""
    total = sum((Decimal(t) for t in totals), ZERO)
    order = Order.objects.create(
        channel=factories.channel("village-counter"),
        status=OrderStatus.FULFILLED,
        charge_status=OrderChargeStatus.FULL,
        charged_amount=total,
        subtotal_amount=total,
        total_amount=total,
    )
    for shop, amount in zip(shops, totals, strict=True):
        shop_order = ShopOrder.objects.create(
            order=order,
            shop=shop,
            status=OrderStatus.FULFILLED,
            subtotal_amount=Decimal(amount),
            total_amount=Decimal(amount),
        )
        OrderLine.objects.create(
            shop_order=shop_order,
            product_name="核桃",
            product_sku=f"NUT-{shop_order.pk}",
            offering_kind="PRODUCE",
            quantity=1,
            unit_price_amount=Decimal(amount),
            total_price_amount=Decimal(amount),
            beneficiary_kind="COLLECTIVE",
        )
        event = OrderEvent.objects.create(
            order=order, type=OrderEventType.FULFILLMENT_FULFILLED_ITEMS, shop=shop
        )
        OrderEvent.objects.filter(pk=event.pk).update(date=timezone.now() - timedelta(days=30))
    for i, amount in enumerate(payments):
        tx = TransactionItem.objects.create(
            gateway_id=GatewayId.CASH,
            method=PaymentMethod.CASH,
            psp_reference=f"CASH{order.pk.hex[:20]}{i}",
            status="CHARGED",
            order=order,
            amount=Decimal(amount),
            charged_amount=Decimal(amount),
        )
        assert payment_received_post(tx=tx)
    return order


def test_an_order_paid_in_parts_credits_each_shop_exactly_and_settles_it_to_zero(
    village: Any,
) -> None:
    shops = [village.shop, factories.shop()]
    # Split alone, each part would round the shops' shares on its own and lose a fen.
    order = _two_shop_order(shops, totals=["10.00", "20.01"], payments=["15.00", "15.01"])
    assert _balance(AccountKind.SHOP, shops[0]) == Decimal("-10.00")
    assert _balance(AccountKind.SHOP, shops[1]) == Decimal("-20.01")
    assert _balance(AccountKind.CASH_TILL, shops[0].village) == Decimal("30.01")

    settled = order_lines_settle_batch(limit=10).settled
    assert len(settled) == 2
    assert _balance(AccountKind.SHOP, shops[0]) == ZERO
    assert _balance(AccountKind.SHOP, shops[1]) == ZERO
    assert _balance(AccountKind.CASH_TILL, shops[0].village) == order.total_amount
    assert unbalanced_transaction_ids() == []


def test_the_refund_window_runs_from_the_last_fulfilment_of_the_shop_order(
    village: Any, settings: Any
) -> None:
    settings.SETTLEMENT_REFUND_WINDOW_DAYS = 7
    # First parcel 30 days ago, the rest (completing the shop order) 2 days ago.
    sold = _received(sell(shop=village.shop, lines=[("18.00", 2, None)], fulfilled_days_ago=30))
    last = OrderEvent.objects.create(
        order=sold.order, type=OrderEventType.FULFILLMENT_FULFILLED_ITEMS, shop=village.shop
    )
    OrderEvent.objects.filter(pk=last.pk).update(date=timezone.now() - timedelta(days=2))
    line = sold.lines[0]

    for now in (timezone.now(), timezone.now() + timedelta(days=4)):
        assert not lines_due(now=now).filter(pk=line.pk).exists()
        with pytest.raises(ValidationError) as caught:
            order_line_settle(line=line, now=now)
        assert next(iter(caught.value.error_dict.values()))[0].code == (
            SettlementErrorCode.NOT_DUE.value
        )
        assert order_lines_settle_batch(limit=10, now=now).fetched == 0

    # Another shop's fulfilment of the same order long ago changes nothing either.
    other = factories.shop()
    OrderEvent.objects.filter(
        pk=OrderEvent.objects.create(
            order=sold.order, type=OrderEventType.FULFILLMENT_FULFILLED_ITEMS, shop=other
        ).pk
    ).update(date=timezone.now() - timedelta(days=60))
    assert not lines_due(now=timezone.now()).filter(pk=line.pk).exists()

    later = timezone.now() + timedelta(days=6)
    assert order_lines_settle_batch(limit=10, now=later).settled == [line.pk]
    assert _balance(AccountKind.SHOP, village.shop) == ZERO
