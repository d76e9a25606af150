"""Fixtures and GraphQL snippets the checkout API tests share: two village shops (tea with
a shop voucher; honey and a homestay), and helpers that drive the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from graphql_relay import to_global_id

from marketplace.checkout import selectors
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.models import Checkout
from tests.api.conftest import GraphQLClient
from tests.checkout import helpers

ADDRESS = {
    "firstName": "张",
    "lastName": "伟",
    "streetAddress1": "龙坞镇上城埭村 18 号",
    "city": "杭州市",
    "cityArea": "西湖区",
    "postalCode": "310024",
    "country": "CN",
    "countryArea": "浙江省",
    "phone": "138 0013 8000",
}

ERRORS = "errors { field message code variants lines addressType }"

CHECKOUT_FIELDS = """
    id token email voucherCode isShippingRequired chargeStatus authorizeStatus
    channel { slug }
    user { email }
    shippingAddress { city countryArea postalCode phone }
    lines {
        id quantity variant { id sku name product { name } }
        unitPrice { gross { amount currency } }
        undiscountedUnitPrice { amount }
        totalPrice { gross { amount } }
        booking { startDate endDate guests }
    }
    subtotalPrice { gross { amount } }
    shippingPrice { gross { amount } }
    discount { amount }
    totalPrice { gross { amount } }
    availablePaymentGateways { id name currencies }
    delivery { id shippingMethod { id name } }
    shippingMethods { id name price { amount } }
    problems {
        __typename
        ... on CheckoutLineProblemInsufficientStock { availableQuantity variant { sku } }
    }
    shopDeliveries {
        shop { slug } isShippingRequired
        deliveries { id shippingMethod { id name kind price { amount } } }
        delivery { shippingMethod { id name } }
        shippingPrice { gross { amount } } discount { amount } voucherCode
    }
"""


def gid(type_name: str, pk: Any) -> str:
    return to_global_id(type_name, str(pk))


def line(variant: Any, quantity: int = 1, booking: dict[str, Any] | None = None) -> dict:
    item: dict[str, Any] = {"variantId": gid("ProductVariant", variant.pk), "quantity": quantity}
    if booking is not None:
        item["booking"] = booking
    return item


CREATE = (
    "mutation Create($input: CheckoutCreateInput!) { checkoutCreate(input: $input) { "
    + ERRORS
    + " checkout { id token } } }"
)


def create(gql: Any, lines: list[dict], **extra: Any) -> dict[str, Any]:
    """The checkoutCreate payload (no top-level errors)."""
    data = gql.data(CREATE, {"input": {"channel": "urban-retail", "lines": lines, **extra}})
    return data["checkoutCreate"]


def mutate(gql: Any, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    (payload,) = gql.data(query, variables).values()
    return payload


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


def pay_in_full(token: str) -> Checkout:
    checkout = Checkout.objects.get(pk=token)
    total = selectors.checkout_totals(checkout=checkout).total
    return checkout_services.checkout_mark_charged(checkout_id=token, amount=total)


@pytest.fixture
def gql(db) -> GraphQLClient:
    return GraphQLClient(Client())


@pytest.fixture
def other_gql(db) -> GraphQLClient:
    """A second, independent caller."""
    return GraphQLClient(Client())


@pytest.fixture
def tea_shop(db):
    return helpers.shop_with_delivery(express_price="12.00")


@pytest.fixture
def honey_shop(db):
    return helpers.shop_with_delivery(express_price="8.00")


@pytest.fixture
def tea(tea_shop, channel):
    return helpers.goods(shop=tea_shop, channel=channel, price="25.00", stock=10)


@pytest.fixture
def honey(honey_shop, channel):
    return helpers.goods(shop=honey_shop, channel=channel, price="30.00", stock=10)


@pytest.fixture
def room(honey_shop, channel):
    return helpers.homestay(shop=honey_shop, channel=channel, price="280.00", rooms=1)


def placed_order(channel: Any, variant: Any, *, user: Any = None) -> Any:
    """An order placed through the domain services (for the listing tests)."""
    checkout = checkout_services.checkout_create(
        channel=channel, lines=[helpers.line(variant, 1)], user=user, email="buyer@example.cn"
    )
    checkout = helpers.ready(checkout)
    return checkout_complete(checkout=checkout, user=user)
