"""Orders after placement: charge tracking, selectors, notifications, and the database's
own rules on orders, lines, vouchers, reservations and delivery methods."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from logistics.models import DeliveryMethod
from marketplace.checkout import services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.models import CheckoutLine, Voucher
from marketplace.inventory.models import Reservation, Stock
from marketplace.orders import selectors
from marketplace.orders.lifecycle import order_mark_charged
from marketplace.orders.models import Order, OrderEvent, OrderLine, ShopOrder
from marketplace.orders.notifications import order_placed_notify
from tests import factories
from tests.checkout import helpers
from tests.checkout.helpers import goods, line

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    return helpers.shop_with_delivery()


@pytest.fixture
def unpaid_order(channel, shop):
    tea = goods(shop=shop, channel=channel, price="30.00")
    checkout = helpers.ready(
        services.checkout_create(channel=channel, lines=[line(tea, 2)]), pay=False
    )
    return checkout_complete(checkout=checkout, allow_unpaid=True)


def test_order_mark_charged_is_idempotent(unpaid_order):
    assert unpaid_order.total_amount == Decimal("72.00")
    order = order_mark_charged(order_id=unpaid_order.pk, amount=Decimal("20.00"))
    assert order.charge_status == "PARTIAL"
    order = order_mark_charged(order_id=unpaid_order.pk, amount=Decimal("72.00"))
    order = order_mark_charged(order_id=unpaid_order.pk, amount=Decimal("72.00"))
    assert order.charge_status == "FULL"
    assert OrderEvent.objects.filter(order=order, type="ORDER_FULLY_PAID").count() == 1
    with pytest.raises(ValidationError):
        order_mark_charged(order_id=unpaid_order.pk, amount=Decimal("1.001"))
    with pytest.raises(ValidationError):
        order_mark_charged(order_id="not-a-uuid-but-not-found", amount=Decimal("1"))


def test_selectors(unpaid_order, shop):
    assert selectors.order_get(order_id=unpaid_order.pk) == unpaid_order
    assert selectors.order_get(order_id="junk") is None
    assert [ln.quantity for ln in selectors.order_lines(order=unpaid_order)] == [2]
    assert list(selectors.shop_orders_of_shop(shop=shop)) == [unpaid_order.shop_orders.get()]
    assert list(selectors.shop_orders_of_shop(shop=helpers.shop_with_delivery())) == []
    buyer = factories.user()
    assert list(selectors.orders_of_user(user=buyer)) == []


def test_notifications_are_sent_once(unpaid_order, shop, django_capture_on_commit_callbacks):
    from marketplace.accounts.models import Role

    factories.user(role=Role.SHOP_MANAGER, shop_obj=shop, email="m@example.cn")
    # The notification service delivers once the caller's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        assert order_placed_notify(order_id=unpaid_order.pk) == 2
        assert order_placed_notify(order_id=unpaid_order.pk) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["buyer@example.cn", "m@example.cn"]


def _violates(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_order_constraints(unpaid_order):
    _violates(lambda: Order.objects.filter(pk=unpaid_order.pk).update(total_amount=Decimal("1")))
    _violates(
        lambda: Order.objects.filter(pk=unpaid_order.pk).update(discount_amount=Decimal("999"))
    )
    shop_order = unpaid_order.shop_orders.get()
    _violates(lambda: ShopOrder.objects.create(order=unpaid_order, shop=shop_order.shop))
    order_line = OrderLine.objects.get()
    _violates(lambda: OrderLine.objects.filter(pk=order_line.pk).update(quantity=3))
    _violates(lambda: OrderLine.objects.filter(pk=order_line.pk).update(quantity_fulfilled=5))
    _violates(lambda: OrderLine.objects.filter(pk=order_line.pk).update(booking_guests=2))
    _violates(
        lambda: OrderLine.objects.filter(pk=order_line.pk).update(beneficiary_kind="HOUSEHOLD")
    )
    # The checkout token is unique: a second order for the same checkout cannot exist.
    _violates(
        lambda: Order.objects.create(
            channel=unpaid_order.channel, checkout_token=unpaid_order.checkout_token
        )
    )


def test_order_numbers_come_from_the_sequence(unpaid_order, channel):
    later = Order.objects.create(channel=channel)
    assert later.number > unpaid_order.number


def test_checkout_and_inventory_constraints(channel, shop):
    tea = goods(shop=shop, channel=channel)
    checkout = services.checkout_create(channel=channel, lines=[line(tea, 2)])
    checkout_line = checkout.lines.get()
    _violates(lambda: CheckoutLine.objects.filter(pk=checkout_line.pk).update(quantity=0))
    _violates(
        lambda: CheckoutLine.objects.filter(pk=checkout_line.pk).update(
            booking_start_date=timezone.now().date()
        )
    )
    _violates(lambda: CheckoutLine.objects.create(checkout=checkout, variant=tea, quantity=1))
    _violates(lambda: Reservation.objects.update(quantity_reserved=0))
    _violates(lambda: Stock.objects.filter(product_variant=tea).update(quantity_allocated=11))


def test_voucher_and_delivery_constraints(shop):
    voucher = helpers.voucher(shop, code="ABC", usage_limit=1)
    _violates(lambda: Voucher.objects.filter(pk=voucher.pk).update(used=2))
    _violates(lambda: helpers.voucher(shop, code="abc"))
    _violates(lambda: helpers.voucher(shop, code="PCT", discount_value=Decimal("101")))
    _violates(lambda: helpers.voucher(shop, code="ZERO", discount_value=Decimal("0")))
    _violates(
        lambda: helpers.voucher(shop, code="BACK", end_date=timezone.now() - timedelta(days=3))
    )
    helpers.voucher(helpers.shop_with_delivery(), code="ABC")  # another shop may reuse it
    _violates(
        lambda: DeliveryMethod.objects.create(
            shop=shop,
            kind="VILLAGE_PICKUP",
            name="paid pickup",
            price_amount=Decimal("1"),
            pickup_warehouse=shop.warehouses.first(),
        )
    )
    _violates(lambda: DeliveryMethod.objects.create(shop=shop, kind="VILLAGE_PICKUP", name="x"))
    _violates(
        lambda: DeliveryMethod.objects.create(
            shop=shop, kind="EXPRESS_FLAT", name="x", price_amount=Decimal("-1")
        )
    )


def test_booking_fields_are_all_or_none_even_with_nulls(unpaid_order):
    order_line = OrderLine.objects.get()
    today = timezone.now().date()
    _violates(lambda: OrderLine.objects.filter(pk=order_line.pk).update(booking_start_date=today))
    _violates(
        lambda: OrderLine.objects.filter(pk=order_line.pk).update(
            booking_start_date=today, booking_end_date=today + timedelta(days=1)
        )
    )
    _violates(
        lambda: OrderLine.objects.filter(pk=order_line.pk).update(
            booking_start_date=today, booking_end_date=today, booking_guests=1
        )
    )
