"""Refunds per shop order through alipay.trade.refund: partial, capped at what the shop
order was paid, idempotent by request, tourism by cancellation tiers, role-checked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.models import Role
from marketplace.bookings.models import BookingHold
from marketplace.bookings.services import cancellation_policy_set
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.core.errors import PermissionRefused
from marketplace.orders.models import ShopOrder
from marketplace.payments.models import Refund, RefundStatus, TransactionItem
from marketplace.payments.notify import alipay_notification_handle
from marketplace.payments.refunds import shop_order_refund
from tests import factories
from tests.checkout import helpers
from tests.checkout.helpers import codes
from tests.payments.conftest import pay_and_complete, ready_checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(channel, alipay_sandbox):
    order = pay_and_complete(ready_checkout(channel), alipay_sandbox)  # ¥60
    shop_order = ShopOrder.objects.get(order=order)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_order.shop)
    return shop_order, manager


def test_partial_refunds_add_up_to_at_most_what_was_paid(paid, alipay_sandbox):
    shop_order, manager = paid
    first = shop_order_refund(
        shop_order=shop_order, actor=manager, reason="one jar broken", amount=Decimal("25.00")
    )
    assert first.status == RefundStatus.SUCCESS and first.completed_at
    tx = first.transaction
    trade = alipay_sandbox.trade(tx.psp_reference)
    assert trade.refunds[first.out_request_no].refund_amount == Decimal("25.00")
    with pytest.raises(ValidationError) as exc_info:
        shop_order_refund(
            shop_order=shop_order, actor=manager, reason="more", amount=Decimal("35.01")
        )
    assert codes(exc_info) == ["AMOUNT_TOO_HIGH"]
    second = shop_order_refund(
        shop_order=shop_order, actor=manager, reason="the rest", amount=Decimal("35.00")
    )
    assert second.out_request_no != first.out_request_no
    tx.refresh_from_db()
    assert (
        tx.refunded_amount
        == Decimal("60.00")
        == alipay_sandbox.trade(tx.psp_reference).refunded_total
    )
    assert list(tx.events.filter(type="REFUND_SUCCESS").values_list("amount", flat=True)) == [
        Decimal("25.00"),
        Decimal("35.00"),
    ]
    with pytest.raises(ValidationError) as exc_info:
        shop_order_refund(
            shop_order=shop_order, actor=manager, reason="again?", amount=Decimal("0.01")
        )
    assert codes(exc_info) == ["AMOUNT_TOO_HIGH"]


def test_retry_returns_the_same_refund_and_refunds_once(paid, alipay_sandbox):
    shop_order, manager = paid
    kwargs = dict(shop_order=shop_order, actor=manager, reason="late", amount=Decimal("10.00"))
    first = shop_order_refund(**kwargs)
    again = shop_order_refund(**kwargs)
    assert again.pk == first.pk
    keyed = shop_order_refund(**kwargs, idempotency_key="second-ten")
    assert keyed.pk != first.pk
    trade = alipay_sandbox.trade(first.transaction.psp_reference)
    assert sorted(trade.refunds) == sorted([first.out_request_no, keyed.out_request_no])


def test_lost_answer_is_retried_with_the_same_out_request_no(paid, alipay_sandbox):
    shop_order, manager = paid
    alipay_sandbox.inject_error("alipay.trade.refund")  # 20000 system busy: outcome unknown
    kwargs = dict(shop_order=shop_order, actor=manager, reason="wilted", amount=Decimal("20.00"))
    with pytest.raises(ValidationError) as exc_info:
        shop_order_refund(**kwargs)
    assert codes(exc_info) == ["GATEWAY_UNAVAILABLE"]
    pending = Refund.objects.get()
    assert pending.status == RefundStatus.PENDING
    retried = shop_order_refund(**kwargs)
    assert retried.pk == pending.pk and retried.status == RefundStatus.SUCCESS
    trade = alipay_sandbox.trade(pending.transaction.psp_reference)
    assert list(trade.refunds) == [pending.out_request_no]


def test_gateway_refusal_marks_the_refund_failed(paid, alipay_sandbox):
    shop_order, manager = paid
    alipay_sandbox.inject_error(
        "alipay.trade.refund", code="40004", sub_code="ACQ.SELLER_BALANCE_NOT_ENOUGH"
    )
    with pytest.raises(ValidationError) as exc_info:
        shop_order_refund(shop_order=shop_order, actor=manager, reason="x", amount=Decimal("5.00"))
    assert codes(exc_info) == ["GATEWAY_REFUSED"]
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.FAILED and "BALANCE" in refund.failure_message
    assert refund.transaction.events.filter(type="REFUND_FAILURE").count() == 1
    # A failed refund does not use up the shop order's refundable amount.
    ok = shop_order_refund(
        shop_order=shop_order, actor=manager, reason="y", amount=Decimal("60.00")
    )
    assert ok.status == RefundStatus.SUCCESS


def test_only_the_shops_manager_or_a_platform_admin_refunds(paid, admin_user):
    shop_order, _ = paid
    other_manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop())
    for actor in (None, factories.user(), other_manager):
        with pytest.raises(PermissionRefused):
            shop_order_refund(
                shop_order=shop_order, actor=actor, reason="x", amount=Decimal("1.00")
            )
    assert not Refund.objects.exists()
    refund = shop_order_refund(
        shop_order=shop_order, actor=admin_user, reason="x", amount=Decimal("1.00")
    )
    assert refund.status == RefundStatus.SUCCESS


def test_refund_notice_from_alipay_does_not_charge_again(paid, alipay_sandbox):
    shop_order, manager = paid
    refund = shop_order_refund(
        shop_order=shop_order, actor=manager, reason="x", amount=Decimal("5.00")
    )
    notice = alipay_sandbox.last_notification(refund.transaction.psp_reference)
    assert notice["out_biz_no"] == refund.out_request_no
    assert alipay_notification_handle(params=notice) == "success"
    tx = TransactionItem.objects.get(pk=refund.transaction_id)
    assert tx.charged_amount == Decimal("60.00") and tx.refunded_amount == Decimal("5.00")
    assert tx.events.filter(type="CHARGE_SUCCESS").count() == 1
    assert tx.events.filter(type="INFO").count() == 1


def test_unpaid_order_cannot_be_refunded(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    order = checkout_complete(checkout=checkout, allow_unpaid=True)
    shop_order = ShopOrder.objects.get(order=order)
    with pytest.raises(ValidationError) as exc_info:
        shop_order_refund(
            shop_order=shop_order, actor=factories.platform_admin(), reason="x", amount=None
        )
    assert codes(exc_info) == ["NOT_PAID"]


def test_tourism_refund_follows_the_cancellation_tiers(channel, alipay_sandbox, admin_user):
    shop = helpers.shop_with_delivery()
    room = helpers.homestay(shop=shop, channel=channel, price="300.00")
    honey = helpers.goods(shop=shop, channel=channel, price="50.00")
    cancellation_policy_set(actor=admin_user, shop=shop, tiers=[(7, 80), (2, 50)])
    checkout = checkout_services.checkout_create(
        channel=channel,
        email="guest@example.cn",
        lines=[
            helpers.line(room, 1, helpers.stay(2, guests=2, starts_in=5)),  # 2 nights: ¥600
            helpers.line(honey, 1),
        ],
    )
    checkout = helpers.ready(checkout, method="pickup", pay=False)
    order = pay_and_complete(checkout, alipay_sandbox)
    shop_order = ShopOrder.objects.get(order=order)
    assert shop_order.total_amount == Decimal("650.00")

    # 5 days before the start: the 50 % tier. Honey in full, the stay at half.
    refund = shop_order_refund(
        shop_order=shop_order, actor=admin_user, reason="plans changed", amount=None
    )
    assert refund.amount == Decimal("350.00") and refund.status == RefundStatus.SUCCESS
    assert refund.details["bookings"][0]["percent"] == 50
    hold = BookingHold.objects.get(key=refund.details["bookings"][0]["key"])
    assert hold.status == "CANCELLED"
    # Asking again is the same request.
    assert (
        shop_order_refund(
            shop_order=shop_order, actor=admin_user, reason="plans changed", amount=None
        ).pk
        == refund.pk
    )
