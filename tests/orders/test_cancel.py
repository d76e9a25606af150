"""A shop calls off its part of an order before handing anything over: stock and booking
days go back on sale exactly once, the order's status and history follow, the buyer is told;
and the periodic task that cancels counter orders nobody paid."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from marketplace.accounts.models import Role
from marketplace.bookings.models import BookingHold, DayCapacity
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.models import CheckoutLine
from marketplace.core.errors import PermissionRefused
from marketplace.inventory.models import Allocation, Stock
from marketplace.orders.lifecycle import order_cancel, shop_order_cancel, shop_order_fulfil
from marketplace.orders.models import Order, OrderEvent, OrderLine, OrderStatus, ShopOrder
from marketplace.orders.notifications import order_canceled_notify
from marketplace.payments.cash import cash_payment_confirm
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.models import GatewayId, TransactionStatus
from marketplace.payments.selectors import order_pays_on_handover
from marketplace.payments.tasks import cancel_unpaid_counter_orders
from tests import factories
from tests.checkout import helpers
from tests.checkout.helpers import codes, goods, line

# The migration that gave lines sold before booking_hold_key existed their key.
backfill_booking_hold_keys = import_module(
    "marketplace.orders.migrations.0005_backfill_booking_hold_keys"
).backfill_booking_hold_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_shop_order(channel):
    tea_shop = helpers.shop_with_delivery()
    nut_shop = helpers.shop_with_delivery()
    tea = goods(shop=tea_shop, channel=channel, stock=10)
    nuts = goods(shop=nut_shop, channel=channel, stock=5)
    checkout = checkout_services.checkout_create(
        channel=channel, email="buyer@example.cn", lines=[line(tea, 3), line(nuts, 2)]
    )
    order = checkout_complete(checkout=helpers.ready(checkout))
    return order, tea_shop, nut_shop, tea, nuts


def stock_of(variant) -> tuple[int, int]:
    stock = Stock.objects.get(product_variant=variant)
    return stock.quantity, stock.quantity_allocated


def test_goods_go_back_to_stock_and_the_order_follows(
    two_shop_order, django_capture_on_commit_callbacks
):
    order, tea_shop, nut_shop, tea, nuts = two_shop_order
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)
    tea_part = ShopOrder.objects.get(order=order, shop=tea_shop)
    assert stock_of(tea) == (10, 3)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = shop_order_cancel(actor=manager, shop_order=tea_part, reason="断货了")

    assert cancelled.status == OrderStatus.CANCELED
    assert stock_of(tea) == (10, 0)
    assert not Allocation.objects.filter(order_line__shop_order=tea_part).exists()
    assert stock_of(nuts) == (5, 2)  # the other shop's part is untouched
    order.refresh_from_db()
    assert order.status == OrderStatus.UNFULFILLED  # the nuts are still coming
    event = OrderEvent.objects.get(order=order, type="CANCELED")
    assert (event.shop, event.user) == (tea_shop, manager)
    assert event.parameters == {"message": "断货了", "by": "staff"}
    (notice,) = mail.outbox
    assert notice.to == ["buyer@example.cn"] and "cancelled" in notice.subject
    assert tea_shop.name in notice.body and "断货了" in notice.body
    # A retried notice task mails nothing new.
    assert order_canceled_notify(order_id=order.pk, shop_order_ids=[tea_part.pk]) == 0
    assert len(mail.outbox) == 1

    nut_manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=nut_shop)
    shop_order_cancel(
        actor=nut_manager,
        shop_order=ShopOrder.objects.get(order=order, shop=nut_shop),
        reason="buyer changed their mind",
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED
    assert stock_of(nuts) == (5, 0)


def test_cancelling_again_changes_nothing(two_shop_order, django_capture_on_commit_callbacks):
    order, tea_shop, _, tea, _ = two_shop_order
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)
    tea_part = ShopOrder.objects.get(order=order, shop=tea_shop)
    shop_order_cancel(actor=manager, shop_order=tea_part, reason="no stock")
    # Someone else buys tea meanwhile: a second release would give away their units.
    checkout = checkout_services.checkout_create(
        channel=order.channel, email="next@example.cn", lines=[line(tea, 4)]
    )
    checkout_complete(checkout=helpers.ready(checkout))
    assert stock_of(tea) == (10, 4)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = shop_order_cancel(actor=manager, shop_order=tea_part, reason="no stock, again")

    assert again.status == OrderStatus.CANCELED
    assert stock_of(tea) == (10, 4)
    assert OrderEvent.objects.filter(order=order, type="CANCELED").count() == 1
    assert callbacks == [] and mail.outbox == []


def test_cancelled_and_fulfilled_parts_make_a_fulfilled_order(two_shop_order):
    order, tea_shop, nut_shop, _, nuts = two_shop_order
    shop_order_cancel(
        actor=factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop),
        shop_order=ShopOrder.objects.get(order=order, shop=tea_shop),
        reason="no stock",
    )
    shop_order_fulfil(
        actor=factories.user(role=Role.SHOP_MANAGER, shop_obj=nut_shop),
        shop_order=ShopOrder.objects.get(order=order, shop=nut_shop),
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert stock_of(nuts) == (3, 0)


def test_refusals_change_nothing(two_shop_order, admin_user):
    order, tea_shop, nut_shop, tea, _ = two_shop_order
    tea_part = ShopOrder.objects.get(order=order, shop=tea_shop)
    other_village = factories.user(role=Role.SHOP_MANAGER, shop_obj=nut_shop)
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=tea_shop.village.township)
    for actor in (other_village, factories.user(), officer, None):
        with pytest.raises(PermissionRefused):
            shop_order_cancel(actor=actor, shop_order=tea_part, reason="x")
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)
    with pytest.raises(ValidationError) as refused:
        shop_order_cancel(actor=manager, shop_order=tea_part, reason="  ")
    assert codes(refused) == ["required"]
    with pytest.raises(ValidationError) as refused:
        shop_order_cancel(actor=manager, shop_order=tea_part, reason="x" * 256)
    assert codes(refused) == ["invalid"]
    with pytest.raises(ValueError):
        shop_order_cancel(actor=manager, shop_order=tea_part, reason="x", as_system=True)

    shop_order_fulfil(actor=manager, shop_order=tea_part)
    with pytest.raises(ValidationError) as refused:
        shop_order_cancel(actor=admin_user, shop_order=tea_part, reason="too late")
    assert codes(refused) == ["cannot_cancel_order"]

    assert ShopOrder.objects.get(pk=tea_part.pk).status == OrderStatus.FULFILLED
    assert stock_of(tea) == (7, 0)
    assert not OrderEvent.objects.filter(order=order, type="CANCELED").exists()


def test_a_platform_admin_may_cancel_any_shops_part(two_shop_order, admin_user):
    order, tea_shop, _, tea, _ = two_shop_order
    shop_order_cancel(
        actor=admin_user,
        shop_order=ShopOrder.objects.get(order=order, shop=tea_shop),
        reason="fraud check",
    )
    assert stock_of(tea) == (10, 0)


def test_the_system_cancels_only_what_nobody_paid(two_shop_order):
    order, tea_shop, _, _, _ = two_shop_order  # paid in full
    with pytest.raises(ValidationError) as refused:
        shop_order_cancel(
            actor=None,
            shop_order=ShopOrder.objects.get(order=order, shop=tea_shop),
            reason="unpaid",
            as_system=True,
        )
    assert codes(refused) == ["cannot_cancel_order"]


# --- whole orders -----------------------------------------------------------------------


def test_order_cancel_is_for_platform_admins_and_all_or_nothing(two_shop_order, admin_user):
    order, tea_shop, nut_shop, tea, _nuts = two_shop_order
    tea_manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)
    with pytest.raises(PermissionRefused):
        order_cancel(actor=tea_manager, order=order, reason="x")
    shop_order_fulfil(
        actor=factories.user(role=Role.SHOP_MANAGER, shop_obj=nut_shop),
        shop_order=ShopOrder.objects.get(order=order, shop=nut_shop),
    )
    with pytest.raises(ValidationError) as refused:
        order_cancel(actor=admin_user, order=order, reason="x")
    assert codes(refused) == ["cannot_cancel_order"]
    assert stock_of(tea) == (10, 3)
    assert ShopOrder.objects.get(order=order, shop=tea_shop).status == OrderStatus.UNFULFILLED


def test_order_cancel_cancels_every_open_part_once(two_shop_order, admin_user):
    order, tea_shop, _, tea, nuts = two_shop_order
    tea_manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)
    shop_order_cancel(
        actor=tea_manager, shop_order=ShopOrder.objects.get(order=order, shop=tea_shop), reason="x"
    )
    cancelled = order_cancel(actor=admin_user, order=order, reason="platform")
    assert cancelled.status == OrderStatus.CANCELED
    assert stock_of(tea) == (10, 0) and stock_of(nuts) == (5, 0)
    assert list(
        OrderEvent.objects.filter(order=order, type="CANCELED")
        .order_by("pk")
        .values_list("parameters__message", flat=True)
    ) == ["x", "platform"]
    order_cancel(actor=admin_user, order=order, reason="again")
    assert OrderEvent.objects.filter(order=order, type="CANCELED").count() == 2


# --- bookings ---------------------------------------------------------------------------


def _booked(channel, *, stays: int = 1, rooms: int = 1):
    shop = helpers.shop_with_delivery()
    room = helpers.homestay(shop=shop, channel=channel, price="300.00", rooms=rooms)
    checkout = checkout_services.checkout_create(
        channel=channel,
        email="guest@example.cn",
        lines=[line(room, 1, helpers.stay(2, guests=2, starts_in=5)) for _ in range(stays)],
    )
    checkout_lines = list(CheckoutLine.objects.filter(checkout=checkout).order_by("pk"))
    order = checkout_complete(checkout=helpers.ready(checkout))
    return order, shop, room, checkout_lines


def test_a_homestay_gives_its_nights_back_through_its_hold_key(channel):
    order, shop, room, (checkout_line,) = _booked(channel)
    order_line = OrderLine.objects.get(shop_order__order=order)
    assert order_line.booking_hold_key == checkout_line.hold_key
    days = DayCapacity.objects.filter(product=room.product)
    assert sorted(days.values_list("allocated", flat=True)) == [1, 1]

    shop_order_cancel(
        actor=factories.user(role=Role.SHOP_MANAGER, shop_obj=shop),
        shop_order=order.shop_orders.get(),
        reason="the roof leaks",
    )
    assert sorted(days.values_list("allocated", "held")) == [(0, 0), (0, 0)]
    hold = BookingHold.objects.get(key=order_line.booking_hold_key)
    # The shop cancelled: the buyer is owed everything, whatever the tiers say.
    assert (hold.status, hold.refund_percent) == ("CANCELLED", 100)


def test_two_identical_bookings_are_each_cancelled_through_their_own_key(channel):
    order, shop, room, checkout_lines = _booked(channel, stays=2, rooms=2)
    keys = sorted(
        OrderLine.objects.filter(shop_order__order=order).values_list("booking_hold_key", flat=True)
    )
    assert keys == sorted(cl.hold_key for cl in checkout_lines) and len(set(keys)) == 2
    days = DayCapacity.objects.filter(product=room.product)
    assert set(days.values_list("allocated", flat=True)) == {2}

    shop_order_cancel(
        actor=factories.user(role=Role.SHOP_MANAGER, shop_obj=shop),
        shop_order=order.shop_orders.get(),
        reason="closed for repairs",
    )
    assert set(days.values_list("allocated", flat=True)) == {0}
    assert set(BookingHold.objects.filter(key__in=keys).values_list("status", flat=True)) == {
        "CANCELLED"
    }


def test_lines_sold_before_the_key_was_kept_still_find_their_own_bookings(channel):
    order, shop, room, checkout_lines = _booked(channel, stays=2, rooms=2)
    # As an order written before booking_hold_key existed, then migrated.
    OrderLine.objects.filter(shop_order__order=order).update(booking_hold_key=None)
    backfill_booking_hold_keys(apps)
    shop_order_cancel(
        actor=factories.user(role=Role.SHOP_MANAGER, shop_obj=shop),
        shop_order=order.shop_orders.get(),
        reason="closed",
    )
    assert set(
        DayCapacity.objects.filter(product=room.product).values_list("allocated", flat=True)
    ) == {0}
    assert {BookingHold.objects.get(key=cl.hold_key).status for cl in checkout_lines} == {
        "CANCELLED"
    }


def test_the_hold_key_belongs_to_booking_lines_only_and_to_one_line(channel, two_shop_order):
    order, _, _, _ = _booked(channel, stays=2, rooms=2)
    first, second = OrderLine.objects.filter(shop_order__order=order).order_by("pk")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(pk=second.pk).update(booking_hold_key=first.booking_hold_key)
    goods_line = OrderLine.objects.filter(shop_order__order=two_shop_order[0]).first()
    assert goods_line is not None and goods_line.booking_hold_key is None
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(pk=goods_line.pk).update(booking_hold_key="checkout-line:0")


# --- counter orders nobody paid ---------------------------------------------------------


def _counter_order(counter, *, days_old: int, pay: bool = False):
    shop = helpers.shop_with_delivery()
    tea = goods(shop=shop, channel=counter, stock=10)
    checkout = checkout_services.checkout_create(
        channel=counter, email="villager@example.cn", lines=[line(tea, 2)]
    )
    checkout = helpers.ready(checkout, method="pickup", pay=False)
    tx = transaction_initialize(checkout=checkout, gateway_id=GatewayId.CASH).transaction
    order = checkout_complete(checkout=checkout, allow_unpaid=True)
    if pay:
        operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop)
        cash_payment_confirm(transaction_id=tx.pk, actor=operator)
    Order.objects.filter(pk=order.pk).update(created_at=order.created_at - timedelta(days=days_old))
    return order, tea, tx


def test_the_beat_task_cancels_counter_orders_unpaid_for_too_long(settings):
    counter = factories.channel("village-counter")
    stale, stale_tea, stale_tx = _counter_order(counter, days_old=4)
    recent, recent_tea, _ = _counter_order(counter, days_old=2)
    paid, paid_tea, _ = _counter_order(counter, days_old=10, pay=True)
    assert settings.COUNTER_PAYMENT_DAYS == 3
    assert settings.CELERY_BEAT_SCHEDULE["orders-cancel-unpaid-counter-orders"]["task"] == (
        cancel_unpaid_counter_orders.name
    )

    # Run as the beat would, inline (the suite's tasks run eagerly).
    assert cancel_unpaid_counter_orders.delay().get() == 1

    stale.refresh_from_db()
    assert stale.status == OrderStatus.CANCELED
    assert stock_of(stale_tea) == (10, 0)
    event = OrderEvent.objects.get(order=stale, type="CANCELED")
    assert event.user is None
    assert event.parameters == {"message": "Not paid at the counter within 3 days", "by": "system"}
    # The counter can no longer take cash for it.
    stale_tx.refresh_from_db()
    assert stale_tx.status == TransactionStatus.CANCELLED
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=stale_tea.product.shop)
    with pytest.raises(ValidationError):
        cash_payment_confirm(transaction_id=stale_tx.pk, actor=operator)

    for order, tea in ((recent, recent_tea), (paid, paid_tea)):
        order.refresh_from_db()
        assert order.status == OrderStatus.UNFULFILLED
        assert stock_of(tea) == (10, 2)
    # Nothing left to do on the next run.
    assert cancel_unpaid_counter_orders.delay().get() == 0

    settings.COUNTER_PAYMENT_DAYS = 1
    assert cancel_unpaid_counter_orders.delay().get() == 1
    assert OrderEvent.objects.get(order=recent, type="CANCELED").parameters["message"] == (
        "Not paid at the counter within 1 days"
    )


def test_the_beat_task_leaves_orders_a_shop_handed_over(settings):
    counter = factories.channel("village-counter")
    order, tea, _ = _counter_order(counter, days_old=5)
    shop_order = order.shop_orders.get()
    # Paid on handover: the counter order is fulfilled unpaid, as the API and admin do.
    assert order_pays_on_handover(order=shop_order.order)
    shop_order_fulfil(
        actor=factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_order.shop),
        shop_order=shop_order,
        allow_unpaid=order_pays_on_handover(order=shop_order.order),
    )
    assert cancel_unpaid_counter_orders.delay().get() == 0
    assert ShopOrder.objects.get(pk=shop_order.pk).status == OrderStatus.FULFILLED
    assert stock_of(tea) == (8, 0)


def test_paid_total_is_what_the_system_checks(two_shop_order):
    """A counter order with part of it charged (e.g. a partial Alipay payment) is not the
    system's to cancel: charged_amount > 0 refuses it under the lock."""
    order, _tea_shop, _, _, _ = two_shop_order
    Order.objects.filter(pk=order.pk).update(charge_status="PARTIAL", charged_amount=Decimal("1"))
    with pytest.raises(ValidationError) as refused:
        order_cancel(actor=None, order=order, reason="unpaid", as_system=True)
    assert codes(refused) == ["cannot_cancel_order"]
