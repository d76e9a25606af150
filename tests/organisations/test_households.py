"""Registering households: only for the village's shop manager or a platform admin."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.models import Role
from marketplace.core.errors import PermissionRefused
from marketplace.organisations.models import Household, HouseholdCategory
from marketplace.organisations.services import household_register
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return factories.shop()


@pytest.fixture
def manager(shop):
    return factories.user(role=Role.SHOP_MANAGER, shop_obj=shop)


def register(actor, village, **overrides):  # type: ignore[no-untyped-def]
    fields = {
        "category": HouseholdCategory.FORMERLY_POOR,
        "member_count": 4,
        "head_name": " 李小梅 ",
        "id_number": "53352519800101123x",
        "phone": " 13812345678 ",
    }
    return household_register(actor=actor, village=village, **{**fields, **overrides})


@pytest.mark.smoke
def test_the_village_manager_registers_a_household(shop, manager):
    household = register(manager, shop.village)
    household.refresh_from_db()
    assert household.village == shop.village
    assert (household.head_name, household.id_number, household.phone) == (
        "李小梅",
        "53352519800101123X",
        "13812345678",
    )
    # The public reference carries the village code and nothing about the person.
    assert re.fullmatch(rf"H{shop.village.code[-6:]}[0-9A-F]{{6}}", household.reference)
    assert "李" not in household.reference and "1980" not in household.reference


def test_a_platform_admin_registers_anywhere(shop):
    household = register(factories.platform_admin(), shop.village, id_number="", phone="")
    assert household.pk is not None


@pytest.mark.parametrize("who", ["other manager", "officer", "operator", "buyer"])
def test_others_may_not_register(shop, who):
    actor = {
        "other manager": lambda: factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop()),
        "officer": lambda: factories.user(
            role=Role.TOWNSHIP_OFFICER, township_obj=shop.village.township
        ),
        "operator": lambda: factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop),
        "buyer": lambda: factories.user(role=Role.BUYER),
    }[who]()
    with pytest.raises(PermissionRefused):
        register(actor, shop.village)
    assert not Household.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"category": "RICH"}, "category", "invalid"),
        ({"member_count": 0}, "member_count", "invalid"),
        ({"head_name": "  "}, "head_name", "required"),
    ],
)
def test_bad_household_input_is_refused_with_a_code(shop, manager, overrides, field, code):
    with pytest.raises(ValidationError) as excinfo:
        register(manager, shop.village, **overrides)
    assert excinfo.value.error_dict[field][0].code == code
    assert not Household.objects.exists()
