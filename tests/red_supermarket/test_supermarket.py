"""Opening a Red Supermarket and who may work at or read it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.models import Role
from marketplace.inventory.models import Warehouse
from marketplace.red_supermarket.error_codes import RedSupermarketErrorCode
from marketplace.red_supermarket.selectors import (
    can_operate_supermarket,
    can_view_supermarket,
    supermarkets_operated_by,
    supermarkets_visible_to,
)
from marketplace.red_supermarket.services import red_supermarket_create
from tests import factories

pytestmark = pytest.mark.django_db


def _codes(exc: ValidationError) -> set[str]:
    return {error.code for errors in exc.error_dict.values() for error in errors}


def test_a_warehouse_of_another_shop_is_refused() -> None:
    shop = factories.shop()
    other = factories.shop()
    with pytest.raises(ValidationError) as caught:
        red_supermarket_create(
            shop=shop,
            warehouse=Warehouse.objects.filter(shop=other).get(),
            name="红色超市",
            address="村口",
        )
    assert _codes(caught.value) == {RedSupermarketErrorCode.WRONG_SHOP.value}


def test_one_supermarket_per_shop() -> None:
    shop = factories.shop()
    factories.red_supermarket(shop_obj=shop)
    with pytest.raises(ValidationError) as caught:
        factories.red_supermarket(shop_obj=shop)
    assert _codes(caught.value) == {RedSupermarketErrorCode.ALREADY_EXISTS.value}


def test_operators_work_only_at_their_own_and_officers_read_their_township() -> None:
    county = factories.county()
    township = factories.township(county_obj=county)
    mine = factories.red_supermarket(
        shop_obj=factories.shop(village_obj=factories.village(township_obj=township))
    )
    theirs = factories.red_supermarket(shop_obj=factories.shop())
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=mine.shop)
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township)
    county_officer = factories.user(role=Role.COUNTY_OFFICER, county_obj=county)
    buyer = factories.user(role=Role.BUYER)

    assert list(supermarkets_operated_by(user=operator)) == [mine]
    assert can_operate_supermarket(user=operator, supermarket=mine)
    assert not can_operate_supermarket(user=operator, supermarket=theirs)
    # Reading is not operating: officers watch, they do not sell.
    assert not can_operate_supermarket(user=officer, supermarket=mine)
    assert list(supermarkets_visible_to(user=officer)) == [mine]
    assert list(supermarkets_visible_to(user=county_officer)) == [mine]
    assert can_view_supermarket(user=county_officer, supermarket=mine)
    assert not can_view_supermarket(user=county_officer, supermarket=theirs)
    assert not supermarkets_visible_to(user=buyer).exists()
    assert not can_view_supermarket(user=None, supermarket=mine)
