"""Staff operations on one order do not tell outsiders which order IDs exist.

Shop-order IDs are sequential integers. A caller who manages no shop and is no platform
admin (a buyer, even the order's own; a supermarket operator) is refused with
PermissionDenied before the order is looked up, so an existing and a missing ID get the same
answer and nothing changes.
"""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.accounts.models import Role
from marketplace.orders.models import ShopOrder
from tests import factories
from tests.api_checkout.conftest import gid, placed_order

pytestmark = pytest.mark.django_db

SHOP_ORDER_OPERATIONS = {
    "shopOrderFulfill": """mutation($id: ID!) { shopOrderFulfill(id: $id) {
        shopOrder { status } errors { field code } } }""",
    "shopOrderCancel": """mutation($id: ID!) { shopOrderCancel(id: $id, reason: "x") {
        shopOrder { status } errors { field code } } }""",
    "shopOrderRefund": """mutation($id: ID!) {
        shopOrderRefund(shopOrderId: $id, amount: "1.00", reason: "x") {
        refund { status } errors { field code } } }""",
    "shopOrderRefunds": """query($id: ID!) { shopOrderRefunds(shopOrderId: $id) { status } }""",
}

ORDER_CANCEL = """mutation($id: ID!) { orderCancel(id: $id) {
    order { status } errors { field code } } }"""

MISSING_ORDER_UUID = "00000000-0000-4000-8000-000000000000"


def _answer(body: dict[str, Any]) -> list[tuple[str, str]]:
    """What the caller learns: each top-level error's code and message (no data)."""
    assert body.get("data") in (None, {}) or all(v is None for v in body["data"].values())
    return [(e["extensions"]["exception"]["code"], e["message"]) for e in body["errors"]]


def _outsiders(order: Any, shop: Any) -> dict[str, Any]:
    return {
        "its buyer": order.user,
        "another buyer": factories.user(),
        "a supermarket operator": factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop),
    }


@pytest.mark.parametrize("operation", sorted(SHOP_ORDER_OPERATIONS))
def test_outsiders_cannot_tell_an_existing_shop_order_from_a_missing_one(
    gql, channel, tea_shop, tea, operation
):
    buyer = factories.user()
    order = placed_order(channel, tea, user=buyer)
    shop_order = order.shop_orders.get()
    query = SHOP_ORDER_OPERATIONS[operation]
    existing, missing = gid("ShopOrder", shop_order.pk), gid("ShopOrder", shop_order.pk + 1000)
    assert not ShopOrder.objects.filter(pk=shop_order.pk + 1000).exists()

    for who, user in _outsiders(order, tea_shop).items():
        gql.login(user)
        answers = [_answer(gql(query, {"id": existing})), _answer(gql(query, {"id": missing}))]
        assert answers[0] == answers[1], who
        assert [code for code, _ in answers[0]] == ["PermissionDenied"], who

    shop_order.refresh_from_db()
    assert shop_order.status == "UNFULFILLED"


def test_outsiders_cannot_tell_an_existing_order_from_a_missing_one(gql, channel, tea_shop, tea):
    buyer = factories.user()
    order = placed_order(channel, tea, user=buyer)
    outsiders = {
        **_outsiders(order, tea_shop),
        # orderCancel is for platform admins only: a shop's manager is an outsider to it.
        "a shop manager": factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop),
    }
    for who, user in outsiders.items():
        gql.login(user)
        existing = _answer(gql(ORDER_CANCEL, {"id": gid("Order", order.pk)}))
        missing = _answer(gql(ORDER_CANCEL, {"id": gid("Order", MISSING_ORDER_UUID)}))
        assert existing == missing, who
        assert [code for code, _ in existing] == ["PermissionDenied"], who
    assert order.shop_orders.get().status == "UNFULFILLED"


def test_a_shop_manager_still_learns_that_an_id_is_unknown(gql, channel, tea_shop, tea):
    """Those who may act on shop orders are told NOT_FOUND, as before."""
    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop))
    payload = gql.data(SHOP_ORDER_OPERATIONS["shopOrderFulfill"], {"id": gid("ShopOrder", 0)})
    assert payload["shopOrderFulfill"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    gql.login(factories.platform_admin())
    payload = gql.data(SHOP_ORDER_OPERATIONS["shopOrderRefund"], {"id": gid("ShopOrder", 0)})
    assert payload["shopOrderRefund"]["errors"] == [{"field": "shopOrderId", "code": "NOT_FOUND"}]
