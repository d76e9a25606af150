"""Pricing a checkout's deliveries costs the same statements for 1 shop × 1 line as for
10 shops × 10 lines (each shop with several zones and rates)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logistics.pricing import ParcelItem
from logistics.selectors import delivery_quotes
from tests.checkout.helpers import ADDRESS
from tests.logistics.rates_helpers import express_of, free_above, rate, rated_shop, zone

pytestmark = pytest.mark.django_db


def _rated_shops(count: int) -> list:
    shops = []
    for i in range(count):
        shop = rated_shop()
        method = express_of(shop)
        rate(method, zone(shop, "云南", "53"), first="8.00")
        rate(method, zone(shop, "本县", "530925"), first="5.00")
        rate(method, zone(shop, "西藏", "54"), serves=False)
        if i % 2:
            free_above(shop, "199.00")
        shops.append(shop)
    return shops


def _statements(shops, lines_per_shop: int) -> tuple[int, dict]:
    items = {
        shop.pk: [
            ParcelItem(
                quantity=2,
                weight_grams=300 + k,
                length_cm=Decimal(20),
                width_cm=Decimal(10),
                height_cm=Decimal(10),
            )
            for k in range(lines_per_shop)
        ]
        for shop in shops
    }
    with CaptureQueriesContext(connection) as captured:
        quotes = delivery_quotes(
            shop_items=items,
            shop_subtotals={shop.pk: Decimal("120.00") for shop in shops},
            address=ADDRESS,
        )
    return len(captured), quotes.by_method


def test_pricing_does_not_grow_with_shops_or_lines():
    shops = _rated_shops(10)
    one, one_quotes = _statements(shops[:1], 1)
    many, many_quotes = _statements(shops, 10)
    assert one == many == 1  # address, zones, methods, terms and rates together
    assert len(one_quotes) == 2 and len(many_quotes) == 20
    # 10 lines of 2 units: 6090 g actual, 40000 cm³ / 6000 = 6667 g volumetric, so 6667 g
    # into 本县: 5.00 for the first kg and 6 started kg at 5.00.
    priced = many_quotes[express_of(shops[0]).pk]
    assert (priced.chargeable_grams, priced.price) == (6667, Decimal("35.00"))
