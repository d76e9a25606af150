"""The shop-order changelist's cancel action: asks for a reason, then cancels through the
service (stock back, the order's history), only for shop orders the user may manage."""

from __future__ import annotations

import pytest
from django.test import Client

from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.inventory.models import Stock
from marketplace.orders.models import OrderEvent, ShopOrder
from tests import factories
from tests.checkout import helpers

pytestmark = pytest.mark.django_db

URL = "/admin/orders/shoporder/"


def _placed(world):
    variant = factories.first_variant(world.product_a)
    checkout = checkout_services.checkout_create(
        channel=factories.channel("urban-retail"),
        email="buyer@example.cn",
        lines=[helpers.line(variant, 2)],
    )
    order = checkout_complete(checkout=helpers.ready(checkout))
    return order.shop_orders.get(), variant


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_manager_gives_a_reason_and_cancels_their_own_shop_order(world):
    own, variant = _placed(world)
    other = world.buying.shop_order_b
    client = Client()
    client.force_login(world.manager_a)
    selected = {"action": "cancel_selected", "_selected_action": [own.pk, other.pk]}

    # First the reason page. Another shop's order is not even in the manager's changelist.
    page = client.post(URL, selected)
    assert page.status_code == 200
    assert [so.pk for so in page.context["shop_orders"]] == [own.pk]
    assert ShopOrder.objects.get(pk=own.pk).status == "UNFULFILLED"
    # An empty reason is asked again.
    again = client.post(URL, {**selected, "apply": "1", "reason": "  "})
    assert again.status_code == 200 and again.context["form"].errors

    done = client.post(URL, {**selected, "apply": "1", "reason": "冰雹毁了茶园"}, follow=True)
    assert [m for m in _messages(done) if m.endswith("cancelled.")]
    assert ShopOrder.objects.get(pk=own.pk).status == "CANCELED"
    assert Stock.objects.get(product_variant=variant).quantity_allocated == 0
    event = OrderEvent.objects.get(order_id=own.order_id, type="CANCELED")
    assert event.user == world.manager_a and event.parameters["message"] == "冰雹毁了茶园"
    assert ShopOrder.objects.get(pk=other.pk).status == "UNFULFILLED"


def test_a_township_officer_reads_shop_orders_but_cancels_none(world):
    own, _ = _placed(world)  # shop A, in the officer's township
    client = Client()
    client.force_login(world.officer_1)
    selected = {"action": "cancel_selected", "_selected_action": [own.pk]}
    page = client.post(URL, selected)
    assert page.status_code == 200
    assert page.context["shop_orders"] == [] and page.context["skipped"] == 1

    done = client.post(URL, {**selected, "apply": "1", "reason": "x"}, follow=True)
    assert [m for m in _messages(done) if "not yours to cancel" in m]
    assert ShopOrder.objects.get(pk=own.pk).status == "UNFULFILLED"
    assert not OrderEvent.objects.filter(order_id=own.order_id, type="CANCELED").exists()
