"""Administrator activity counts updates: a shop's staff editing a product, setting a
price or fulfilling an order records one update each (a refused write records none), the
report shows them, and the red flag's activity reads them from formula version 2 on,
while a version-1 ranking re-runs unchanged."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from marketplace.activity.models import AdministratorActivityDay
from marketplace.activity.services import activity_record
from marketplace.catalog.services import product_update, variant_set_price
from marketplace.core.errors import PermissionRefused
from marketplace.orders.lifecycle import shop_order_fulfil
from marketplace.supervision import red_flag
from marketplace.supervision.indicators import INDICATORS_BY_CODE, Window
from marketplace.supervision.models import PeriodKind, ScoringFormula
from marketplace.supervision.periods import last_completed
from tests import factories
from tests.supervision.world import Town, sell

pytestmark = pytest.mark.django_db


def _updates(user) -> int:
    return sum(AdministratorActivityDay.objects.filter(user=user).values_list("updates", flat=True))


def test_product_price_and_fulfilment_each_record_an_update(town: Town):
    manager = town.managers[0]
    product = factories.product(shop_obj=town.shops[0])
    product_update(actor=manager, product=product, changes={"name": "高山绿茶"})
    assert _updates(manager) == 1
    variant = product.variants.get()
    channel = factories.channel()
    variant_set_price(actor=manager, variant=variant, channel=channel, price=Decimal("12.50"))
    assert _updates(manager) == 2
    shop_order = sell(town.shops[0], amount="12.50", when=timezone.now())
    shop_order_fulfil(shop_order=shop_order, actor=manager, allow_unpaid=True)
    assert _updates(manager) == 3
    # Fulfilling again changes nothing, so it is no new update.
    shop_order_fulfil(shop_order=shop_order, actor=manager, allow_unpaid=True)
    assert _updates(manager) == 3
    assert AdministratorActivityDay.objects.get(user=manager).day == timezone.localdate()


def test_refused_writes_record_no_update(town: Town):
    stranger = town.managers[1]
    product = factories.product(shop_obj=town.shops[0])
    with pytest.raises(PermissionRefused):
        product_update(actor=stranger, product=product, changes={"name": "x"})
    with pytest.raises(ValidationError):
        product_update(actor=town.managers[0], product=product, changes={"name": "  "})
    with pytest.raises(PermissionRefused):
        shop_order_fulfil(
            shop_order=sell(town.shops[0], amount="5.00", when=timezone.now()),
            actor=stranger,
            allow_unpaid=True,
        )
    assert not AdministratorActivityDay.objects.filter(updates__gt=0).exists()


def test_setting_a_price_in_the_back_office_records_an_update(client, town: Town):
    from marketplace.catalog.models import ProductVariantChannelListing

    manager = town.managers[0]
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    listing = ProductVariantChannelListing.objects.get(
        variant__product=factories.product(shop_obj=town.shops[0])
    )
    client.force_login(manager)
    url = reverse("admin:catalog_productvariantchannellisting_change", args=[listing.pk])
    response = client.post(
        url,
        {
            "variant": listing.variant_id,
            "channel": listing.channel_id,
            "price_amount": "19.90",
            "cost_price_amount": "",
            "currency": listing.currency,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    listing.refresh_from_db()
    assert listing.price_amount == Decimal("19.90")
    assert _updates(manager) == 1


def _quarter_day(quarter, days: int) -> datetime.date:
    return quarter.start + datetime.timedelta(days=days)


def test_report_shows_updates_and_red_flag_v2_counts_them(town: Town):
    quarter = last_completed(PeriodKind.QUARTER)
    busy, idle = town.managers[0], town.managers[1]
    # Same logins; only the first village's manager also kept their shop up to date.
    for manager in (busy, idle):
        activity_record(user_id=manager.pk, logins=3, day=_quarter_day(quarter, 2))
    activity_record(user_id=busy.pk, updates=7, day=_quarter_day(quarter, 3))
    village_ids = tuple(s.village_id for s in town.shops)
    w = Window(village_ids=village_ids, start=quarter.start_at(), end=quarter.end_at())
    assert INDICATORS_BY_CODE["administrator_updates"].selector(w) == Decimal("7.00")
    assert INDICATORS_BY_CODE["administrator_logins"].selector(w) == Decimal("6.00")

    v1 = ScoringFormula.objects.create(
        version=1, weights=red_flag.DEFAULT_WEIGHTS, description="v1", published_at=timezone.now()
    )
    by_v1 = red_flag.ranking_compute(township=town.township, quarter=quarter, formula=v1)
    activity_v1 = {s.village_id: s.components["activity"]["raw"] for s in by_v1}
    assert activity_v1[town.shops[0].village_id] == activity_v1[town.shops[1].village_id]

    current = red_flag.formula_current()
    assert current.version == red_flag.CURRENT_VERSION and current.weights == v1.weights
    assert ScoringFormula.objects.get(version=1).description == "v1"  # left as published
    by_v2 = red_flag.ranking_compute(township=town.township, quarter=quarter, formula=current)
    activity_v2 = {s.village_id: s.components["activity"]["raw"] for s in by_v2}
    assert activity_v2[town.shops[0].village_id] == "10.00"
    assert activity_v2[town.shops[1].village_id] == "3.00"


def test_a_version_1_ranking_reruns_unchanged_after_updates_arrive(town: Town):
    quarter = last_completed(PeriodKind.QUARTER)
    activity_record(user_id=town.managers[0].pk, logins=2, day=_quarter_day(quarter, 2))
    v1 = ScoringFormula.objects.create(
        version=1, weights=red_flag.DEFAULT_WEIGHTS, description="v1", published_at=timezone.now()
    )
    published = red_flag.ranking_run(township=town.township, quarter=quarter, formula=v1)
    activity_record(user_id=town.managers[1].pk, updates=50, day=_quarter_day(quarter, 5))
    again = red_flag.ranking_run(township=town.township, quarter=quarter)
    assert again.pk == published.pk and again.formula.version == 1
