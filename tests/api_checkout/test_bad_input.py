"""Bad input through the API gets a CheckoutError with its code (issue 3 §5), never a 500,
and writes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from marketplace.checkout.models import Checkout, CheckoutLine
from marketplace.orders.models import Order
from tests import factories
from tests.api_checkout.conftest import (
    ADDRESS,
    CREATE,
    ERRORS,
    codes,
    create,
    gid,
    line,
    mutate,
    pay_in_full,
)
from tests.checkout import helpers

pytestmark = pytest.mark.django_db

START = date.today() + timedelta(days=10)


def _create(gql, lines):
    return gql.data(CREATE, {"input": {"channel": "urban-retail", "lines": lines}})[
        "checkoutCreate"
    ]


@pytest.mark.parametrize(
    ("quantity", "code"), [(0, "ZERO_QUANTITY"), (-1, "INVALID"), (-5, "INVALID")]
)
def test_quantity_of_zero_or_less_is_refused(gql, channel, tea, quantity, code):
    payload = _create(gql, [line(tea, quantity)])
    assert codes(payload) == [("quantity", code)]
    assert payload["checkout"] is None
    assert not Checkout.objects.exists()


def test_unknown_variant_is_refused_with_not_found(gql, channel, tea):
    missing = gid("ProductVariant", 987654)
    payload = _create(gql, [line(tea, 1), {"variantId": missing, "quantity": 1}])
    assert codes(payload) == [("lines", "NOT_FOUND")]
    assert payload["errors"][0]["variants"] == [missing]
    assert not Checkout.objects.exists()  # the good line was not half-written either


def test_malformed_variant_id_is_an_error_entry_not_a_failed_request(gql, channel):
    payload = _create(gql, [{"variantId": "not-an-id", "quantity": 1}])
    assert codes(payload) == [("variantId", "GRAPHQL_ERROR")]


def test_variant_not_in_the_channel_is_refused(gql, channel, tea_shop):
    counter = factories.channel("village-counter")
    elsewhere = helpers.goods(shop=tea_shop, channel=counter)
    payload = _create(gql, [line(elsewhere, 1)])
    assert codes(payload) == [("lines", "UNAVAILABLE_VARIANT_IN_CHANNEL")]
    assert payload["errors"][0]["variants"] == [gid("ProductVariant", elsewhere.pk)]


@pytest.mark.parametrize("nights", [0, -1])
def test_booking_ending_on_or_before_its_start_is_refused(gql, channel, room, nights):
    booking = {
        "startDate": START.isoformat(),
        "endDate": (START + timedelta(days=nights)).isoformat(),
        "guests": 2,
    }
    payload = _create(gql, [line(room, 1, booking)])
    assert codes(payload) == [("booking", "INVALID")]
    assert not Checkout.objects.exists()


def test_too_much_is_insufficient_stock_naming_the_variant(gql, channel, tea, honey):
    payload = _create(gql, [line(honey, 1), line(tea, 11)])  # 10 tea in stock
    assert codes(payload) == [("quantity", "INSUFFICIENT_STOCK")]
    assert payload["errors"][0]["variants"] == [gid("ProductVariant", tea.pk)]
    assert tea.sku in payload["errors"][0]["message"]


def test_shortfall_at_completion_is_insufficient_stock(gql, channel, tea, settings):
    settings.RESERVE_STOCK_DURATION_MINUTES = 0  # nothing held: the race is decided at completion
    ids = []
    for _ in range(2):
        created = create(gql, [line(tea, 6)], email="buyer@example.cn", shippingAddress=ADDRESS)
        ids.append(created["checkout"])
    complete = (
        "mutation($id: ID, $m: ID) { checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $m)"
        " { errors { code } } checkoutComplete(id: $id) { " + ERRORS + " order { id } } }"
    )
    method = gid("ShippingMethod", helpers.express(tea.product.shop).pk)
    results = []
    for checkout in ids:
        mutate_first = gql.data(
            "mutation($id: ID, $m: ID) { checkoutDeliveryMethodUpdate(id: $id, "
            "deliveryMethodId: $m) { errors { code } } }",
            {"id": checkout["id"], "m": method},
        )
        assert mutate_first["checkoutDeliveryMethodUpdate"]["errors"] == []
        pay_in_full(checkout["token"])
        results.append(gql.data(complete, {"id": checkout["id"], "m": method})["checkoutComplete"])
    assert results[0]["errors"] == [] and results[0]["order"]
    assert codes(results[1]) == [("lines", "INSUFFICIENT_STOCK")]
    assert results[1]["errors"][0]["variants"] == [gid("ProductVariant", tea.pk)]
    assert Order.objects.count() == 1


def test_complete_without_full_payment(gql, channel, tea):
    created = create(gql, [line(tea, 1)], email="buyer@example.cn", shippingAddress=ADDRESS)
    payload = mutate(
        gql,
        "mutation($id: ID, $m: ID) { checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $m)"
        " { errors { code } } }",
        {
            "id": created["checkout"]["id"],
            "m": gid("Delivery", helpers.pickup(tea.product.shop).pk),
        },
    )
    assert payload["errors"] == []
    done = mutate(
        gql,
        "mutation($id: ID) { checkoutComplete(id: $id) { " + ERRORS + " order { id } } }",
        {"id": created["checkout"]["id"]},
    )
    assert codes(done) == [(None, "CHECKOUT_NOT_FULLY_PAID")]
    assert done["order"] is None and not Order.objects.exists()


def test_bad_address_is_refused_field_by_field_and_nothing_is_stored(gql, channel, tea):
    checkout_id = create(gql, [line(tea, 1)])["checkout"]["id"]
    payload = mutate(
        gql,
        "mutation($id: ID, $a: AddressInput!) { checkoutShippingAddressUpdate(id: $id, "
        "shippingAddress: $a) { " + ERRORS + " } }",
        {"id": checkout_id, "a": {**ADDRESS, "postalCode": "12", "phone": "12"}},
    )
    assert sorted(codes(payload)) == [("phone", "INVALID"), ("postalCode", "INVALID")]
    assert {e["addressType"] for e in payload["errors"]} == {"SHIPPING"}
    assert Checkout.objects.get().shipping_address is None


def test_other_refusals(gql, channel, tea, honey_shop):
    checkout_id = create(gql, [line(tea, 1)])["checkout"]["id"]
    promo = mutate(
        gql,
        'mutation($id: ID) { checkoutAddPromoCode(id: $id, promoCode: "NOPE") { ' + ERRORS + " } }",
        {"id": checkout_id},
    )
    assert codes(promo) == [("promoCode", "INVALID")]
    # A shop with nothing in the checkout cannot be given a delivery method.
    other_shop = mutate(
        gql,
        "mutation($id: ID, $m: ID) { checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $m)"
        " { " + ERRORS + " } }",
        {"id": checkout_id, "m": gid("ShippingMethod", helpers.express(honey_shop).pk)},
    )
    assert codes(other_shop) == [("shop", "DELIVERY_METHOD_NOT_APPLICABLE")]
    email = mutate(
        gql,
        'mutation($id: ID) { checkoutEmailUpdate(id: $id, email: "not-an-email") { '
        + ERRORS
        + " } }",
        {"id": checkout_id},
    )
    assert codes(email) == [("email", "INVALID")]
    bad_id = mutate(
        gql,
        'mutation { checkoutLinesAdd(id: "bm9wZQ==", lines: []) { ' + ERRORS + " } }",
        {},
    )
    assert codes(bad_id) == [("id", "GRAPHQL_ERROR")]
    unknown = mutate(
        gql,
        "mutation($id: ID) { checkoutLinesAdd(id: $id, lines: []) { " + ERRORS + " } }",
        {"id": gid("Checkout", "6f1d3c9e-0000-4000-8000-000000000000")},
    )
    assert codes(unknown) == [("id", "NOT_FOUND")]
    assert CheckoutLine.objects.count() == 1
