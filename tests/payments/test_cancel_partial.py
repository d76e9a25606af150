"""Cancelling part of an order: what the counter and open Alipay trades still ask for, the
charge status against what is still owed, a refused cancel refund asked for again under
the next key, old orders' identical bookings, and orders paid in several Alipay trades."""

from __future__ import annotations

from decimal import Decimal
from importlib import import_module
from unittest import mock

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from marketplace.accounts.models import Role
from marketplace.bookings import services as booking_services
from marketplace.bookings.models import BookingHold, DayCapacity
from marketplace.bookings.services import cancellation_policy_set
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.orders.models import Order, OrderLine, OrderStatus, ShopOrder
from marketplace.payments.cancellation import shop_order_cancel_and_refund
from marketplace.payments.cash import cash_payment_confirm
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.models import (
    GatewayId,
    Refund,
    RefundStatus,
    TransactionItem,
    TransactionStatus,
)
from marketplace.payments.notify import alipay_notification_handle
from marketplace.payments.refunds import shop_order_refund
from tests import factories
from tests.checkout import helpers
from tests.checkout.helpers import codes
from tests.payments.conftest import alipay_refunds

pytestmark = pytest.mark.django_db


def two_shop_checkout(channel):
    """Tea shop ¥60 (2 × ¥25 + ¥10 express) and nut shop ¥50 (¥40 + ¥10 express)."""
    tea_shop = helpers.shop_with_delivery(express_price="10.00")
    nut_shop = helpers.shop_with_delivery(express_price="10.00")
    tea = helpers.goods(shop=tea_shop, channel=channel, price="25.00")
    nuts = helpers.goods(shop=nut_shop, channel=channel, price="40.00")
    checkout = checkout_services.checkout_create(
        channel=channel,
        email="buyer@example.cn",
        lines=[helpers.line(tea, 2), helpers.line(nuts, 1)],
    )
    return helpers.ready(checkout, pay=False), tea_shop, nut_shop


def pay(checkout, sandbox, amount: str) -> TransactionItem:
    result = transaction_initialize(
        checkout=checkout, gateway_id=GatewayId.ALIPAY, method="PAGE", amount=Decimal(amount)
    )
    sandbox.open_pay_url(result.data["payUrl"])
    params = sandbox.pay(result.transaction.psp_reference, deliver=False)
    assert alipay_notification_handle(params=params) == "success"
    return TransactionItem.objects.get(pk=result.transaction.pk)


# --- finding 1: a partly cancelled counter order -----------------------------------------


def test_cash_asks_only_for_what_the_live_shop_orders_owe(alipay_sandbox):
    counter = factories.channel("village-counter")
    checkout, tea_shop, nut_shop = two_shop_checkout(counter)
    cash = transaction_initialize(checkout=checkout, gateway_id=GatewayId.CASH)
    assert cash.transaction.amount == Decimal("110.00")
    order = checkout_complete(checkout=checkout, allow_unpaid=True)
    tea_order = ShopOrder.objects.select_related("shop").get(order=order, shop=tea_shop)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)

    for _ in range(2):  # a retry changes nothing more
        outcome = shop_order_cancel_and_refund(
            actor=manager, shop_order=tea_order, reason="cannot supply"
        )
        assert outcome.refunds == []
    old = TransactionItem.objects.get(pk=cash.transaction.pk)
    assert old.status == TransactionStatus.CANCELLED
    (closed,) = old.events.filter(type="CANCEL_SUCCESS")
    assert f"shop order {tea_order.pk} cancelled" in closed.message
    (fresh,) = TransactionItem.objects.filter(
        checkout=checkout, gateway_id=GatewayId.CASH, status=TransactionStatus.PENDING
    )
    assert fresh.amount == Decimal("50.00") and fresh.order_id == order.pk
    assert fresh.events.get(type="CHARGE_REQUEST").amount == Decimal("50.00")

    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=nut_shop)
    with pytest.raises(ValidationError):  # the ¥110 can no longer be taken
        cash_payment_confirm(transaction_id=old.pk, actor=operator)
    cash_payment_confirm(transaction_id=fresh.pk, actor=operator)
    order = Order.objects.get(pk=order.pk)
    assert order.charged_amount == Decimal("50.00")
    assert order.charge_status == "FULL"
    assert order.status == OrderStatus.UNFULFILLED


def test_an_open_alipay_trade_for_the_whole_order_is_closed(
    alipay_sandbox, django_capture_on_commit_callbacks
):
    counter = factories.channel("village-counter")
    checkout, tea_shop, _ = two_shop_checkout(counter)
    open_trade = transaction_initialize(
        checkout=checkout, gateway_id=GatewayId.ALIPAY, method="QR"
    ).transaction
    order = checkout_complete(checkout=checkout, allow_unpaid=True)
    tea_order = ShopOrder.objects.select_related("shop").get(order=order, shop=tea_shop)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        shop_order_cancel_and_refund(actor=manager, shop_order=tea_order, reason="cannot supply")
    assert callbacks  # the close is scheduled only once the cancellation committed
    open_trade.refresh_from_db()
    assert open_trade.status == TransactionStatus.CANCELLED
    assert [r.method for r in alipay_sandbox.received].count("alipay.trade.close") == 1


def test_a_paid_order_is_overcharged_until_the_cancelled_part_goes_back(channel, alipay_sandbox):
    checkout, tea_shop, _ = two_shop_checkout(channel)
    pay(checkout, alipay_sandbox, "110.00")
    order = checkout_complete(checkout=checkout)
    tea_order = ShopOrder.objects.select_related("shop").get(order=order, shop=tea_shop)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)
    alipay_sandbox.inject_error("alipay.trade.refund")  # no answer: the refund waits
    with pytest.raises(ValidationError):
        shop_order_cancel_and_refund(actor=manager, shop_order=tea_order, reason="x")
    assert Order.objects.get(pk=order.pk).charge_status == "OVERCHARGED"
    shop_order_cancel_and_refund(actor=manager, shop_order=tea_order, reason="x")
    order = Order.objects.get(pk=order.pk)
    assert (order.charge_status, order.charged_amount) == ("FULL", Decimal("110.00"))


# --- finding 2: a refused cancel refund is asked for again --------------------------------


def test_a_refund_alipay_refused_is_asked_for_again_under_the_next_key(channel, alipay_sandbox):
    checkout, tea_shop, _ = two_shop_checkout(channel)
    pay(checkout, alipay_sandbox, "110.00")
    order = checkout_complete(checkout=checkout)
    tea_order = ShopOrder.objects.select_related("shop").get(order=order, shop=tea_shop)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)
    refused = dict(code="40004", sub_code="ACQ.SELLER_BALANCE_NOT_ENOUGH")

    alipay_sandbox.inject_error("alipay.trade.refund", **refused)
    with pytest.raises(ValidationError) as first:
        shop_order_cancel_and_refund(actor=manager, shop_order=tea_order, reason="x")
    assert codes(first) == ["payment_error"]
    alipay_sandbox.inject_error("alipay.trade.refund", **refused)
    with pytest.raises(ValidationError) as second:
        shop_order_cancel_and_refund(actor=manager, shop_order=tea_order, reason="x")
    assert codes(second) == ["payment_error"]

    outcome = shop_order_cancel_and_refund(actor=manager, shop_order=tea_order, reason="x")
    (refund,) = outcome.refunds
    assert refund.status == RefundStatus.SUCCESS and refund.amount == Decimal("60.00")
    key = f"cancel:{tea_order.pk}"
    assert list(
        Refund.objects.filter(shop_order=tea_order)
        .order_by("pk")
        .values_list("idempotency_key", "status")
    ) == [(key, "FAILED"), (f"{key}:2", "FAILED"), (f"{key}:3", "SUCCESS")]
    # Refunded once; asking again returns that refund and asks Alipay nothing.
    again = shop_order_cancel_and_refund(actor=manager, shop_order=tea_order, reason="x")
    assert [r.pk for r in again.refunds] == [refund.pk]
    assert len(alipay_refunds(alipay_sandbox)) == 3
    assert alipay_sandbox.trade(refund.transaction.psp_reference).refunded_total == Decimal("60")


# --- finding 3: old orders' identical bookings --------------------------------------------


def test_an_old_orders_identical_bookings_are_each_cancelled_once(
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
    checkout = helpers.ready(checkout, pay=False)
    pay(checkout, alipay_sandbox, "1200.00")
    order = checkout_complete(checkout=checkout)
    shop_order = ShopOrder.objects.get(order=order)
    holds = sorted(
        OrderLine.objects.filter(shop_order=shop_order).values_list("booking_hold_key", flat=True)
    )
    # Sold before order lines kept their hold key, then migrated.
    OrderLine.objects.filter(shop_order=shop_order).update(booking_hold_key=None)
    import_module(
        "marketplace.orders.migrations.0005_backfill_booking_hold_keys"
    ).backfill_booking_hold_keys(apps)
    assert (
        sorted(
            OrderLine.objects.filter(shop_order=shop_order).values_list(
                "booking_hold_key", flat=True
            )
        )
        == holds
    )

    with mock.patch(
        "marketplace.payments.refunds.booking_cancel_many",
        wraps=booking_services.booking_cancel_many,
    ) as cancel_many:
        refund = shop_order_refund(
            shop_order=shop_order, actor=admin_user, reason="plans changed", amount=None
        )
    assert cancel_many.call_count == 1
    assert sorted(b["key"] for b in refund.details["bookings"]) == holds
    assert refund.amount == Decimal("600.00")
    assert set(BookingHold.objects.filter(key__in=holds).values_list("status", flat=True)) == {
        "CANCELLED"
    }
    assert set(
        DayCapacity.objects.filter(product=room.product).values_list("allocated", flat=True)
    ) == {0}


# --- an order paid in two Alipay trades ---------------------------------------------------


def test_each_refund_comes_out_of_a_trade_that_still_holds_it(channel, alipay_sandbox):
    checkout, tea_shop, nut_shop = two_shop_checkout(channel)
    first = pay(checkout, alipay_sandbox, "60.00")
    second = pay(checkout, alipay_sandbox, "50.00")
    order = checkout_complete(checkout=checkout)
    admin = factories.platform_admin()
    tea_order = ShopOrder.objects.select_related("shop").get(order=order, shop=tea_shop)
    nut_order = ShopOrder.objects.select_related("shop").get(order=order, shop=nut_shop)

    (tea_refund,) = shop_order_cancel_and_refund(
        actor=admin, shop_order=tea_order, reason="x"
    ).refunds
    (nut_refund,) = shop_order_cancel_and_refund(
        actor=admin, shop_order=nut_order, reason="x"
    ).refunds
    assert (tea_refund.transaction_id, nut_refund.transaction_id) == (first.pk, second.pk)
    assert alipay_sandbox.trade(first.psp_reference).refunded_total == Decimal("60.00")
    assert alipay_sandbox.trade(second.psp_reference).refunded_total == Decimal("50.00")


def test_an_amount_no_single_trade_holds_is_refused_clearly(channel, alipay_sandbox):
    checkout, tea_shop, _ = two_shop_checkout(channel)
    pay(checkout, alipay_sandbox, "55.00")
    pay(checkout, alipay_sandbox, "55.00")
    order = checkout_complete(checkout=checkout)
    tea_order = ShopOrder.objects.get(order=order, shop=tea_shop)
    with pytest.raises(ValidationError) as refused:
        shop_order_refund(
            shop_order=tea_order,
            actor=factories.platform_admin(),
            reason="x",
            amount=Decimal("60.00"),
        )
    assert codes(refused) == ["AMOUNT_TOO_HIGH"]
    assert "2 Alipay trades" in refused.value.messages[0]
    assert not Refund.objects.exists() and alipay_refunds(alipay_sandbox) == []


# --- finding 4: outside any transaction ---------------------------------------------------


def test_cancel_and_refund_refuses_to_run_inside_a_transaction(channel, alipay_sandbox):
    checkout, tea_shop, _ = two_shop_checkout(channel)
    pay(checkout, alipay_sandbox, "110.00")
    order = checkout_complete(checkout=checkout)
    tea_order = ShopOrder.objects.select_related("shop").get(order=order, shop=tea_shop)
    with pytest.raises(RuntimeError), transaction.atomic():
        shop_order_cancel_and_refund(
            actor=factories.platform_admin(), shop_order=tea_order, reason="x"
        )
    assert ShopOrder.objects.get(pk=tea_order.pk).status == OrderStatus.UNFULFILLED
