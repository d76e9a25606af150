"""The whole purchase through GraphQL: two shops, a homestay booking, per-shop delivery, a
shop voucher, payment recorded as the notify handler would, one order with two shop orders,
and the anonymous confirmation page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from marketplace.orders.models import Order
from tests.api.conftest import GraphQLClient
from tests.api_checkout.conftest import (
    ADDRESS,
    CHECKOUT_FIELDS,
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
BOOKING = {
    "startDate": START.isoformat(),
    "endDate": (START + timedelta(days=2)).isoformat(),
    "guests": 2,
}

LINES_ADD = (
    "mutation($id: ID, $lines: [CheckoutLineInput!]!) { checkoutLinesAdd(id: $id, lines: $lines)"
    " { " + ERRORS + " checkout { id lines { quantity } } } }"
)
SHIPPING = (
    "mutation($id: ID, $address: AddressInput!) { checkoutShippingAddressUpdate(id: $id, "
    "shippingAddress: $address) { " + ERRORS + " checkout { shippingAddress { postalCode } } } }"
)
OPTIONS = (
    "mutation($id: ID!) { deliveryOptionsCalculate(id: $id) { errors { field code } "
    "deliveries { id shippingMethod { id name } shop { slug } } } }"
)
DELIVERY = (
    "mutation($id: ID, $method: ID) { checkoutDeliveryMethodUpdate(id: $id, "
    "deliveryMethodId: $method) { " + ERRORS + " checkout { shippingPrice { gross { amount } } }"
    " } }"
)
PROMO = (
    "mutation($id: ID, $code: String!) { checkoutAddPromoCode(checkoutId: $id, promoCode: $code)"
    " { " + ERRORS + " checkout { discount { amount } voucherCode } } }"
)
COMPLETE = (
    "mutation($id: ID) { checkoutComplete(id: $id) { " + ERRORS + " confirmationNeeded "
    "order { id number chargeStatus authorizeStatus isPaid } } }"
)
QUERY = "query($id: ID) { checkout(id: $id) { " + CHECKOUT_FIELDS + " } }"
ORDER = """
query($id: ID) { order(id: $id) {
    id number status isPaid chargeStatus authorizeStatus userEmail created
    total { gross { amount } } subtotal { gross { amount } } shippingPrice { gross { amount } }
    lines { productName productSku quantity unitPrice { gross { amount } } booking { guests } }
    events { type }
    user { email }
    shopOrders {
        id shop { name slug } status
        subtotal { gross { amount } } shippingPrice { gross { amount } } total { gross { amount } }
        lines { productName quantity totalPrice { gross { amount } } }
    }
} }
"""


def test_buy_from_two_shops_with_a_homestay_and_confirm_anonymously(
    gql, channel, tea_shop, honey_shop, tea, honey, room
):
    helpers.voucher(tea_shop, code="SPRING10")  # 10 % off the tea shop's lines

    created = create(gql, [line(tea, 2), line(room, 1, BOOKING)], email="Buyer@Example.cn")
    assert created["errors"] == []
    checkout_id = created["checkout"]["id"]
    token = created["checkout"]["token"]
    assert checkout_id == gid("Checkout", token)

    added = mutate(gql, LINES_ADD, {"id": checkout_id, "lines": [line(honey, 1)]})
    assert added["errors"] == []
    assert sorted(ln["quantity"] for ln in added["checkout"]["lines"]) == [1, 2, 2]

    shipped = mutate(gql, SHIPPING, {"id": checkout_id, "address": ADDRESS})
    assert shipped["errors"] == []
    assert shipped["checkout"]["shippingAddress"]["postalCode"] == "310024"

    options = mutate(gql, OPTIONS, {"id": checkout_id})
    assert options["errors"] == []
    by_shop = {}
    for delivery in options["deliveries"]:
        by_shop.setdefault(delivery["shop"]["slug"], []).append(delivery)
    assert set(by_shop) == {tea_shop.slug, honey_shop.slug}
    assert all(len(found) == 2 for found in by_shop.values())

    express = gid("ShippingMethod", helpers.express(tea_shop).pk)
    pickup = gid("Delivery", helpers.pickup(honey_shop).pk)  # a Delivery ID works as well
    first = mutate(gql, DELIVERY, {"id": checkout_id, "method": express})
    assert first["errors"] == []
    assert first["checkout"]["shippingPrice"]["gross"]["amount"] == 12.0
    second = mutate(gql, DELIVERY, {"id": checkout_id, "method": pickup})
    assert second["errors"] == []
    assert second["checkout"]["shippingPrice"]["gross"]["amount"] == 12.0  # pickup is free

    promo = mutate(gql, PROMO, {"id": checkout_id, "code": "spring10"})
    assert promo["errors"] == []
    assert promo["checkout"]["discount"]["amount"] == 5.0
    assert promo["checkout"]["voucherCode"] == "SPRING10"

    checkout = gql.data(QUERY, {"id": checkout_id})["checkout"]
    assert checkout["email"] == "buyer@example.cn"
    assert checkout["channel"]["slug"] == "urban-retail"
    assert checkout["isShippingRequired"] is True
    # 2 × 25 tea + 2 nights × 280 + 30 honey; 10 % off the tea; express 12, pickup 0.
    assert checkout["subtotalPrice"]["gross"]["amount"] == 640.0
    assert checkout["totalPrice"]["gross"]["amount"] == 647.0
    assert checkout["chargeStatus"] == "NONE"
    assert checkout["problems"] == []
    assert [g["id"] for g in checkout["availablePaymentGateways"]] == ["ruralmart.payments.alipay"]
    stay = next(ln for ln in checkout["lines"] if ln["booking"])
    assert stay["booking"] == BOOKING
    assert stay["quantity"] == 2 and stay["totalPrice"]["gross"]["amount"] == 560.0
    shops = {s["shop"]["slug"]: s for s in checkout["shopDeliveries"]}
    assert shops[tea_shop.slug]["delivery"]["shippingMethod"]["id"] == express
    assert shops[tea_shop.slug]["voucherCode"] == "SPRING10"
    assert shops[honey_shop.slug]["delivery"]["shippingMethod"]["name"] == "村服务站自提"
    assert checkout["delivery"] is not None  # every shop has chosen

    unpaid = mutate(gql, COMPLETE, {"id": checkout_id})
    assert codes(unpaid) == [(None, "CHECKOUT_NOT_FULLY_PAID")]
    assert unpaid["order"] is None
    assert not Order.objects.exists()

    pay_in_full(token)  # as the payments notify handler records a charge
    assert gql.data(QUERY, {"id": checkout_id})["checkout"]["chargeStatus"] == "FULL"

    completed = mutate(gql, COMPLETE, {"id": checkout_id})
    assert completed["errors"] == [] and completed["confirmationNeeded"] is False
    order_id = completed["order"]["id"]
    assert completed["order"]["chargeStatus"] == "FULL" and completed["order"]["isPaid"] is True
    again = mutate(gql, COMPLETE, {"id": checkout_id})
    assert again["errors"] == [] and again["order"]["id"] == order_id
    assert Order.objects.count() == 1
    # The completed checkout is gone from the storefront's view.
    assert gql.data(QUERY, {"id": checkout_id})["checkout"] is None

    stranger = GraphQLClient(Client())
    order = stranger.data(ORDER, {"id": order_id})["order"]
    assert order["number"] == completed["order"]["number"]
    assert order["status"] == "UNFULFILLED"
    assert order["isPaid"] is True and order["chargeStatus"] == "FULL"
    assert order["userEmail"] == "buyer@example.cn"
    assert order["total"]["gross"]["amount"] == 647.0
    assert order["subtotal"]["gross"]["amount"] == 640.0
    assert order["shippingPrice"]["gross"]["amount"] == 12.0
    assert order["user"] is None
    assert {e["type"] for e in order["events"]} >= {"PLACED_AUTOMATICALLY_FROM_PAID_CHECKOUT"}
    assert sorted(ln["productSku"] for ln in order["lines"]) == sorted(
        [tea.sku, honey.sku, room.sku]
    )
    parts = {s["shop"]["slug"]: s for s in order["shopOrders"]}
    assert set(parts) == {tea_shop.slug, honey_shop.slug}
    assert parts[tea_shop.slug]["total"]["gross"]["amount"] == 57.0
    assert parts[honey_shop.slug]["total"]["gross"]["amount"] == 590.0
    assert parts[honey_shop.slug]["shippingPrice"]["gross"]["amount"] == 0.0
    assert len(parts[honey_shop.slug]["lines"]) == 2
    assert all(s["status"] == "UNFULFILLED" for s in order["shopOrders"])


def test_lines_update_and_delete_and_promo_removal(gql, channel, tea_shop, tea, honey):
    helpers.voucher(tea_shop, code="TEA5", discount_type="FIXED", discount_value="5.00")
    created = create(gql, [line(tea, 1), line(honey, 1)])
    checkout_id = created["checkout"]["id"]
    lines = gql.data(QUERY, {"id": checkout_id})["checkout"]["lines"]
    tea_line = next(ln for ln in lines if ln["variant"]["sku"] == tea.sku)
    honey_line = next(ln for ln in lines if ln["variant"]["sku"] == honey.sku)

    updated = mutate(
        gql,
        "mutation($id: ID, $lines: [CheckoutLineUpdateInput!]!) { checkoutLinesUpdate(id: $id, "
        "lines: $lines) { " + ERRORS + " checkout { lines { quantity } } } }",
        {"id": checkout_id, "lines": [{"lineId": tea_line["id"], "quantity": 3}]},
    )
    assert updated["errors"] == []
    assert sorted(ln["quantity"] for ln in updated["checkout"]["lines"]) == [1, 3]

    deleted = mutate(
        gql,
        "mutation($id: ID, $ids: [ID!]!) { checkoutLinesDelete(id: $id, linesIds: $ids) { "
        + ERRORS
        + " checkout { lines { variant { sku } } } } }",
        {"id": checkout_id, "ids": [honey_line["id"]]},
    )
    assert deleted["errors"] == []
    assert [ln["variant"]["sku"] for ln in deleted["checkout"]["lines"]] == [tea.sku]

    assert mutate(gql, PROMO, {"id": checkout_id, "code": "TEA5"})["checkout"]["discount"] == {
        "amount": 5.0
    }
    removed = mutate(
        gql,
        "mutation($id: ID, $code: String) { checkoutRemovePromoCode(checkoutId: $id, "
        "promoCode: $code) { " + ERRORS + " checkout { discount { amount } voucherCode } } }",
        {"id": checkout_id, "code": "TEA5"},
    )
    assert removed["errors"] == []
    assert removed["checkout"] == {"discount": {"amount": 0.0}, "voucherCode": None}


def test_email_and_billing_address_update(gql, channel, tea):
    checkout_id = create(gql, [line(tea, 1)])["checkout"]["id"]
    email = mutate(
        gql,
        'mutation($id: ID) { checkoutEmailUpdate(id: $id, email: "A@b.cn") { '
        + ERRORS
        + " checkout { email } } }",
        {"id": checkout_id},
    )
    assert email == {"errors": [], "checkout": {"email": "a@b.cn"}}
    billing = mutate(
        gql,
        "mutation($id: ID, $a: AddressInput!) { checkoutBillingAddressUpdate(id: $id, "
        "billingAddress: $a) { " + ERRORS + " checkout { billingAddress { phone city } } } }",
        {"id": checkout_id, "a": ADDRESS},
    )
    assert billing["errors"] == []
    assert billing["checkout"]["billingAddress"] == {"phone": "+8613800138000", "city": "杭州市"}


def test_village_counter_channel_offers_cash_too(gql, tea_shop):
    from tests import factories

    counter = factories.channel("village-counter")
    variant = helpers.goods(shop=tea_shop, channel=counter, price="25.00")
    data = gql.data(
        CREATE.replace("checkout { id token }", "checkout { availablePaymentGateways { id } }"),
        {"input": {"channel": "village-counter", "lines": [line(variant, 1)]}},
    )["checkoutCreate"]
    assert data["errors"] == []
    assert [g["id"] for g in data["checkout"]["availablePaymentGateways"]] == [
        "ruralmart.payments.alipay",
        "ruralmart.payments.cash",
    ]
