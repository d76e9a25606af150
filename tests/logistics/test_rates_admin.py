"""Back office: a shop manager edits their own shop's zones, rates and free-delivery terms
and nobody else's; bad prefixes and cross-shop rates are refused on the form."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from logistics.models import DeliveryRate, ShippingZone, ShopShippingPolicy
from marketplace.accounts.models import Role
from tests import factories
from tests.admin.postdata import changeform_data
from tests.logistics.rates_helpers import express_of, rate, rated_shop, zone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def two_shops(client: Any) -> dict[str, Any]:
    mine, theirs = rated_shop(), rated_shop()
    manager = factories.user(is_staff=True, role=Role.SHOP_MANAGER, shop_obj=mine)
    client.force_login(manager)
    their_zone = zone(theirs, "云南", "53")
    return {
        "mine": mine,
        "theirs": theirs,
        "my_zone": zone(mine, "云南", "53"),
        "their_zone": their_zone,
        "their_rate": rate(express_of(theirs), their_zone),
    }


def _url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:logistics_{model._meta.model_name}_{view}", args=args)


def test_manager_lists_only_their_shops_zones_and_rates(client: Any, two_shops: dict) -> None:
    zones = client.get(_url(ShippingZone, "changelist"))
    assert [z.pk for z in zones.context["cl"].result_list] == [two_shops["my_zone"].pk]
    assert b"53" in zones.content
    rates = client.get(_url(DeliveryRate, "changelist"))
    assert list(rates.context["cl"].result_list) == []
    for url in (
        _url(ShippingZone, "change", two_shops["their_zone"].pk),
        _url(DeliveryRate, "change", two_shops["their_rate"].pk),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "改名"}).status_code == 404
    assert ShippingZone.objects.get(pk=two_shops["their_zone"].pk).name == "云南"


def test_manager_adds_a_zone_with_prefixes_for_their_shop_only(
    client: Any, two_shops: dict
) -> None:
    add = _url(ShippingZone, "add")
    page = client.get(add)
    assert set(page.context["adminform"].form.fields["shop"].queryset) == {two_shops["mine"]}
    data = changeform_data(page)
    data.update(shop=two_shops["theirs"].pk, name="江浙沪", prefixes_text="31 32,33")
    refused = client.post(add, data)
    assert refused.status_code == 200 and "shop" in refused.context["adminform"].form.errors
    data.update(shop=two_shops["mine"].pk, prefixes_text="31 3200x")
    refused = client.post(add, data)
    assert "prefixes_text" in refused.context["adminform"].form.errors
    data.update(prefixes_text="31 53")  # 53 is already the 云南 zone's
    refused = client.post(add, data)
    assert "prefixes_text" in refused.context["adminform"].form.errors
    assert not ShippingZone.objects.filter(name="江浙沪").exists()
    data.update(prefixes_text="31 32，33")
    assert client.post(add, data).status_code == 302
    created = ShippingZone.objects.get(name="江浙沪")
    assert created.shop == two_shops["mine"]
    assert sorted(created.prefixes.values_list("prefix", flat=True)) == ["31", "32", "33"]
    assert set(created.prefixes.values_list("shop_id", flat=True)) == {two_shops["mine"].pk}


def test_manager_cannot_rate_into_another_shops_zone(client: Any, two_shops: dict) -> None:
    add = _url(DeliveryRate, "add")
    page = client.get(add)
    form = page.context["adminform"].form
    assert set(form.fields["zone"].queryset) == {two_shops["my_zone"]}
    assert {m.shop_id for m in form.fields["method"].queryset} == {two_shops["mine"].pk}
    data = changeform_data(page)
    data.update(
        method=express_of(two_shops["mine"]).pk,
        zone=two_shops["their_zone"].pk,
        first_weight_grams="1000",
        first_price_amount="8.00",
        step_grams="500",
        step_price_amount="2.00",
        serves="on",
    )
    refused = client.post(add, data)
    assert "zone" in refused.context["adminform"].form.errors
    data.update(zone=two_shops["my_zone"].pk)
    assert client.post(add, data).status_code == 302
    assert DeliveryRate.objects.get(zone=two_shops["my_zone"]).step_grams == 500


def test_manager_sets_free_delivery_for_their_shop_only(client: Any, two_shops: dict) -> None:
    add = reverse("admin:logistics_shopshippingpolicy_add")
    data = changeform_data(client.get(add))
    data.update(shop=two_shops["theirs"].pk, free_above_amount="99.00")
    assert client.post(add, data).status_code == 200
    data.update(shop=two_shops["mine"].pk)
    assert client.post(add, data).status_code == 302
    assert list(ShopShippingPolicy.objects.values_list("shop_id", flat=True)) == [
        two_shops["mine"].pk
    ]
