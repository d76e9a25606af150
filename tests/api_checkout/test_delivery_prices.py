"""Checkout and zone rates together: the buyer sees each method priced for their cart and
address, methods that cannot deliver are left out with their reason, a price the buyer
never saw is refused at checkoutComplete, and pricing costs the same statements for 1 shop
and for 10 shops × 10 lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logistics.error_codes import DeliveryErrorCode
from marketplace.checkout import selectors as checkout_selectors
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.models import CheckoutDelivery
from marketplace.checkout.services import CheckoutLineUpdateInput
from tests.api_checkout.conftest import gid
from tests.checkout import helpers
from tests.checkout.helpers import ADDRESS
from tests.logistics.rates_helpers import express_of, rate, rated_shop, zone

pytestmark = pytest.mark.django_db

TIBET = {**ADDRESS, "country_area": "西藏自治区", "city": "拉萨市", "city_area": "城关区"}


def _yunnan_rated_shop(*, first: str = "10.00", step: str = "4.00"):
    """A shop whose express costs `first` for the first kg and `step` per started kg in
    Yunnan, and does not go to Tibet."""
    shop = rated_shop()
    method = express_of(shop)
    rate(method, zone(shop, "云南省", "53"), first=first, step=step)
    rate(method, zone(shop, "西藏", "54"), serves=False)
    return shop, method


def _tea(shop, channel, *, grams: int = 800):
    tea = helpers.goods(shop=shop, channel=channel, price="30.00", stock=50)
    tea.weight_grams = grams
    tea.save(update_fields=["weight_grams"])
    return tea


def _checkout_to(address, lines, channel):
    checkout = checkout_services.checkout_create(channel=channel, email="a@example.cn", lines=lines)
    return checkout_services.checkout_shipping_address_update(checkout=checkout, address=address)


def test_methods_are_priced_for_the_cart_and_address(channel):
    shop, method = _yunnan_rated_shop()
    checkout = _checkout_to(ADDRESS, [helpers.line(_tea(shop, channel), 2)], channel)  # 1.6 kg
    [option] = checkout_selectors.delivery_options(checkout=checkout)
    prices = {m.pk: m.quoted_price for m in option.methods}
    assert prices[method.pk] == Decimal("14.00")  # 10 first kg + 4 for the started second
    assert option.unavailable == []


def test_a_method_that_cannot_deliver_is_left_out_with_its_reason(channel):
    shop, method = _yunnan_rated_shop()
    checkout = _checkout_to(TIBET, [helpers.line(_tea(shop, channel), 1)], channel)
    [option] = checkout_selectors.delivery_options(checkout=checkout)
    assert method.pk not in {m.pk for m in option.methods}  # pickup is still offered
    [refused] = option.unavailable
    assert (refused.method.pk, refused.refusal) == (method.pk, DeliveryErrorCode.NOT_SERVED)


def test_choosing_a_method_that_cannot_deliver_is_refused_and_writes_nothing(channel):
    shop, method = _yunnan_rated_shop()
    checkout = _checkout_to(TIBET, [helpers.line(_tea(shop, channel), 1)], channel)
    with pytest.raises(ValidationError) as refused:
        checkout_services.checkout_delivery_method_update(
            checkout=checkout, shop=shop, method=method
        )
    [error] = refused.value.error_dict["delivery_method_id"]
    assert error.code == CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE.value
    assert "cannot deliver" in error.message
    assert not CheckoutDelivery.objects.filter(checkout=checkout).exists()


def test_the_price_follows_the_buyers_own_changes(channel):
    shop, method = _yunnan_rated_shop()
    tea = _tea(shop, channel)
    checkout = _checkout_to(ADDRESS, [helpers.line(tea, 1)], channel)
    checkout = checkout_services.checkout_delivery_method_update(
        checkout=checkout, shop=shop, method=method
    )
    assert CheckoutDelivery.objects.get(checkout=checkout).agreed_shipping_amount == Decimal(
        "10.00"
    )
    line = checkout.lines.get()
    checkout = checkout_services.checkout_lines_update(
        checkout=checkout, lines=[CheckoutLineUpdateInput(line_id=line.pk, quantity=3)]
    )
    # 2.4 kg: the buyer's own change re-priced it and the answer showed them the new price.
    assert CheckoutDelivery.objects.get(checkout=checkout).agreed_shipping_amount == Decimal(
        "18.00"
    )
    totals = checkout_selectors.checkout_totals(checkout=checkout)
    assert totals.shipping == Decimal("18.00")
    assert not totals.shops[0].delivery_price_changed


def test_a_price_the_buyer_never_saw_is_refused_at_completion(channel):
    shop, method = _yunnan_rated_shop()
    checkout = _checkout_to(ADDRESS, [helpers.line(_tea(shop, channel), 1)], channel)
    checkout = checkout_services.checkout_delivery_method_update(
        checkout=checkout, shop=shop, method=method
    )
    # The shop raises its Yunnan rate after the buyer chose express at ¥10.
    method.rates.update(first_price_amount=Decimal("16.00"))
    problems = checkout_selectors.checkout_problems(
        checkout=checkout, totals=checkout_selectors.checkout_totals(checkout=checkout)
    )
    stale = [p for p in problems if isinstance(p, checkout_selectors.DeliveryMethodStaleProblem)]
    assert [(p.agreed_price, p.current_price) for p in stale] == [
        (Decimal("10.00"), Decimal("16.00"))
    ]
    with pytest.raises(ValidationError) as refused:
        checkout_complete(checkout=checkout, user=None, allow_unpaid=True)
    [error] = refused.value.error_dict["delivery_method_id"]
    assert error.code == CheckoutErrorCode.INVALID_SHIPPING_METHOD.value
    assert "¥16.00" in error.message and "¥10.00" in error.message
    assert checkout.order_id is None
    # Choosing the method again accepts the new price.
    checkout = checkout_services.checkout_delivery_method_update(
        checkout=checkout, shop=shop, method=method
    )
    totals = checkout_selectors.checkout_totals(checkout=checkout)
    assert not totals.shops[0].delivery_price_changed
    assert totals.shipping == Decimal("16.00")


def test_a_method_that_stopped_serving_the_address_is_refused_at_completion(channel):
    shop, method = _yunnan_rated_shop()
    checkout = _checkout_to(ADDRESS, [helpers.line(_tea(shop, channel), 1)], channel)
    checkout = checkout_services.checkout_delivery_method_update(
        checkout=checkout, shop=shop, method=method
    )
    method.rates.update(serves=False)
    with pytest.raises(ValidationError) as refused:
        checkout_complete(checkout=checkout, user=None, allow_unpaid=True)
    [error] = refused.value.error_dict["delivery_method_id"]
    assert error.code == CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE.value


QUERY = """query($id: ID) { checkout(id: $id) {
  shippingMethods { id name price { amount } }
  unavailableShippingMethods { shippingMethod { name } reason message }
  shopDeliveries { shop { slug } deliveries { shippingMethod { price { amount } } }
                   unavailableDeliveries { reason } }
  problems { __typename }
} }"""


def test_the_api_shows_quoted_prices_and_refusals(gql, channel):
    shop, method = _yunnan_rated_shop()
    checkout = _checkout_to(TIBET, [helpers.line(_tea(shop, channel), 1)], channel)
    body = gql(QUERY, {"id": gid("Checkout", checkout.token)})
    data = body["data"]["checkout"]
    assert [m["name"] for m in data["shippingMethods"]] == ["村服务站自提"]
    [refused] = data["unavailableShippingMethods"]
    assert refused["reason"] == "NOT_SERVED"
    assert refused["shippingMethod"]["name"] == method.name
    checkout = checkout_services.checkout_shipping_address_update(
        checkout=checkout, address=ADDRESS
    )
    data = gql(QUERY, {"id": gid("Checkout", checkout.token)})["data"]["checkout"]
    prices = {m["name"]: m["price"]["amount"] for m in data["shippingMethods"]}
    assert prices == {"村服务站自提": 0.0, method.name: 10.0}
    assert data["unavailableShippingMethods"] == []


def _checkout_of(shops: int, lines_per_shop: int, channel):
    lines = []
    for _ in range(shops):
        shop, _method = _yunnan_rated_shop()
        lines += [helpers.line(_tea(shop, channel), 1) for _ in range(lines_per_shop)]
    return _checkout_to(ADDRESS, lines, channel)


def test_pricing_costs_the_same_statements_for_1_shop_and_10_shops_of_10_lines(gql, channel):
    small = _checkout_of(1, 1, channel)
    large = _checkout_of(10, 10, channel)
    counts = []
    for checkout in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            body = gql(QUERY, {"id": gid("Checkout", checkout.token)})
        assert "errors" not in body, body.get("errors")
        counts.append(len(ctx.captured_queries))
    assert len(body["data"]["checkout"]["shopDeliveries"]) == 10
    assert counts[0] == counts[1]
