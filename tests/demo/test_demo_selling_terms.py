"""The demo is buyable end to end: every approved shop can deliver, has a promo code, and
its tourism offers show a cancellation policy."""

from __future__ import annotations

import pytest

from logistics.models import DeliveryMethod
from marketplace.bookings.selectors import cancellation_policy_for
from marketplace.catalog.models import Product
from marketplace.checkout.models import Voucher
from marketplace.organisations.models import Shop, ShopStatus

pytestmark = pytest.mark.django_db


def test_every_approved_shop_ships_and_offers_pickup_and_a_voucher(demo):
    for shop in Shop.objects.filter(status=ShopStatus.APPROVED):
        kinds = set(DeliveryMethod.objects.filter(shop=shop).values_list("kind", flat=True))
        assert kinds == {"EXPRESS_FLAT", "VILLAGE_PICKUP"}, shop
        assert Voucher.objects.filter(shop=shop, code="XIANGCUN10").exists()


def test_tourism_offers_show_their_shops_cancellation_tiers(demo):
    tourism = Product.objects.filter(offering_kind__in=["HOMESTAY", "EXPERIENCE"])
    assert tourism.exists()
    for product in tourism:
        policy = cancellation_policy_for(product)
        assert policy.source == "shop"
        first = policy.tiers[0]
        assert (first.min_days_before, first.refund_percent) == (7, 100)
