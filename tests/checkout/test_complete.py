"""checkout_complete: one order with a shop order per shop, snapshots, allocation,
vouchers, events and notifications; every refusal leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest.mock import ANY

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.accounts.models import Role
from marketplace.bookings.models import BookingHold
from marketplace.catalog import services as catalog
from marketplace.checkout import services, tasks
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.models import Voucher
from marketplace.inventory.models import Allocation, Reservation, Stock
from marketplace.orders.models import Order, OrderEvent, OrderLine, ShopOrder
from tests import factories
from tests.checkout import helpers
from tests.checkout.helpers import codes, goods, line

pytestmark = pytest.mark.django_db


@pytest.fixture
def basket(channel):
    """Two shops: tea (express, voucher) and nuts plus a homestay (pickup)."""
    tea_shop = helpers.shop_with_delivery(express_price="12.00")
    nut_shop = helpers.shop_with_delivery(express_price="8.00")
    household = factories.household(village_obj=tea_shop.village)
    tea = goods(shop=tea_shop, channel=channel, price="25.00", stock=10, beneficiary=household)
    nuts = goods(shop=nut_shop, channel=channel, price="40.00", stock=5)
    room = helpers.homestay(shop=nut_shop, channel=channel, price="300.00")
    helpers.voucher(tea_shop, code="TEA10", usage_limit=5)
    factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop, email="tea-manager@example.cn")
    return tea_shop, nut_shop, tea, nuts, room


def _paid_checkout(channel, basket, buyer=None):
    tea_shop, nut_shop, tea, nuts, room = basket
    checkout = services.checkout_create(
        channel=channel,
        user=buyer,
        email="" if buyer else "guest@example.cn",
        lines=[line(tea, 4), line(nuts, 2), line(room, 1, helpers.stay(2, guests=2))],
    )
    checkout = services.checkout_add_promo_code(checkout=checkout, promo_code="tea10")
    checkout = services.checkout_delivery_method_update(
        checkout=checkout, shop=tea_shop, method=helpers.express(tea_shop)
    )
    checkout = services.checkout_delivery_method_update(
        checkout=checkout, shop=nut_shop, method=helpers.pickup(nut_shop)
    )
    checkout = services.checkout_shipping_address_update(checkout=checkout, address=helpers.ADDRESS)
    return helpers.pay_in_full(checkout)


def test_complete_writes_one_order_with_shop_orders(
    channel, basket, django_capture_on_commit_callbacks
):
    tea_shop, _, tea, nuts, room = basket
    buyer = factories.user(email="buyer@example.cn")
    checkout = _paid_checkout(channel, basket, buyer)
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout_complete(checkout=checkout, user=buyer)

    assert order.user == buyer and order.user_email == "buyer@example.cn"
    assert order.status == "UNFULFILLED" and order.charge_status == "FULL"
    # tea 4×25 = 100 − 10 % + 12 express; nuts 2×40 + 2 nights × 300, pickup.
    assert (order.subtotal_amount, order.shipping_amount, order.discount_amount) == (
        Decimal("780.00"),
        Decimal("12.00"),
        Decimal("10.00"),
    )
    assert order.total_amount == Decimal("782.00")
    assert order.shipping_address == {**helpers.ADDRESS, "id": ANY}
    tea_order, nut_order = ShopOrder.objects.filter(order=order).order_by("shop_id")
    assert (tea_order.shop, tea_order.total_amount, tea_order.voucher_code) == (
        tea_shop,
        Decimal("102.00"),
        "TEA10",
    )
    assert (tea_order.delivery_kind, nut_order.delivery_kind) == ("EXPRESS_FLAT", "VILLAGE_PICKUP")
    assert nut_order.total_amount == Decimal("680.00")

    tea_line = OrderLine.objects.get(shop_order=tea_order)
    assert (tea_line.product_sku, tea_line.quantity, tea_line.unit_price_amount) == (
        tea.sku,
        4,
        Decimal("25.00"),
    )
    assert (tea_line.beneficiary_kind, tea_line.beneficiary_household) == (
        "HOUSEHOLD",
        tea.beneficiary_household,
    )
    room_line = OrderLine.objects.get(shop_order=nut_order, variant=room)
    assert (room_line.quantity, room_line.booking_guests) == (2, 2)
    assert room_line.booking_end_date - room_line.booking_start_date == timedelta(days=2)

    assert Stock.objects.get(product_variant=tea).quantity_allocated == 4
    assert Stock.objects.get(product_variant=nuts).quantity_allocated == 2
    assert sorted(Allocation.objects.values_list("quantity_allocated", flat=True)) == [2, 4]
    assert not Reservation.objects.exists()
    room_checkout_line = checkout.lines.get(variant=room)
    assert BookingHold.objects.get(key=room_checkout_line.hold_key).status == "ALLOCATED"
    assert Voucher.objects.get(code="TEA10").used == 1

    types = list(OrderEvent.objects.filter(order=order).values_list("type", flat=True))
    assert types[:2] == ["PLACED_AUTOMATICALLY_FROM_PAID_CHECKOUT", "ORDER_FULLY_PAID"]
    assert sorted(m.to[0] for m in mail.outbox) == ["buyer@example.cn", "tea-manager@example.cn"]
    assert types.count("EMAIL_SENT") == 2

    checkout.refresh_from_db()
    assert checkout.order == order and checkout.completing_started_at is not None


def test_completing_twice_returns_the_same_order_and_creates_nothing(channel, basket):
    checkout = _paid_checkout(channel, basket)
    first = checkout_complete(checkout=checkout)
    counts = (
        Order.objects.count(),
        OrderLine.objects.count(),
        Allocation.objects.count(),
        OrderEvent.objects.count(),
        Voucher.objects.get(code="TEA10").used,
    )
    second = checkout_complete(checkout=checkout)
    assert second.pk == first.pk
    assert counts == (
        Order.objects.count(),
        OrderLine.objects.count(),
        Allocation.objects.count(),
        OrderEvent.objects.count(),
        Voucher.objects.get(code="TEA10").used,
    )
    assert Stock.objects.get(product_variant=basket[2]).quantity_allocated == 4


def test_order_lines_are_snapshots(channel, basket):
    _, _, tea, _, _ = basket
    order = checkout_complete(checkout=_paid_checkout(channel, basket))
    admin = factories.platform_admin()
    catalog.variant_set_price(actor=admin, variant=tea, channel=channel, price=Decimal("99.00"))
    tea.product.name = "改过的名字"
    tea.product.save(update_fields=["name"])
    tea.name = "新规格"
    tea.save(update_fields=["name"])
    product_name = OrderLine.objects.get(variant=tea).product_name
    tea.product.delete()
    snapshot = OrderLine.objects.get(product_sku=tea.sku, shop_order__order=order)
    assert snapshot.variant is None
    assert snapshot.product_name == product_name != "改过的名字"
    assert snapshot.variant_name == "规格0"
    assert snapshot.unit_price_amount == Decimal("25.00")


def test_order_numbers_increase(channel, basket):
    _, _, tea, _, _ = basket
    numbers = []
    for _ in range(3):
        checkout = helpers.ready(services.checkout_create(channel=channel, lines=[line(tea)]))
        numbers.append(checkout_complete(checkout=checkout).number)
    assert numbers == sorted(numbers) and len(set(numbers)) == 3


def test_unpaid_is_refused_unless_paying_at_the_counter(channel, basket):
    _, _, tea, _, _ = basket
    checkout = helpers.ready(
        services.checkout_create(channel=channel, lines=[line(tea, 2)]), pay=False
    )
    with pytest.raises(ValidationError) as exc:
        checkout_complete(checkout=checkout)
    assert codes(exc) == ["checkout_not_fully_paid"]
    services.checkout_mark_charged(checkout_id=checkout.pk, amount=Decimal("10.00"))
    with pytest.raises(ValidationError) as exc:
        checkout_complete(checkout=checkout)
    assert codes(exc) == ["checkout_not_fully_paid"]
    assert not Order.objects.exists()

    order = checkout_complete(checkout=checkout, allow_unpaid=True)
    assert order.charge_status == "PARTIAL"
    assert list(order.events.values_list("type", flat=True)) == ["PLACED"]
    assert Stock.objects.get(product_variant=tea).quantity_allocated == 2


def test_refusals_before_anything_is_written(channel, basket):
    tea_shop, _, tea, _, _ = basket
    empty = services.checkout_create(channel=channel, email="a@example.cn")
    with pytest.raises(ValidationError) as exc:
        checkout_complete(checkout=empty)
    assert codes(exc) == ["no_lines"]

    no_email = services.checkout_create(channel=channel, lines=[line(tea)])
    with pytest.raises(ValidationError) as exc:
        checkout_complete(checkout=no_email)
    assert codes(exc) == ["email_not_set"]

    no_delivery = services.checkout_email_update(checkout=no_email, email="a@example.cn")
    with pytest.raises(ValidationError) as exc:
        checkout_complete(checkout=no_delivery)
    assert codes(exc) == ["shipping_method_not_set"]

    no_address = services.checkout_delivery_method_update(
        checkout=no_delivery, shop=tea_shop, method=helpers.express(tea_shop)
    )
    no_address = helpers.pay_in_full(no_address)
    with pytest.raises(ValidationError) as exc:
        checkout_complete(checkout=no_address)
    assert codes(exc) == ["shipping_address_not_set"]

    # Pickup at the village station needs no address.
    pickup = services.checkout_delivery_method_update(
        checkout=no_address, shop=tea_shop, method=helpers.pickup(tea_shop)
    )
    assert checkout_complete(checkout=pickup).shipping_address is None


def test_unavailable_variant_is_refused_at_completion(channel, basket):
    from marketplace.catalog.models import ProductChannelListing

    _, _, tea, _, _ = basket
    checkout = helpers.ready(services.checkout_create(channel=channel, lines=[line(tea)]))
    ProductChannelListing.objects.filter(product=tea.product).update(is_published=False)
    with pytest.raises(ValidationError) as exc:
        checkout_complete(checkout=checkout)
    assert codes(exc) == ["product_not_published"]


def test_stock_gone_since_adding_is_insufficient_and_rolls_everything_back(channel, basket):
    _, _, tea, nuts, _ = basket
    checkout = helpers.ready(
        services.checkout_create(channel=channel, lines=[line(tea, 2), line(nuts, 2)])
    )
    Stock.objects.filter(product_variant=nuts).update(quantity=1)
    with pytest.raises(ValidationError) as exc:
        checkout_complete(checkout=checkout)
    assert codes(exc) == ["insufficient_stock"]
    assert exc.value.error_dict["lines"][0].params["variants"] == [nuts.pk]
    assert Stock.objects.get(product_variant=tea).quantity_allocated == 0
    assert not Order.objects.exists() and not Allocation.objects.exists()


def test_voucher_used_up_meanwhile_is_refused(channel, basket):
    tea_shop, _, tea, _, _ = basket
    helpers.voucher(tea_shop, code="ONCE", usage_limit=1)
    checkouts = []
    for _ in range(2):
        checkout = services.checkout_create(channel=channel, lines=[line(tea)])
        checkout = services.checkout_add_promo_code(checkout=checkout, promo_code="ONCE")
        checkouts.append(helpers.ready(checkout))
    checkout_complete(checkout=checkouts[0])
    with pytest.raises(ValidationError) as exc:
        checkout_complete(checkout=checkouts[1])
    assert codes(exc) == ["voucher_not_applicable"]
    assert Voucher.objects.get(code="ONCE").used == 1
    assert Stock.objects.get(product_variant=tea).quantity_allocated == 1


def test_lapsed_booking_hold_is_renewed_at_completion(channel, basket):
    _, nut_shop, _, _, room = basket
    checkout = helpers.ready(
        services.checkout_create(channel=channel, lines=[line(room, 1, helpers.stay(1))])
    )
    BookingHold.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert tasks.release_expired_booking_holds() == 1
    order = checkout_complete(checkout=checkout)
    assert BookingHold.objects.get().status == "ALLOCATED"
    assert order.shop_orders.get().shop == nut_shop


def test_lapsed_booking_taken_by_someone_else_is_insufficient(channel, basket):
    _, _, _, _, room = basket
    mine = helpers.ready(
        services.checkout_create(channel=channel, lines=[line(room, 1, helpers.stay(1))])
    )
    BookingHold.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    tasks.release_expired_booking_holds()
    theirs = helpers.ready(
        services.checkout_create(channel=channel, lines=[line(room, 1, helpers.stay(1))])
    )
    checkout_complete(checkout=theirs)
    with pytest.raises(ValidationError) as exc:
        checkout_complete(checkout=mine)
    assert codes(exc) == ["insufficient_stock"]


def test_expired_reservations_task_and_release(channel, basket):
    _, _, tea, _, room = basket
    checkout = services.checkout_create(
        channel=channel, lines=[line(tea, 3), line(room, 1, helpers.stay(1))]
    )
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert tasks.delete_expired_reservations() == 1
    assert not Reservation.objects.exists()

    checkout = services.checkout_lines_add(checkout=checkout, lines=[line(tea, 1)])
    assert Reservation.objects.get().quantity_reserved == 4
    services.checkout_release_reservations(checkout_id=checkout.pk)
    assert not Reservation.objects.exists()
    assert BookingHold.objects.get().status == "RELEASED"
