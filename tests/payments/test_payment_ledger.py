"""Money received for shops reaches the ledger when it arrives: cash confirmed at the
counter is on the till (and in the open shift's expected cash) at once, an Alipay payment
on Alipay clearing; both are held on the shops' SHOP accounts until their lines settle.
Refunds give it back from SHOP before settlement and after it (with the clawback)."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from collective_econ.ledger.selectors import account_balance, unbalanced_transaction_ids
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind, JournalKind, JournalTransaction, Posting
from collective_econ.settlement.batch import order_lines_settle_batch
from collective_econ.settlement.services import order_line_settle, refund_clawback
from marketplace.accounts.models import Role
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.core.errors import PermissionRefused
from marketplace.orders.lifecycle import shop_order_fulfil
from marketplace.orders.models import Order, OrderEvent, OrderEventType, OrderLine, ShopOrder
from marketplace.payments.cash import cash_payment_confirm
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.ledger import payment_received_key, payment_refunded_key
from marketplace.payments.models import GatewayId, TransactionItem
from marketplace.payments.notify import alipay_notification_handle
from marketplace.payments.refunds import shop_order_refund
from marketplace.red_supermarket.counter.services import till_shift_close, till_shift_open
from tests import factories
from tests.checkout import helpers
from tests.payments.conftest import pay_and_complete, ready_checkout

ZERO = Decimal("0.00")


def _balance(kind: str, owner: Any = None) -> Decimal:
    return account_balance(account=account_get_or_create(kind=kind, owner=owner))


def _legs(key: str) -> list[tuple[str, Any, Decimal]]:
    return [
        (p.account.kind, p.account.shop_id or p.account.village_id, p.amount)
        for p in Posting.objects.filter(transaction__idempotency_key=key)
        .select_related("account")
        .order_by("pk")
    ]


def _counter_order() -> tuple[Order, TransactionItem, Any]:
    """An online order in the village-counter channel, placed to be paid in cash."""
    checkout = ready_checkout(factories.channel("village-counter"))
    shop = checkout.lines.get().variant.product.shop
    tx = transaction_initialize(checkout=checkout, gateway_id=GatewayId.CASH).transaction
    order = checkout_complete(checkout=checkout, allow_unpaid=True)
    return order, tx, shop


def _alipay_order(channel: Any, sandbox: Any) -> tuple[Order, ShopOrder, Any]:
    """A one-shop order paid through the Alipay sandbox, and its shop's manager."""
    order = pay_and_complete(ready_checkout(channel), sandbox)
    shop_order = ShopOrder.objects.select_related("shop__village").get(order=order)
    return order, shop_order, factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_order.shop)


def _settle_all(order: Order, *, manager: Any, settings: Any, batch: bool = False) -> None:
    """Hand the order over, let its refund window pass, and settle every line (line by
    line, or `batch` through the set-based settler)."""
    for shop_order in ShopOrder.objects.filter(order=order):
        shop_order_fulfil(shop_order=shop_order, actor=manager)
    OrderEvent.objects.filter(order=order, type=OrderEventType.FULFILLMENT_FULFILLED_ITEMS).update(
        date=timezone.now() - timedelta(days=settings.SETTLEMENT_REFUND_WINDOW_DAYS + 1)
    )
    lines = list(OrderLine.objects.filter(shop_order__order=order))
    if batch:
        assert sorted(order_lines_settle_batch(limit=100).settled) == sorted(
            line.pk for line in lines
        )
        return
    for line in lines:
        order_line_settle(line=line)


@pytest.mark.django_db
def test_cash_confirmed_in_a_shift_is_expected_at_close_and_settles_from_the_shop(
    alipay_sandbox: Any, settings: Any
) -> None:
    order, tx, shop = _counter_order()
    village = shop.village
    supermarket = factories.red_supermarket(shop_obj=shop)
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop)
    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="100.00")

    cash_payment_confirm(transaction_id=tx.pk, actor=operator)
    cash_payment_confirm(transaction_id=tx.pk, actor=operator)  # a retried tap

    received = JournalTransaction.objects.get(idempotency_key=payment_received_key(tx.pk))
    assert received.kind == JournalKind.PAYMENT_RECEIVED
    assert _legs(received.idempotency_key) == [
        (AccountKind.CASH_TILL, village.pk, Decimal("60.00")),
        (AccountKind.SHOP, shop.pk, Decimal("-60.00")),
    ]
    assert JournalTransaction.objects.filter(kind=JournalKind.PAYMENT_RECEIVED).count() == 1
    assert _balance(AccountKind.SHOP, shop) == Decimal("-60.00")

    # The drawer holds the float and the order's cash: counting exactly that is no variance.
    closed = till_shift_close(shift=shift, operator=operator, counted_amount="160.00")
    assert closed.expected_amount == Decimal("160.00")
    assert closed.variance == ZERO
    assert _balance(AccountKind.TILL_VARIANCE, village) == ZERO
    assert _balance(AccountKind.CASH_TILL, village) == Decimal("60.00")

    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop)
    _settle_all(order, manager=manager, settings=settings)
    # Settlement took the money from SHOP: the till, already counted, is left alone.
    assert _balance(AccountKind.SHOP, shop) == ZERO
    assert _balance(AccountKind.CASH_TILL, village) == Decimal("60.00")
    (settlement,) = JournalTransaction.objects.filter(kind=JournalKind.SETTLEMENT)
    debit = settlement.postings.get(amount__gt=0)
    assert (debit.account.kind, debit.account.shop_id) == (AccountKind.SHOP, shop.pk)
    assert debit.amount == Decimal("60.00")
    assert not Posting.objects.filter(
        transaction__kind=JournalKind.SETTLEMENT, account__kind=AccountKind.CASH_TILL
    ).exists()
    assert unbalanced_transaction_ids() == []


@pytest.mark.django_db
def test_one_cash_payment_for_two_shops_credits_each_its_shop_order(alipay_sandbox: Any) -> None:
    counter = factories.channel("village-counter")
    shops = [helpers.shop_with_delivery(express_price=p) for p in ("10.00", "7.01")]
    goods = [
        helpers.goods(shop=shops[0], channel=counter, price="12.34", stock=5),
        helpers.goods(shop=shops[1], channel=counter, price="0.99", stock=5),
    ]
    checkout = checkout_services.checkout_create(
        channel=counter,
        email="villager@example.cn",
        lines=[helpers.line(goods[0], 3), helpers.line(goods[1], 1)],
    )
    checkout = helpers.ready(checkout, pay=False)
    tx = transaction_initialize(checkout=checkout, gateway_id=GatewayId.CASH).transaction
    order = checkout_complete(checkout=checkout, allow_unpaid=True)
    # The operator of the second shop's supermarket takes the cash: it is in that till.
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shops[1])
    cash_payment_confirm(transaction_id=tx.pk, actor=operator)

    totals = dict(ShopOrder.objects.filter(order=order).values_list("shop_id", "total_amount"))
    assert totals == {shops[0].pk: Decimal("47.02"), shops[1].pk: Decimal("8.00")}
    assert _legs(payment_received_key(tx.pk)) == [
        (AccountKind.CASH_TILL, shops[1].village_id, Decimal("55.02")),
        (AccountKind.SHOP, shops[0].pk, Decimal("-47.02")),
        (AccountKind.SHOP, shops[1].pk, Decimal("-8.00")),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_operators_confirming_at_once_post_the_receipt_once(alipay_sandbox: Any) -> None:
    _, tx, shop = _counter_order()
    operators = [factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop) for _ in range(2)]
    barrier = threading.Barrier(len(operators))
    errors: list[BaseException] = []

    def confirm(operator: Any) -> None:
        try:
            barrier.wait()
            cash_payment_confirm(transaction_id=tx.pk, actor=operator)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(op,)) for op in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert JournalTransaction.objects.filter(kind=JournalKind.PAYMENT_RECEIVED).count() == 1
    assert _balance(AccountKind.CASH_TILL, shop.village) == Decimal("60.00")
    assert _balance(AccountKind.SHOP, shop) == Decimal("-60.00")
    assert unbalanced_transaction_ids() == []


@pytest.mark.django_db
def test_alipay_paid_before_the_order_existed_is_held_for_the_shop(
    channel: Any, alipay_sandbox: Any
) -> None:
    order = pay_and_complete(ready_checkout(channel), alipay_sandbox)
    shop_order = ShopOrder.objects.get(order=order)
    tx = TransactionItem.objects.get(checkout__order=order)
    assert _legs(payment_received_key(tx.pk)) == [
        (AccountKind.ALIPAY_CLEARING, None, Decimal("60.00")),
        (AccountKind.SHOP, shop_order.shop_id, Decimal("-60.00")),
    ]


@pytest.mark.django_db
def test_a_refund_before_settlement_goes_back_from_the_shop_and_the_clawback_balances(
    channel: Any, alipay_sandbox: Any, settings: Any
) -> None:
    order, shop_order, manager = _alipay_order(channel, alipay_sandbox)
    shop, village = shop_order.shop, shop_order.shop.village

    refund = shop_order_refund(
        shop_order=shop_order, actor=manager, reason="one bag split", amount=Decimal("20.00")
    )
    again = shop_order_refund(
        shop_order=shop_order, actor=manager, reason="one bag split", amount=Decimal("20.00")
    )
    assert again.pk == refund.pk
    assert _legs(payment_refunded_key(refund.pk)) == [
        (AccountKind.SHOP, shop.pk, Decimal("20.00")),
        (AccountKind.ALIPAY_CLEARING, None, Decimal("-20.00")),
    ]
    assert JournalTransaction.objects.filter(kind=JournalKind.PAYMENT_REFUNDED).count() == 1
    assert _balance(AccountKind.SHOP, shop) == Decimal("-40.00")
    assert _balance(AccountKind.ALIPAY_CLEARING) == Decimal("40.00")

    _settle_all(order, manager=manager, settings=settings)
    # The line settled in full, so the shop gave out ¥20 more than it holds until the
    # clawback takes the refund back from the beneficiaries.
    assert _balance(AccountKind.SHOP, shop) == Decimal("20.00")
    refund_clawback(refund=refund)
    assert _balance(AccountKind.SHOP, shop) == ZERO
    assert _balance(AccountKind.ALIPAY_CLEARING) == Decimal("40.00")
    paid_out = (
        _balance(AccountKind.VILLAGE_COLLECTIVE, village)
        + _balance(AccountKind.PLATFORM_FEES)
        + _balance(AccountKind.LOGISTICS_PAYABLE)
    )
    assert paid_out == Decimal("-40.00")
    assert unbalanced_transaction_ids() == []


@pytest.mark.django_db
def test_a_refund_after_settlement_is_clawed_back_onto_the_shop_and_leaves_it(
    channel: Any, alipay_sandbox: Any, settings: Any
) -> None:
    order, shop_order, manager = _alipay_order(channel, alipay_sandbox)
    shop, village = shop_order.shop, shop_order.shop.village
    # Paid before checkoutComplete, the payment names only the checkout: found all the same.
    assert TransactionItem.objects.get(checkout__order=order).order_id is None
    _settle_all(order, manager=manager, settings=settings, batch=True)
    assert _balance(AccountKind.SHOP, shop) == ZERO
    assert _balance(AccountKind.VILLAGE_COLLECTIVE, village) < 0

    refund = shop_order_refund(shop_order=shop_order, actor=manager, reason="spoilt")
    assert refund.amount == Decimal("60.00")
    assert _balance(AccountKind.SHOP, shop) == Decimal("60.00")
    refund_clawback(refund=refund)
    refund_clawback(refund=refund)  # the beat task may meet it again
    for kind, owner in [
        (AccountKind.SHOP, shop),
        (AccountKind.ALIPAY_CLEARING, None),
        (AccountKind.VILLAGE_COLLECTIVE, village),
        (AccountKind.PLATFORM_FEES, None),
        (AccountKind.LOGISTICS_PAYABLE, None),
    ]:
        assert _balance(kind, owner) == ZERO, kind
    assert unbalanced_transaction_ids() == []


@pytest.mark.django_db
def test_only_an_operator_of_a_shop_in_the_order_takes_its_cash(alipay_sandbox: Any) -> None:
    order, tx, shop = _counter_order()
    elsewhere = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=factories.shop())
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop)
    for stranger in (elsewhere, manager, None):
        with pytest.raises(PermissionRefused):
            cash_payment_confirm(transaction_id=tx.pk, actor=stranger)
    tx.refresh_from_db()
    assert tx.status == "PENDING"
    assert not JournalTransaction.objects.exists()
    # A platform admin may (from the back office); the cash goes to the shop's village till.
    cash_payment_confirm(transaction_id=tx.pk, actor=factories.platform_admin())
    assert _balance(AccountKind.CASH_TILL, shop.village) == order.total_amount


@pytest.mark.django_db
def test_alipay_paid_after_the_order_was_placed_is_held_once_for_its_shop(
    channel: Any, alipay_sandbox: Any
) -> None:
    checkout = ready_checkout(channel)
    result = transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="PAGE")
    order = checkout_complete(checkout=checkout, allow_unpaid=True)
    alipay_sandbox.open_pay_url(result.data["payUrl"])
    params = alipay_sandbox.pay(result.transaction.psp_reference, deliver=False)
    assert alipay_notification_handle(params=dict(params)) == "success"
    assert alipay_notification_handle(params=dict(params)) == "success"  # Alipay's replay
    shop_order = ShopOrder.objects.get(order=order)
    assert Order.objects.get(pk=order.pk).charge_status == "FULL"
    assert _legs(payment_received_key(result.transaction.pk)) == [
        (AccountKind.ALIPAY_CLEARING, None, Decimal("60.00")),
        (AccountKind.SHOP, shop_order.shop_id, Decimal("-60.00")),
    ]
    assert JournalTransaction.objects.filter(kind=JournalKind.PAYMENT_RECEIVED).count() == 1
