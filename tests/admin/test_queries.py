"""Change lists cost the same number of queries for one row as for twenty."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.organisations.models import Household
from tests import factories

pytestmark = pytest.mark.django_db


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:catalog_product_changelist",
        "admin:catalog_productvariant_changelist",
        "admin:inventory_stock_changelist",
        "admin:catalog_productchannellisting_changelist",
        "admin:organisations_household_changelist",
    ],
)
@pytest.mark.parametrize("who", ["platform_admin", "manager"])
def test_changelist_queries_do_not_grow_with_rows(
    client: Any, world: Any, url_name: str, who: str
) -> None:
    # The manager's view: a shop with one product and one household, then twenty.
    shop = world.shop_a
    user = world.platform_admin if who == "platform_admin" else world.manager_a
    client.force_login(user)
    url = reverse(url_name)
    _count(client, url)  # warm caches that are not per-request (content types, ...)
    one = _count(client, url)

    channel = factories.channel("urban-retail")
    category = factories.category()
    for _ in range(19):
        household = factories.household(village_obj=shop.village)
        factories.product(
            shop_obj=shop, channel_obj=channel, category_obj=category, beneficiary=household
        )
    assert Household.objects.filter(village=shop.village).count() == 20
    many = _count(client, url)
    assert many == one
