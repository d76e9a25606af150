"""The database itself rejects invalid divisions, shops, status events and households.

Each violation goes through `QuerySet.update()` or `bulk_create`, which skip `save()` and
model validation, so only the CHECK/UNIQUE constraint can stop it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from marketplace.divisions.models import County, Township, Village
from marketplace.organisations.models import (
    Household,
    PartyOrganisation,
    Shop,
    ShopStatus,
    ShopStatusEvent,
)
from tests import factories

pytestmark = pytest.mark.django_db


def assert_rejected(write: Callable[[], Any], constraint: str) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        write()
    assert constraint in str(excinfo.value)


@pytest.mark.parametrize("code", ["53090", "53O901", ""])
def test_county_code_is_six_digits(code):
    county = factories.county()
    assert_rejected(
        lambda: County.objects.filter(pk=county.pk).update(code=code), "county_code_6_digits"
    )


def test_township_and_village_codes_have_their_lengths():
    village = factories.village()
    assert_rejected(
        lambda: Township.objects.filter(pk=village.township_id).update(code="53090100"),
        "township_code_9_digits",
    )
    assert_rejected(
        lambda: Village.objects.bulk_create(
            [Village(township=village.township, code="5309010010", name="短码村", slug="short")]
        ),
        "village_code_12_digits",
    )
    assert_rejected(
        lambda: Village.objects.filter(pk=village.pk).update(code="53090100100A"),
        "village_code_12_digits",
    )


def test_division_codes_are_unique():
    first, second = factories.village(), factories.village()
    assert_rejected(
        lambda: Village.objects.filter(pk=second.pk).update(code=first.code), "code_key"
    )


@pytest.mark.smoke
def test_a_village_has_at_most_one_shop():
    shop_a = factories.shop()
    shop_b = factories.shop()
    assert_rejected(
        lambda: Shop.objects.filter(pk=shop_b.pk).update(village=shop_a.village),
        "one_shop_per_village",
    )
    # The organisation is unique per village too, so a second branch cannot open a shop.
    assert_rejected(
        lambda: PartyOrganisation.objects.bulk_create(
            [PartyOrganisation(village=shop_a.village, name="第二支部")]
        ),
        "village_id_key",
    )


def test_an_approved_shop_has_its_approval_time():
    applied = factories.shop(status=ShopStatus.APPLIED)
    assert_rejected(
        lambda: Shop.objects.filter(pk=applied.pk).update(status=ShopStatus.APPROVED),
        "approved_shop_has_approval_time",
    )
    approved = factories.shop()
    assert_rejected(
        lambda: Shop.objects.filter(pk=approved.pk).update(approved_at=None),
        "approved_shop_has_approval_time",
    )


def test_a_status_event_has_a_reason():
    shop = factories.shop()
    assert_rejected(
        lambda: ShopStatusEvent.objects.bulk_create(
            [ShopStatusEvent(shop=shop, from_status="APPROVED", to_status="SUSPENDED", reason="")]
        ),
        "shop_status_event_has_reason",
    )


def test_a_household_has_at_least_one_member():
    household = factories.household(village_obj=factories.village())
    assert_rejected(
        lambda: Household.objects.filter(pk=household.pk).update(member_count=0),
        "household_has_members",
    )


@pytest.mark.parametrize(
    "id_number",
    ["5335251980010112", "53352519800101123x", "5335251980010112XX", "ABCDEFGHIJKLMNOPQR"],
)
def test_household_id_number_has_the_national_format(id_number):
    household = factories.household(village_obj=factories.village())
    assert_rejected(
        lambda: Household.objects.filter(pk=household.pk).update(id_number=id_number),
        "household_id_number_format",
    )


def test_household_id_number_may_be_blank_or_end_in_x():
    village = factories.village()
    factories.household(village_obj=village, id_number="")
    factories.household(village_obj=village, id_number="533525198001011234")
    assert Household.objects.filter(village=village).count() == 2
