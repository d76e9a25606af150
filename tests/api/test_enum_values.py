"""Every value an enum-typed field can hold serialises.

A model field's default is a TextChoices member until the row is read back, and graphene could
not represent a member of another Python enum: `checkoutCreate` answered "Enum
'CheckoutChargeStatusEnum' cannot represent value: CheckoutChargeStatus.NONE" for every new cart.
Three layers keep that class of fault out:

1. the schema: every GraphQL enum is built by `storefront_api.core.enums`, and every member of
   each mirrored domain enum (as a member, as its stored string, by name) serialises;
2. the data: objects of every type with an enum field are put in every state their domain enum
   allows (both as stored rows and as the unsaved in-memory objects a mutation answers with)
   and the field is read through the real GraphQL endpoint;
3. the mutations that answer with a freshly created object select their enum fields.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLObjectType, get_named_type

from marketplace.catalog.models import BeneficiaryKind, OfferingKind, ProductVariant
from marketplace.checkout.models import Checkout, CheckoutAuthorizeStatus, CheckoutChargeStatus
from marketplace.orders.models import (
    Order,
    OrderAuthorizeStatus,
    OrderChargeStatus,
    OrderEvent,
    OrderEventType,
    OrderStatus,
    ShopOrder,
)
from marketplace.organisations.models import Household, HouseholdCategory, Shop, ShopStatus
from marketplace.payments.models import (
    Refund,
    RefundStatus,
    TransactionEvent,
    TransactionEventType,
)
from storefront_api.core.enums import API_ENUMS, DOMAIN_ENUMS
from storefront_api.schema import schema
from tests import factories
from tests.api_checkout.conftest import CREATE, create, gid, line, placed_order
from tests.checkout import helpers

GRAPHQL_SCHEMA = schema.graphql_schema


def _schema_enums() -> dict[str, GraphQLEnumType]:
    return {
        name: named
        for name, named in GRAPHQL_SCHEMA.type_map.items()
        if isinstance(named, GraphQLEnumType) and not name.startswith("__")
    }


# --- 1. the schema --------------------------------------------------------------------------


def test_every_enum_of_the_schema_is_built_by_core_enums():
    stray = sorted(set(_schema_enums()) - set(DOMAIN_ENUMS) - API_ENUMS)
    assert stray == [], f"enums built outside storefront_api.core.enums: {stray}"


def test_every_enum_typed_output_field_uses_a_built_enum():
    fields = [
        (type_name, field_name, get_named_type(field.type).name)
        for type_name, named in GRAPHQL_SCHEMA.type_map.items()
        if isinstance(named, GraphQLObjectType) and not type_name.startswith("__")
        for field_name, field in named.fields.items()
        if isinstance(get_named_type(field.type), GraphQLEnumType)
    ]
    assert len(fields) > 30  # the walk really found the schema's enum fields
    unbuilt = [f for f in fields if f[2] not in DOMAIN_ENUMS and f[2] not in API_ENUMS]
    assert unbuilt == []


@pytest.mark.parametrize("enum_name", sorted(DOMAIN_ENUMS))
def test_every_domain_member_serialises_as_member_as_stored_value_and_by_name(enum_name):
    graphql_enum = _schema_enums().get(enum_name)
    if graphql_enum is None:
        pytest.fail(f"{enum_name} is built but not reachable from the schema")
    domain: type[Enum] = DOMAIN_ENUMS[enum_name]
    for member in domain:
        assert member.name in graphql_enum.values
        assert graphql_enum.serialize(member) == member.name
        assert graphql_enum.serialize(member.value) == member.name
        assert graphql_enum.serialize(member.name) == member.name


@pytest.mark.parametrize("enum_name", sorted(API_ENUMS))
def test_every_api_enum_value_serialises(enum_name):
    graphql_enum = _schema_enums()[enum_name]
    for name, value in graphql_enum.values.items():
        assert graphql_enum.serialize(value.value) == name
        assert graphql_enum.serialize(str(value.value)) == name


def test_a_foreign_value_is_still_refused():
    # The builders widen what serialises to the domain's own values, nothing more.
    graphql_enum = _schema_enums()["CheckoutChargeStatusEnum"]
    with pytest.raises(Exception, match="cannot represent"):
        graphql_enum.serialize(OrderStatus.DRAFT)


# --- 2. the data: every state, read through the endpoint --------------------------------------


@pytest.fixture
def order(db, channel):
    shop = helpers.shop_with_delivery(express_price="10.00")
    tea = helpers.goods(shop=shop, channel=channel, price="20.00", stock=10)
    buyer = factories.user(email="enum-buyer@example.cn")
    placed = placed_order(channel, tea, user=buyer)
    return placed


@pytest.fixture
def admin_gql(gql, admin_user):
    gql.login(admin_user)
    return gql


def _each_state(domain: type[Enum]) -> list[Any]:
    return [member for member in domain]


ORDER_QUERY = """query($id: ID!) { order(id: $id) {
    status chargeStatus authorizeStatus paymentStatus
    events { type }
    shopOrders { status }
} }"""


@pytest.mark.parametrize("status", _each_state(OrderStatus))
def test_order_and_shop_order_status_in_every_state(admin_gql, order, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    ShopOrder.objects.filter(order=order).update(status=status)
    data = admin_gql.data(ORDER_QUERY, {"id": gid("Order", order.pk)})["order"]
    assert data["status"] == status.name
    assert {s["status"] for s in data["shopOrders"]} == {status.name}


@pytest.mark.parametrize("charge", _each_state(OrderChargeStatus))
@pytest.mark.parametrize("authorize", _each_state(OrderAuthorizeStatus))
def test_order_charge_and_authorize_status_in_every_state(admin_gql, order, charge, authorize):
    Order.objects.filter(pk=order.pk).update(charge_status=charge, authorize_status=authorize)
    data = admin_gql.data(ORDER_QUERY, {"id": gid("Order", order.pk)})["order"]
    assert data["chargeStatus"] == charge.name
    assert data["authorizeStatus"] == authorize.name
    assert data["paymentStatus"]  # derived from the charge status: never unrepresentable


@pytest.mark.parametrize("event_type", _each_state(OrderEventType))
def test_order_event_type_in_every_state(admin_gql, order, event_type):
    OrderEvent.objects.filter(order=order).update(type=event_type)
    data = admin_gql.data(ORDER_QUERY, {"id": gid("Order", order.pk)})["order"]
    assert data["events"] and {e["type"] for e in data["events"]} == {event_type.name}


CHECKOUT_QUERY = "query($id: ID) { checkout(id: $id) { chargeStatus authorizeStatus } }"


@pytest.mark.parametrize("charge", _each_state(CheckoutChargeStatus))
@pytest.mark.parametrize("authorize", _each_state(CheckoutAuthorizeStatus))
def test_checkout_charge_and_authorize_status_in_every_state(gql, channel, charge, authorize):
    shop = helpers.shop_with_delivery(express_price="10.00")
    tea = helpers.goods(shop=shop, channel=channel, price="20.00", stock=10)
    checkout_id = create(gql, [line(tea, 1)])["checkout"]["id"]
    Checkout.objects.update(charge_status=charge, authorize_status=authorize)
    data = gql.data(CHECKOUT_QUERY, {"id": checkout_id})["checkout"]
    assert data == {"chargeStatus": charge.name, "authorizeStatus": authorize.name}


def _resolve_and_serialise(type_name: str, field_name: str, root: Any) -> Any:
    """What execution does for a leaf field: its resolver, then its enum's serialize."""
    field = GRAPHQL_SCHEMA.type_map[type_name].fields[field_name]  # type: ignore[union-attr]
    value = field.resolve(root, None) if field.resolve else getattr(root, field_name)
    return get_named_type(field.type).serialize(value)


@pytest.mark.parametrize("event_type", _each_state(TransactionEventType))
def test_transaction_event_type_of_every_state_in_memory(event_type):
    # Transactions are answered by the mutations that create them (see tests/payments for
    # those payloads); an unsaved row holds the member itself.
    event = TransactionEvent(type=event_type)
    assert _resolve_and_serialise("TransactionEvent", "type", event) == event_type.name


@pytest.mark.parametrize("status", _each_state(RefundStatus))
def test_refund_status_of_every_state_in_memory(status):
    refund = Refund(status=status)
    assert _resolve_and_serialise("ShopOrderRefundItem", "status", refund) == status.name


PRODUCT_QUERY = """query($id: ID!) { product(id: $id, channel: "urban-retail") {
    offeringKind beneficiaryKind variants { beneficiaryKind } } }"""


@pytest.mark.parametrize("kind", _each_state(BeneficiaryKind))
def test_beneficiary_kind_in_every_state(gql, channel, kind):
    shop = helpers.shop_with_delivery(express_price="10.00")
    tea = helpers.goods(shop=shop, channel=channel, price="20.00", stock=10)
    household = factories.household(village_obj=shop.village)
    ProductVariant.objects.filter(pk=tea.pk).update(
        beneficiary_kind=kind,
        beneficiary_household=household if kind == BeneficiaryKind.HOUSEHOLD else None,
    )
    data = gql.data(PRODUCT_QUERY, {"id": gid("Product", tea.product_id)})["product"]
    assert data["beneficiaryKind"] == kind.name
    assert data["variants"] == [{"beneficiaryKind": kind.name}]


def test_offering_kind_of_every_kind_the_catalog_sells(gql, channel):
    shop = helpers.shop_with_delivery(express_price="10.00")
    goods = helpers.goods(shop=shop, channel=channel, price="20.00", stock=10)
    room = helpers.homestay(shop=shop, channel=channel, price="280.00", rooms=1)
    seen = {
        gql.data(PRODUCT_QUERY, {"id": gid("Product", variant.product_id)})["product"][
            "offeringKind"
        ]
        for variant in (goods, room)
    }
    assert seen == {goods.product.offering_kind, room.product.offering_kind}
    assert seen <= {member.name for member in OfferingKind}


SHOP_QUERY = "query($slug: String!) { shop(slug: $slug) { status } }"


def test_shop_status_of_a_listed_shop(gql, channel):
    shop = helpers.shop_with_delivery(express_price="10.00")
    assert Shop.objects.get(pk=shop.pk).status == ShopStatus.APPROVED
    assert gql.data(SHOP_QUERY, {"slug": shop.slug})["shop"]["status"] == "APPROVED"


HOUSEHOLDS_QUERY = "{ households(first: 5) { edges { node { category } } } }"


@pytest.mark.parametrize("category", _each_state(HouseholdCategory))
def test_household_category_in_every_state(admin_gql, channel, category):
    shop = helpers.shop_with_delivery(express_price="10.00")
    household = factories.household(village_obj=shop.village)
    Household.objects.filter(pk=household.pk).update(category=category)
    edges = admin_gql.data(HOUSEHOLDS_QUERY)["households"]["edges"]
    assert [edge["node"]["category"] for edge in edges] == [category.name]


# --- 3. mutations answering with freshly created objects --------------------------------------

CREATE_WITH_STATUS = CREATE.replace(
    "checkout { id token }", "checkout { id chargeStatus authorizeStatus }"
)


def test_checkout_create_answers_the_new_carts_charge_status(gql, channel):
    """The reported fault: two shops' goods and a homestay with booking dates."""
    tea_shop = helpers.shop_with_delivery(express_price="12.00")
    honey_shop = helpers.shop_with_delivery(express_price="8.00")
    tea = helpers.goods(shop=tea_shop, channel=channel, price="25.00", stock=10)
    honey = helpers.goods(shop=honey_shop, channel=channel, price="30.00", stock=10)
    room = helpers.homestay(shop=honey_shop, channel=channel, price="280.00", rooms=1)
    stay = helpers.stay(nights=2)
    booking = {
        "startDate": stay.start_date.isoformat(),
        "endDate": stay.end_date.isoformat(),
        "guests": stay.guests,
    }
    body = gql(
        CREATE_WITH_STATUS,
        {
            "input": {
                "channel": "urban-retail",
                "email": "buyer@example.cn",
                "lines": [line(tea, 2), line(honey, 1), line(room, 1, booking=booking)],
            }
        },
    )
    assert "errors" not in body, body["errors"]
    payload = body["data"]["checkoutCreate"]
    assert payload["errors"] == []
    assert payload["checkout"]["chargeStatus"] == "NONE"
    assert payload["checkout"]["authorizeStatus"] == "NONE"


COMPLETE_WITH_STATUS = """mutation($id: ID) { checkoutComplete(id: $id) {
    errors { field code }
    order { status chargeStatus authorizeStatus paymentStatus events { type } shopOrders { status } }
} }"""


def test_checkout_complete_answers_the_new_orders_statuses(gql, channel):
    shop = helpers.shop_with_delivery(express_price="10.00")
    tea = helpers.goods(shop=shop, channel=channel, price="20.00", stock=10)
    checkout_id = create(gql, [line(tea, 1)])["checkout"]["id"]
    helpers.ready(Checkout.objects.get())
    payload = gql.data(COMPLETE_WITH_STATUS, {"id": checkout_id})["checkoutComplete"]
    assert payload["errors"] == []
    order = payload["order"]
    assert (order["status"], order["chargeStatus"], order["authorizeStatus"]) == (
        "UNFULFILLED",
        "FULL",
        "FULL",
    )
    assert order["paymentStatus"] == "FULLY_CHARGED"
    assert {e["type"] for e in order["events"]} <= {m.name for m in OrderEventType}
    assert order["shopOrders"] == [{"status": "UNFULFILLED"}]
