"""Who may use which checkout and see which orders."""

from __future__ import annotations

import pytest

from marketplace.accounts.models import Role
from tests import factories
from tests.api_checkout.conftest import ERRORS, codes, create, line, mutate, placed_order

pytestmark = pytest.mark.django_db

QUERY = "query($id: ID) { checkout(id: $id) { id email user { email } } }"
ADD = (
    "mutation($id: ID, $lines: [CheckoutLineInput!]!) { checkoutLinesAdd(id: $id, lines: $lines)"
    " { " + ERRORS + " checkout { id } } }"
)
COMPLETE = "mutation($id: ID) { checkoutComplete(id: $id) { " + ERRORS + " order { id } } }"


def test_a_users_checkout_is_refused_to_everyone_else(gql, other_gql, channel, tea):
    owner = factories.user(email="owner@example.cn")
    gql.login(owner)
    checkout_id = create(gql, [line(tea, 1)])["checkout"]["id"]
    assert gql.data(QUERY, {"id": checkout_id})["checkout"]["user"] == {"email": "owner@example.cn"}

    # Anonymous and another buyer: not found, exactly as for a missing checkout.
    assert other_gql.data(QUERY, {"id": checkout_id})["checkout"] is None
    assert codes(mutate(other_gql, ADD, {"id": checkout_id, "lines": [line(tea, 1)]})) == [
        ("id", "NOT_FOUND")
    ]
    other_gql.login(factories.user())
    assert other_gql.data(QUERY, {"id": checkout_id})["checkout"] is None
    assert codes(mutate(other_gql, ADD, {"id": checkout_id, "lines": [line(tea, 1)]})) == [
        ("id", "NOT_FOUND")
    ]
    assert codes(mutate(other_gql, COMPLETE, {"id": checkout_id})) == [("id", "NOT_FOUND")]
    assert mutate(gql, ADD, {"id": checkout_id, "lines": [line(tea, 1)]})["errors"] == []


def test_an_anonymous_checkout_answers_whoever_holds_its_id(gql, other_gql, channel, tea):
    checkout_id = create(gql, [line(tea, 1)])["checkout"]["id"]
    assert other_gql.data(QUERY, {"id": checkout_id})["checkout"]["id"] == checkout_id


def test_customer_attach_and_detach(gql, other_gql, channel, tea):
    checkout_id = create(gql, [line(tea, 1)])["checkout"]["id"]
    attach = (
        "mutation($id: ID) { checkoutCustomerAttach(id: $id) { "
        + ERRORS
        + " checkout { user { email } email } } }"
    )
    anonymous = gql(attach, {"id": checkout_id})
    assert anonymous["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"

    buyer = factories.user(email="buyer2@example.cn")
    gql.login(buyer)
    attached = mutate(gql, attach, {"id": checkout_id})
    assert attached["errors"] == []
    assert attached["checkout"] == {
        "user": {"email": "buyer2@example.cn"},
        "email": "buyer2@example.cn",
    }
    assert other_gql.data(QUERY, {"id": checkout_id})["checkout"] is None  # now theirs only

    detach = (
        "mutation($id: ID) { checkoutCustomerDetach(id: $id) { "
        + ERRORS
        + " checkout { user { email } } } }"
    )
    detached = mutate(gql, detach, {"id": checkout_id})
    assert detached == {"errors": [], "checkout": {"user": None}}
    assert other_gql.data(QUERY, {"id": checkout_id})["checkout"]["id"] == checkout_id


ME_ORDERS = "{ me { orders(first: 10) { totalCount edges { node { number shopOrders { shop { slug } } } } } } }"


def test_me_orders_lists_only_the_callers_orders(gql, channel, tea):
    buyer = factories.user()
    mine = placed_order(channel, tea, user=buyer)
    placed_order(channel, tea, user=factories.user())
    gql.login(buyer)
    orders = gql.data(ME_ORDERS)["me"]["orders"]
    assert orders["totalCount"] == 1
    assert orders["edges"][0]["node"]["number"] == str(mine.number)


SHOP_ORDERS = "{ shopOrders(first: 20) { totalCount edges { node { shop { slug } number status total { gross { amount } } lines { productSku } } } } }"


def test_shop_orders_are_scoped_by_role(gql, channel, tea_shop, honey_shop, tea, honey):
    placed_order(channel, tea)
    placed_order(channel, honey)

    anonymous = gql(SHOP_ORDERS)
    assert anonymous["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    gql.login(factories.user())
    buyer = gql(SHOP_ORDERS)
    assert buyer["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"

    def slugs(user):
        gql.login(user)
        edges = gql.data(SHOP_ORDERS)["shopOrders"]["edges"]
        return sorted(edge["node"]["shop"]["slug"] for edge in edges)

    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=honey_shop.village.township)
    assert slugs(manager) == [tea_shop.slug]
    assert slugs(officer) == [honey_shop.slug]
    assert slugs(factories.platform_admin()) == sorted([tea_shop.slug, honey_shop.slug])
