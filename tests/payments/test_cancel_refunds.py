"""A cancelled shop order gives the buyer back everything still unrefunded on it, through
Alipay (the local sandbox), exactly once however often the cancellation is repeated; cash
paid at the counter is noted for the counter to give back; a counter order's open cash
attempt is closed with it. Also the hold key that lets a refund tell two identical bookings
apart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.models import Role
from marketplace.bookings.models import BookingHold, DayCapacity
from marketplace.bookings.services import cancellation_policy_set
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.core.errors import PermissionRefused
from marketplace.inventory.models import Stock
from marketplace.orders.models import OrderEvent, OrderLine, OrderStatus, ShopOrder
from marketplace.payments.cancellation import order_cancel_and_refund, shop_order_cancel_and_refund
from marketplace.payments.cash import cash_payment_confirm
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.models import GatewayId, Refund, RefundStatus, TransactionStatus
from marketplace.payments.refunds import shop_order_refund
from tests import factories
from tests.checkout import helpers
from tests.checkout.helpers import codes
from tests.payments.conftest import alipay_refunds, pay_and_complete, ready_checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(channel, alipay_sandbox):
    order = pay_and_complete(ready_checkout(channel), alipay_sandbox)  # 2 × ¥25 + ¥10 express
    shop_order = ShopOrder.objects.select_related("shop").get(order=order)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_order.shop)
    return shop_order, manager


def test_a_paid_shop_order_is_refunded_in_full_once(paid, alipay_sandbox):
    shop_order, manager = paid
    variant = shop_order.lines.get().variant
    outcome = shop_order_cancel_and_refund(actor=manager, shop_order=shop_order, reason="顾客取消")
    (refund,) = outcome.refunds
    assert outcome.shop_orders[0].status == OrderStatus.CANCELED
    assert refund.amount == Decimal("60.00") and refund.status == RefundStatus.SUCCESS
    assert refund.idempotency_key == f"cancel:{shop_order.pk}" and refund.reason == "顾客取消"
    trade = alipay_sandbox.trade(refund.transaction.psp_reference)
    assert trade.refunded_total == Decimal("60.00")
    assert Stock.objects.get(product_variant=variant).quantity_allocated == 0

    # A retry (lost answer, double click) refunds nothing more and asks Alipay nothing.
    again = shop_order_cancel_and_refund(actor=manager, shop_order=shop_order, reason="顾客取消")
    assert [r.pk for r in again.refunds] == [refund.pk]
    assert Refund.objects.count() == 1 and len(alipay_refunds(alipay_sandbox)) == 1
    assert alipay_sandbox.trade(refund.transaction.psp_reference).refunded_total == Decimal("60")
    assert OrderEvent.objects.filter(order=shop_order.order, type="CANCELED").count() == 1


def test_only_what_is_left_is_refunded(paid, alipay_sandbox):
    shop_order, manager = paid
    shop_order_refund(
        shop_order=shop_order, actor=manager, reason="one jar broken", amount=Decimal("25.00")
    )
    outcome = shop_order_cancel_and_refund(
        actor=manager, shop_order=shop_order, reason="the rest cannot be sent"
    )
    assert [r.amount for r in outcome.refunds] == [Decimal("35.00")]
    tx = outcome.refunds[0].transaction
    assert alipay_sandbox.trade(tx.psp_reference).refunded_total == Decimal("60.00")


def test_a_refund_alipay_did_not_answer_is_finished_by_cancelling_again(paid, alipay_sandbox):
    shop_order, manager = paid
    alipay_sandbox.inject_error("alipay.trade.refund")  # system busy: outcome unknown
    with pytest.raises(ValidationError) as refused:
        shop_order_cancel_and_refund(actor=manager, shop_order=shop_order, reason="x")
    assert codes(refused) == ["payment_error"]
    # The cancellation itself is recorded; the refund waits under its key.
    assert ShopOrder.objects.get(pk=shop_order.pk).status == OrderStatus.CANCELED
    pending = Refund.objects.get()
    assert pending.status == RefundStatus.PENDING

    outcome = shop_order_cancel_and_refund(actor=manager, shop_order=shop_order, reason="x")
    assert [r.pk for r in outcome.refunds] == [pending.pk]
    assert outcome.refunds[0].status == RefundStatus.SUCCESS
    trade = alipay_sandbox.trade(pending.transaction.psp_reference)
    assert list(trade.refunds) == [pending.out_request_no]
    assert trade.refunded_total == Decimal("60.00")


def test_refusals_refund_nothing(paid, alipay_sandbox):
    shop_order, _ = paid
    other = factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop())
    for actor in (None, factories.user(), other):
        with pytest.raises(PermissionRefused):
            shop_order_cancel_and_refund(actor=actor, shop_order=shop_order, reason="x")
    assert not Refund.objects.exists()
    assert ShopOrder.objects.get(pk=shop_order.pk).status == OrderStatus.UNFULFILLED


def test_a_shop_cancelling_a_stay_owes_the_whole_price_not_the_tier(
    channel, alipay_sandbox, admin_user
):
    shop = helpers.shop_with_delivery()
    room = helpers.homestay(shop=shop, channel=channel, price="300.00")
    honey = helpers.goods(shop=shop, channel=channel, price="50.00")
    cancellation_policy_set(actor=admin_user, shop=shop, tiers=[(7, 80), (2, 50)])
    checkout = checkout_services.checkout_create(
        channel=channel,
        email="guest@example.cn",
        lines=[
            helpers.line(room, 1, helpers.stay(2, guests=2, starts_in=5)),  # ¥600
            helpers.line(honey, 1),
        ],
    )
    order = pay_and_complete(helpers.ready(checkout, method="pickup", pay=False), alipay_sandbox)
    shop_order = ShopOrder.objects.select_related("shop").get(order=order)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop)

    outcome = shop_order_cancel_and_refund(
        actor=manager, shop_order=shop_order, reason="the roof leaks"
    )
    # 5 days ahead the buyer's own cancellation would get 50 % of the stay (¥350 in all).
    assert [r.amount for r in outcome.refunds] == [Decimal("650.00")]
    key = OrderLine.objects.get(shop_order=shop_order, booking_start_date__isnull=False)
    hold = BookingHold.objects.get(key=key.booking_hold_key)
    assert (hold.status, hold.refund_percent) == ("CANCELLED", 100)
    assert set(
        DayCapacity.objects.filter(product=room.product).values_list("allocated", flat=True)
    ) == {0}


def test_two_identical_bookings_are_refunded_through_their_own_keys(
    channel, alipay_sandbox, admin_user
):
    shop = helpers.shop_with_delivery()
    room = helpers.homestay(shop=shop, channel=channel, price="300.00", rooms=2)
    cancellation_policy_set(actor=admin_user, shop=shop, tiers=[(2, 50)])
    stay = helpers.stay(2, guests=2, starts_in=5)
    checkout = checkout_services.checkout_create(
        channel=channel,
        email="guest@example.cn",
        lines=[helpers.line(room, 1, stay), helpers.line(room, 1, stay)],  # 2 × ¥600
    )
    order = pay_and_complete(helpers.ready(checkout, pay=False), alipay_sandbox)
    shop_order = ShopOrder.objects.get(order=order)

    refund = shop_order_refund(
        shop_order=shop_order, actor=admin_user, reason="plans changed", amount=None
    )
    # Each booking cancelled on its own, each at its tier: half of ¥1200.
    keys = sorted(b["key"] for b in refund.details["bookings"])
    assert len(set(keys)) == 2
    assert keys == sorted(
        OrderLine.objects.filter(shop_order=shop_order).values_list("booking_hold_key", flat=True)
    )
    assert refund.amount == Decimal("600.00")
    assert set(BookingHold.objects.filter(key__in=keys).values_list("status", flat=True)) == {
        "CANCELLED"
    }
    assert set(
        DayCapacity.objects.filter(product=room.product).values_list("allocated", flat=True)
    ) == {0}


def test_a_whole_order_is_cancelled_and_each_shop_order_refunded(channel, alipay_sandbox):
    tea_shop = helpers.shop_with_delivery(express_price="10.00")
    nut_shop = helpers.shop_with_delivery(express_price="10.00")
    tea = helpers.goods(shop=tea_shop, channel=channel, price="25.00")
    nuts = helpers.goods(shop=nut_shop, channel=channel, price="40.00")
    checkout = checkout_services.checkout_create(
        channel=channel,
        email="buyer@example.cn",
        lines=[helpers.line(tea, 2), helpers.line(nuts, 1)],
    )
    order = pay_and_complete(helpers.ready(checkout, pay=False), alipay_sandbox)
    with pytest.raises(PermissionRefused):
        order_cancel_and_refund(
            actor=factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop),
            order=order,
            reason="x",
        )
    admin = factories.platform_admin()
    outcome = order_cancel_and_refund(actor=admin, order=order, reason="fraud")
    assert outcome.order.status == OrderStatus.CANCELED
    assert sorted(r.amount for r in outcome.refunds) == [Decimal("50.00"), Decimal("60.00")]
    assert sum(r.amount for r in outcome.refunds) == order.total_amount
    again = order_cancel_and_refund(actor=admin, order=order, reason="fraud")
    assert sorted(r.pk for r in again.refunds) == sorted(r.pk for r in outcome.refunds)
    assert len(alipay_refunds(alipay_sandbox)) == 2


# --- the village counter ------------------------------------------------------------------


def _counter_order(*, paid: bool):
    counter = factories.channel("village-counter")
    checkout = ready_checkout(counter)
    shop = checkout.lines.get().variant.product.shop
    tx = transaction_initialize(checkout=checkout, gateway_id=GatewayId.CASH).transaction
    order = checkout_complete(checkout=checkout, allow_unpaid=True)
    if paid:
        operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop)
        cash_payment_confirm(transaction_id=tx.pk, actor=operator)
    shop_order = ShopOrder.objects.select_related("shop").get(order=order)
    return shop_order, factories.user(role=Role.SHOP_MANAGER, shop_obj=shop), tx


def test_cash_paid_at_the_counter_is_noted_for_the_counter_to_give_back(alipay_sandbox):
    shop_order, manager, _ = _counter_order(paid=True)
    for _ in range(2):
        outcome = shop_order_cancel_and_refund(
            actor=manager, shop_order=shop_order, reason="cannot supply"
        )
        assert outcome.refunds == []
    (note,) = OrderEvent.objects.filter(order=shop_order.order, type="NOTE_ADDED")
    assert note.parameters["amount"] == "60.00" and "cash" in note.parameters["message"]
    assert not Refund.objects.exists() and alipay_refunds(alipay_sandbox) == []


def test_cancelling_an_unpaid_counter_order_closes_its_cash_attempt(alipay_sandbox):
    shop_order, manager, tx = _counter_order(paid=False)
    outcome = shop_order_cancel_and_refund(
        actor=manager, shop_order=shop_order, reason="never collected"
    )
    assert outcome.refunds == [] and outcome.order.status == OrderStatus.CANCELED
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.CANCELLED
    assert tx.events.filter(type="CANCEL_SUCCESS").count() == 1
    with pytest.raises(ValidationError):
        cash_payment_confirm(transaction_id=tx.pk, actor=factories.platform_admin())
