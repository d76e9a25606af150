"""`shopOrderCancel` (a shop calls off its own part of an order, nobody else's) and Saleor's
`orderCancel` (platform admins, the whole order); query counts that do not grow with lines."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.accounts.models import Role
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.inventory.models import Stock
from marketplace.orders.lifecycle import shop_order_fulfil
from marketplace.orders.models import OrderEvent
from tests import factories
from tests.api_checkout.conftest import gid, placed_order
from tests.checkout import helpers

pytestmark = pytest.mark.django_db

CANCEL = """mutation($id: ID!, $reason: String!) { shopOrderCancel(id: $id, reason: $reason) {
    shopOrder { status shop { slug } } errors { field message code } } }"""

ORDER_CANCEL = """mutation($id: ID!) { orderCancel(id: $id) {
    order { status shopOrders { status } }
    errors { field message code warehouse orderLines variants addressType }
    orderErrors { field code } } }"""


def denied(body) -> bool:
    return body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_the_shops_manager_cancels_and_stock_comes_back(gql, channel, tea_shop, tea):
    order = placed_order(channel, tea)
    shop_order_id = gid("ShopOrder", order.shop_orders.get().pk)
    assert Stock.objects.get(product_variant=tea).quantity_allocated == 1
    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop))

    done = gql.data(CANCEL, {"id": shop_order_id, "reason": "断货"})["shopOrderCancel"]

    assert done == {
        "shopOrder": {"status": "CANCELED", "shop": {"slug": tea_shop.slug}},
        "errors": [],
    }
    assert Stock.objects.get(product_variant=tea).quantity_allocated == 0
    again = gql.data(CANCEL, {"id": shop_order_id, "reason": "断货"})["shopOrderCancel"]
    assert again["errors"] == [] and again["shopOrder"]["status"] == "CANCELED"
    assert OrderEvent.objects.filter(order=order, type="CANCELED").count() == 1


def test_shop_order_cancel_refusals(gql, channel, tea_shop, honey_shop, tea):
    order = placed_order(channel, tea)
    shop_order = order.shop_orders.get()
    shop_order_id = gid("ShopOrder", shop_order.pk)
    variables = {"id": shop_order_id, "reason": "x"}
    assert denied(gql(CANCEL, variables))  # anonymous
    gql.login(factories.user())  # a buyer
    assert denied(gql(CANCEL, variables))
    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=honey_shop))  # another village
    assert denied(gql(CANCEL, variables))

    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)
    gql.login(manager)
    wrong_type = gql.data(CANCEL, {"id": gid("Product", 1), "reason": "x"})["shopOrderCancel"]
    assert [(e["field"], e["code"]) for e in wrong_type["errors"]] == [("id", "GRAPHQL_ERROR")]
    unknown = gql.data(CANCEL, {"id": gid("ShopOrder", 999999), "reason": "x"})
    assert [e["code"] for e in unknown["shopOrderCancel"]["errors"]] == ["NOT_FOUND"]
    blank = gql.data(CANCEL, {"id": shop_order_id, "reason": " "})["shopOrderCancel"]
    assert [(e["field"], e["code"]) for e in blank["errors"]] == [("reason", "REQUIRED")]
    assert shop_order.__class__.objects.get(pk=shop_order.pk).status == "UNFULFILLED"

    shop_order_fulfil(shop_order=shop_order, actor=manager)
    fulfilled = gql.data(CANCEL, variables)["shopOrderCancel"]
    assert fulfilled["shopOrder"] is None
    assert [e["code"] for e in fulfilled["errors"]] == ["CANNOT_CANCEL_ORDER"]
    assert not OrderEvent.objects.filter(order=order, type="CANCELED").exists()


def test_a_platform_admin_cancels_a_whole_order(gql, channel, tea, honey):
    checkout = checkout_services.checkout_create(
        channel=channel, email="buyer@example.cn", lines=[helpers.line(tea), helpers.line(honey)]
    )
    order = checkout_complete(checkout=helpers.ready(checkout))
    gql.login(factories.platform_admin())
    done = gql.data(ORDER_CANCEL, {"id": gid("Order", order.pk)})["orderCancel"]
    assert done == {
        "order": {"status": "CANCELED", "shopOrders": [{"status": "CANCELED"}] * 2},
        "errors": [],
        "orderErrors": [],
    }
    assert {
        s.quantity_allocated for s in Stock.objects.filter(product_variant__in=[tea, honey])
    } == {0}


def test_order_cancel_refusals(gql, channel, tea_shop, tea):
    order = placed_order(channel, tea)
    order_id = gid("Order", order.pk)
    assert denied(gql(ORDER_CANCEL, {"id": order_id}))
    # A shop's manager runs their part, not the buyer's whole order.
    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop))
    assert denied(gql(ORDER_CANCEL, {"id": order_id}))
    gql.login(factories.platform_admin())
    wrong_type = gql.data(ORDER_CANCEL, {"id": gid("ShopOrder", 1)})["orderCancel"]
    assert wrong_type["order"] is None
    assert wrong_type["errors"][0]["code"] == "GRAPHQL_ERROR"
    assert wrong_type["orderErrors"] == [{"field": "id", "code": "GRAPHQL_ERROR"}]
    unknown = gql.data(ORDER_CANCEL, {"id": gid("Order", "0" * 8 + "-0000-4000-8000-" + "0" * 12)})
    assert unknown["orderCancel"]["errors"][0]["code"] == "NOT_FOUND"
    assert order.shop_orders.get().status == "UNFULFILLED"


# --- query counts -------------------------------------------------------------------------


def _order_with_lines(channel, shops, count: int):
    variants = [helpers.goods(shop=shops[i % len(shops)], channel=channel) for i in range(count)]
    checkout = checkout_services.checkout_create(
        channel=channel, email="buyer@example.cn", lines=[helpers.line(v, 1) for v in variants]
    )
    return checkout_complete(checkout=helpers.ready(checkout))


def _count(gql, query, variables) -> int:
    with CaptureQueriesContext(connection) as ctx:
        body = gql(query, variables)
    assert "errors" not in body, body.get("errors")
    (payload,) = body["data"].values()
    assert payload["errors"] == [], payload["errors"]
    return len(ctx.captured_queries)


def test_shop_order_cancel_query_count_is_the_same_for_1_and_10_lines(gql, channel, tea_shop):
    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop))
    counts = []
    for lines in (1, 10):
        order = _order_with_lines(channel, [tea_shop], lines)
        shop_order_id = gid("ShopOrder", order.shop_orders.get().pk)
        counts.append(_count(gql, CANCEL, {"id": shop_order_id, "reason": "x"}))
    assert counts[0] == counts[1]


def test_order_cancel_query_count_is_the_same_for_1_and_10_lines(gql, channel, tea_shop):
    gql.login(factories.platform_admin())
    counts = []
    for lines in (1, 10):
        order = _order_with_lines(channel, [tea_shop], lines)
        counts.append(_count(gql, ORDER_CANCEL, {"id": gid("Order", order.pk)}))
    assert counts[0] == counts[1]
