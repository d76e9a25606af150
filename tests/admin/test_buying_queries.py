"""Order change lists cost the same number of queries for one shop order as for twenty."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.orders.models import ShopOrder
from tests import factories
from tests.admin.buying import Buying, add_buying, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def buying(world: Any) -> Buying:
    return getattr(world, "buying", None) or add_buying(world)


def _count(client: Any, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.context["cl"].result_count


CASES = [
    ("platform_admin", "admin:orders_shoporder_changelist"),
    ("platform_admin", "admin:orders_orderline_changelist"),
    ("platform_admin", "admin:inventory_allocation_changelist"),
    ("platform_admin", "admin:orders_order_changelist"),
    ("platform_admin", "admin:orders_orderevent_changelist"),
    ("manager_a", "admin:orders_shoporder_changelist"),
    ("manager_a", "admin:orders_orderline_changelist"),
    ("manager_a", "admin:inventory_allocation_changelist"),
    ("officer_1", "admin:orders_shoporder_changelist"),
    ("officer_1", "admin:orders_orderline_changelist"),
]


@pytest.mark.parametrize(("who", "url_name"), CASES)
def test_order_changelists_do_not_grow_with_rows(
    client: Any, world: Any, buying: Buying, url_name: str, who: str
) -> None:
    client.force_login(getattr(world, who))
    url = reverse(url_name)
    _count(client, url)  # warm caches that are not per-request (content types, ...)
    one, rows_before = _count(client, url)

    channel = factories.channel("urban-retail")
    # Each order for a new household's consigned tea, so every line names its own
    # beneficiary and variant.
    for _ in range(19):
        household = factories.household(village_obj=world.shop_a.village)
        product = factories.product(
            shop_obj=world.shop_a, channel_obj=channel, beneficiary=household
        )
        place_order(
            channel=channel,
            buyer=factories.user(),
            parts=[(world.shop_a, factories.first_variant(product), buying.express_a)],
        )
    assert ShopOrder.objects.filter(shop=world.shop_a).count() == 20
    many, rows_after = _count(client, url)
    assert rows_after > rows_before
    assert many == one
