"""The `logistics` bench scenario's preparation: ten shops get zone rates once (a second run
adds nothing), and the checkout it prices is served to its Beijing address."""

from __future__ import annotations

from decimal import Decimal

import pytest

from logistics.models import DeliveryRate, ShippingZone, ShippingZonePrefix
from logistics.selectors import delivery_quotes, parcel_items
from tests import factories
from tooling.bench import logistics as bench

pytestmark = pytest.mark.django_db


def test_preparation_is_idempotent_and_prices_the_checkout():
    for _ in range(bench.SHOPS):
        shop = factories.shop()
        for _ in range(bench.LINES_PER_SHOP):
            factories.product(shop_obj=shop)
    chosen = bench._ensure_rates()
    counts = (ShippingZone.objects.count(), ShippingZonePrefix.objects.count(),
              DeliveryRate.objects.count())  # fmt: skip
    assert counts == (30, 60, 30)
    assert bench._ensure_rates().keys() == chosen.keys()
    assert (ShippingZone.objects.count(), ShippingZonePrefix.objects.count(),
            DeliveryRate.objects.count()) == counts  # fmt: skip
    assert sum(len(v) for v in chosen.values()) == bench.SHOPS * bench.LINES_PER_SHOP
    quotes = delivery_quotes(
        shop_items=parcel_items((v, 1) for vs in chosen.values() for v in vs),
        shop_subtotals={shop_id: Decimal("50") for shop_id in chosen},
        address=bench.ADDRESS,
    )
    assert quotes.destination_code == "11"
    # 3 × 500 g per shop into 北京: 10.00 first kg, one started 500 g step at 3.00.
    assert {q.price for q in quotes.by_method.values()} == {Decimal("13.00")}
