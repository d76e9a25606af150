"""The shop-order changelist's fulfil action goes through the service and its checks."""

from __future__ import annotations

import pytest
from django.test import Client

from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.orders.models import Order, ShopOrder
from tests import factories
from tests.checkout import helpers

pytestmark = pytest.mark.django_db

URL = "/admin/orders/shoporder/"


def test_manager_fulfils_own_paid_shop_order_and_nothing_else(world):
    # A real purchase (reserved, allocated) rather than the fixture's hand-made rows.
    checkout = checkout_services.checkout_create(
        channel=factories.channel("urban-retail"),
        email="buyer@example.cn",
        lines=[helpers.line(factories.first_variant(world.product_a), 1)],
    )
    order = checkout_complete(checkout=helpers.ready(checkout, pay=False), allow_unpaid=True)
    own = order.shop_orders.get()
    other = world.buying.shop_order_b
    client = Client()
    client.force_login(world.manager_a)

    def fulfil(pk):
        response = client.post(
            URL, {"action": "fulfil_selected", "_selected_action": [pk]}, follow=True
        )
        return [str(m) for m in response.context["messages"]]

    # The fixture's order is not paid yet: the service refuses and the admin says why.
    assert "not paid" in fulfil(own.pk)[0]
    assert ShopOrder.objects.get(pk=own.pk).status == "UNFULFILLED"
    Order.objects.filter(pk=own.order_id).update(charge_status="FULL")
    assert fulfil(own.pk)[0].endswith("fulfilled.")
    assert ShopOrder.objects.get(pk=own.pk).status == "FULFILLED"
    # Another shop's order is outside the manager's queryset: nothing happens to it.
    client.post(URL, {"action": "fulfil_selected", "_selected_action": [other.pk]})
    assert ShopOrder.objects.get(pk=other.pk).status == "UNFULFILLED"
