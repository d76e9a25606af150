"""Checkout creation and line edits: the happy paths and every refusal with its code."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import ANY

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from marketplace.accounts.models import Address
from marketplace.catalog.models import ProductChannelListing, ProductVariantChannelListing
from marketplace.checkout import services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.models import CheckoutLine
from marketplace.checkout.services import BookingInput, CheckoutLineUpdateInput
from marketplace.inventory.models import Reservation
from marketplace.organisations.models import ShopStatus
from tests import factories
from tests.checkout.helpers import codes, goods, line, params, stay

pytestmark = pytest.mark.django_db


def test_create_with_lines_reserves_stock_and_takes_user_email(channel, tea):
    buyer = factories.user(email="Buyer@Example.cn")
    checkout = services.checkout_create(channel=channel, user=buyer, lines=[line(tea, 3)])
    assert checkout.email == "buyer@example.cn"
    (only,) = checkout.lines.all()
    assert only.quantity == 3
    (reservation,) = Reservation.objects.filter(checkout_line=only)
    assert reservation.quantity_reserved == 3
    minutes = (reservation.reserved_until - timezone.now()).total_seconds() / 60
    assert 19 < minutes <= 20


def test_adding_a_variant_again_merges_into_its_line(channel, tea):
    checkout = services.checkout_create(channel=channel, lines=[line(tea, 2), line(tea, 1)])
    checkout = services.checkout_lines_add(checkout=checkout, lines=[line(tea, 4)])
    (only,) = checkout.lines.all()
    assert only.quantity == 7
    assert Reservation.objects.get(checkout_line=only).quantity_reserved == 7


@pytest.mark.parametrize(("quantity", "code"), [(0, "zero_quantity"), (-2, "invalid")])
def test_quantity_zero_or_less_is_refused(channel, tea, quantity, code):
    with pytest.raises(ValidationError) as exc:
        services.checkout_create(channel=channel, lines=[line(tea, quantity)])
    assert codes(exc) == [code]


def test_unknown_variant_is_not_found(channel, tea):
    checkout = services.checkout_create(channel=channel)
    with pytest.raises(ValidationError) as exc:
        services.checkout_lines_add(
            checkout=checkout, lines=[services.CheckoutLineInput(variant_id=10**9, quantity=1)]
        )
    assert codes(exc) == ["not_found"]
    assert params(exc)["variants"] == [10**9]


def test_variant_without_price_in_channel_is_refused(channel, tea):
    other = factories.channel("village-counter")
    checkout = services.checkout_create(channel=other)
    with pytest.raises(ValidationError) as exc:
        services.checkout_lines_add(checkout=checkout, lines=[line(tea)])
    assert codes(exc) == ["unavailable_variant_in_channel"]


def test_unpublished_product_or_unapproved_shop_is_refused(channel, shop, tea):
    checkout = services.checkout_create(channel=channel)
    ProductChannelListing.objects.filter(product=tea.product).update(is_published=False)
    with pytest.raises(ValidationError) as exc:
        services.checkout_lines_add(checkout=checkout, lines=[line(tea)])
    assert codes(exc) == ["product_not_published"]

    ProductChannelListing.objects.filter(product=tea.product).update(is_published=True)
    shop.status = ShopStatus.SUSPENDED
    shop.save(update_fields=["status"])
    with pytest.raises(ValidationError) as exc:
        services.checkout_lines_add(checkout=checkout, lines=[line(tea)])
    assert codes(exc) == ["product_not_published"]


def test_not_yet_purchasable_is_refused(channel, tea):
    ProductChannelListing.objects.filter(product=tea.product).update(
        available_for_purchase_at=timezone.now() + timedelta(days=3)
    )
    with pytest.raises(ValidationError) as exc:
        services.checkout_create(channel=channel, lines=[line(tea)])
    assert codes(exc) == ["product_unavailable_for_purchase"]


def test_inactive_channel_is_refused(tea):
    closed = factories.channel("closed-channel", is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.checkout_create(channel=closed, lines=[])
    assert codes(exc) == ["channel_inactive"]


@override_settings(MAX_CHECKOUT_LINE_QUANTITY=5)
def test_per_checkout_limit(channel, tea):
    checkout = services.checkout_create(channel=channel, lines=[line(tea, 5)])
    with pytest.raises(ValidationError) as exc:
        services.checkout_lines_add(checkout=checkout, lines=[line(tea, 1)])
    assert codes(exc) == ["quantity_greater_than_limit"]
    assert checkout.lines.get().quantity == 5


def test_per_customer_limit_counts_earlier_orders(channel, shop):
    from tests.checkout.helpers import ready

    honey = goods(shop=shop, channel=channel, stock=20)
    honey.quantity_limit_per_customer = 3
    honey.save(update_fields=["quantity_limit_per_customer"])
    buyer = factories.user()
    with pytest.raises(ValidationError) as exc:
        services.checkout_create(channel=channel, user=buyer, lines=[line(honey, 4)])
    assert codes(exc) == ["quantity_greater_than_limit"]

    first = ready(services.checkout_create(channel=channel, user=buyer, lines=[line(honey, 2)]))
    checkout_complete(checkout=first, user=buyer)
    second = services.checkout_create(channel=channel, user=buyer, lines=[line(honey, 1)])
    with pytest.raises(ValidationError) as exc:
        services.checkout_lines_add(checkout=second, lines=[line(honey, 1)])
    assert codes(exc) == ["quantity_greater_than_limit"]


def test_shortfall_names_every_short_variant(channel, shop, tea):
    nuts = goods(shop=shop, channel=channel, stock=1)
    with pytest.raises(ValidationError) as exc:
        services.checkout_create(channel=channel, lines=[line(tea, 11), line(nuts, 2)])
    assert codes(exc) == ["insufficient_stock"]
    assert params(exc)["variants"] == sorted([tea.pk, nuts.pk])
    assert tea.sku in str(exc.value) and nuts.sku in str(exc.value)
    assert not CheckoutLine.objects.exists()


def test_other_checkouts_reservations_count_against_availability(channel, tea):
    services.checkout_create(channel=channel, lines=[line(tea, 8)])
    with pytest.raises(ValidationError) as exc:
        services.checkout_create(channel=channel, lines=[line(tea, 3)])
    assert codes(exc) == ["insufficient_stock"]
    services.checkout_create(channel=channel, lines=[line(tea, 2)])


def test_expired_reservations_do_not_count(channel, tea):
    services.checkout_create(channel=channel, lines=[line(tea, 8)])
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
    services.checkout_create(channel=channel, lines=[line(tea, 10)])


@override_settings(RESERVE_STOCK_DURATION_MINUTES=0)
def test_reservations_can_be_turned_off(channel, tea):
    services.checkout_create(channel=channel, lines=[line(tea, 8)])
    services.checkout_create(channel=channel, lines=[line(tea, 8)])
    assert not Reservation.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.checkout_create(channel=channel, lines=[line(tea, 11)])
    assert codes(exc) == ["insufficient_stock"]


def test_update_sets_quantity_and_zero_removes(channel, shop, tea):
    nuts = goods(shop=shop, channel=channel, stock=5)
    checkout = services.checkout_create(channel=channel, lines=[line(tea, 2), line(nuts, 1)])
    tea_line = checkout.lines.get(variant=tea)
    checkout = services.checkout_lines_update(
        checkout=checkout,
        lines=[
            CheckoutLineUpdateInput(line_id=tea_line.pk, quantity=6),
            CheckoutLineUpdateInput(variant_id=nuts.pk, quantity=0),
        ],
    )
    assert [(ln.variant_id, ln.quantity) for ln in checkout.lines.all()] == [(tea.pk, 6)]
    assert Reservation.objects.get().quantity_reserved == 6

    with pytest.raises(ValidationError) as exc:
        services.checkout_lines_update(
            checkout=checkout, lines=[CheckoutLineUpdateInput(line_id=tea_line.pk, quantity=-1)]
        )
    assert codes(exc) == ["invalid"]
    with pytest.raises(ValidationError) as exc:
        services.checkout_lines_update(
            checkout=checkout, lines=[CheckoutLineUpdateInput(line_id=10**9, quantity=1)]
        )
    assert codes(exc) == ["not_found"]
    with pytest.raises(ValidationError) as exc:
        services.checkout_lines_update(
            checkout=checkout, lines=[CheckoutLineUpdateInput(line_id=tea_line.pk, quantity=11)]
        )
    assert codes(exc) == ["insufficient_stock"]
    assert checkout.lines.get().quantity == 6


def test_delete_lines_frees_reservations(channel, tea):
    checkout = services.checkout_create(channel=channel, lines=[line(tea, 10)])
    services.checkout_lines_delete(checkout=checkout, line_ids=[checkout.lines.get().pk])
    assert not Reservation.objects.exists()
    services.checkout_create(channel=channel, lines=[line(tea, 10)])
    with pytest.raises(ValidationError) as exc:
        services.checkout_lines_delete(checkout=checkout, line_ids=[10**9])
    assert codes(exc) == ["not_found"]


def test_price_removed_from_channel_after_adding_is_a_problem(channel, tea):
    from marketplace.checkout import selectors

    checkout = services.checkout_create(channel=channel, lines=[line(tea, 1)])
    assert selectors.checkout_problems(checkout=checkout) == []
    ProductVariantChannelListing.objects.filter(variant=tea).delete()
    (problem,) = selectors.checkout_problems(checkout=checkout)
    assert isinstance(problem, selectors.VariantNotAvailableProblem)


def test_insufficient_stock_problem(channel, tea):
    from marketplace.checkout import selectors
    from marketplace.inventory.models import Stock

    checkout = services.checkout_create(channel=channel, lines=[line(tea, 5)])
    Stock.objects.filter(product_variant=tea).update(quantity=3)
    (problem,) = selectors.checkout_problems(checkout=checkout)
    assert isinstance(problem, selectors.InsufficientStockProblem)
    assert problem.available_quantity == 3


def test_email_customer_and_addresses(channel, tea):
    checkout = services.checkout_create(channel=channel, lines=[line(tea)])
    with pytest.raises(ValidationError) as exc:
        services.checkout_email_update(checkout=checkout, email="not-an-email")
    assert codes(exc) == ["invalid"]
    checkout = services.checkout_email_update(checkout=checkout, email=" Me@Example.cn ")
    assert checkout.email == "me@example.cn"

    buyer = factories.user()
    checkout = services.checkout_customer_attach(checkout=checkout, user=buyer)
    assert checkout.user == buyer and checkout.email == buyer.email
    checkout = services.checkout_customer_detach(checkout=checkout)
    assert checkout.user is None

    checkout = services.checkout_shipping_address_update(
        checkout=checkout, address={"city": "临沧市"}
    )
    checkout = services.checkout_billing_address_update(
        checkout=checkout, address={"city": "昆明市"}
    )
    checkout.refresh_from_db()
    assert checkout.shipping_address == {"city": "临沧市", "id": ANY}
    assert checkout.billing_address == {"city": "昆明市", "id": ANY}
    # Each snapshot has its own stable ID: an owner-less address row of the same content.
    shipping = Address.objects.get(pk=checkout.shipping_address["id"])
    assert (shipping.user_id, shipping.city) == (None, "临沧市")
    assert checkout.billing_address["id"] != shipping.pk


# --- tourism lines -------------------------------------------------------------------------


@pytest.fixture
def room(shop, channel):
    from tests.checkout.helpers import homestay

    return homestay(shop=shop, channel=channel, rooms=2)


def test_booking_line_holds_capacity_and_prices_room_nights(channel, room):
    from marketplace.bookings.models import BookingHold

    checkout = services.checkout_create(channel=channel, lines=[line(room, 1, stay(3, guests=3))])
    (booking_line,) = checkout.lines.all()
    # Three guests at two per room take two rooms, for three nights.
    assert booking_line.quantity == 6
    hold = BookingHold.objects.get(key=f"checkout-line:{booking_line.pk}")
    assert hold.status == "HELD" and hold.units == 2
    assert not Reservation.objects.exists()


def test_booking_end_not_after_start_is_invalid(channel, room):
    start = stay().start_date
    with pytest.raises(ValidationError) as exc:
        services.checkout_create(
            channel=channel,
            lines=[line(room, 1, BookingInput(start_date=start, end_date=start, guests=1))],
        )
    assert codes(exc) == ["invalid"]
    assert list(exc.value.error_dict) == ["booking"]


def test_booking_required_for_tourism_and_refused_for_goods(channel, room, tea):
    with pytest.raises(ValidationError) as exc:
        services.checkout_create(channel=channel, lines=[line(room, 1)])
    assert codes(exc) == ["required"]
    with pytest.raises(ValidationError) as exc:
        services.checkout_create(channel=channel, lines=[line(tea, 1, stay())])
    assert codes(exc) == ["invalid"]


def test_full_calendar_is_insufficient_stock(channel, room):
    services.checkout_create(channel=channel, lines=[line(room, 1, stay(2, guests=4))])
    with pytest.raises(ValidationError) as exc:
        services.checkout_create(channel=channel, lines=[line(room, 1, stay(1, guests=1))])
    assert codes(exc) == ["insufficient_stock"]
    assert params(exc)["variants"] == [room.pk]


def test_changing_and_deleting_a_booking_line_moves_the_hold(channel, room):
    from marketplace.bookings.models import BookingHold

    checkout = services.checkout_create(channel=channel, lines=[line(room, 1, stay(2, guests=4))])
    booking_line = checkout.lines.get()
    checkout = services.checkout_lines_update(
        checkout=checkout,
        lines=[
            CheckoutLineUpdateInput(line_id=booking_line.pk, quantity=1, booking=stay(1, guests=2))
        ],
    )
    booking_line.refresh_from_db()
    assert booking_line.quantity == 1 and booking_line.booking_guests == 2
    hold = BookingHold.objects.get(key=booking_line.hold_key)
    assert hold.units == 1 and hold.status == "HELD"
    services.checkout_lines_delete(checkout=checkout, line_ids=[booking_line.pk])
    hold.refresh_from_db()
    assert hold.status == "RELEASED"


def test_completed_checkout_refuses_edits(channel, tea):
    from tests.checkout.helpers import ready

    checkout = ready(services.checkout_create(channel=channel, lines=[line(tea)]))
    checkout_complete(checkout=checkout)
    with pytest.raises(ValidationError) as exc:
        services.checkout_lines_add(checkout=checkout, lines=[line(tea)])
    assert codes(exc) == ["not_found"]
