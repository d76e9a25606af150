"""Household personal data: masked for everyone except those who work with the household."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from marketplace.accounts.models import Role
from marketplace.organisations.privacy import (
    household_personal_data,
    mask_id_number,
    mask_name,
    mask_phone,
)
from tests import factories


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张**"), ("李梅", "李*"), ("王", "王*"), ("欧阳娜娜", "欧***"), ("", "")],
)
def test_mask_name_keeps_only_the_family_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [
        ("53352519800101123X", "5335***********23X"),
        ("533525198001011234", "5335***********234"),
        ("", ""),
    ],
)
def test_mask_id_number_keeps_region_and_check_digits(id_number, masked):
    assert mask_id_number(id_number) == masked
    assert len(mask_id_number(id_number)) == len(id_number)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0883-1234567", "088*****4567"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_mask_phone_keeps_prefix_and_last_four(phone, masked):
    assert mask_phone(phone) == masked


@pytest.fixture
def household(db):
    shop = factories.shop()
    return factories.household(
        village_obj=shop.village,
        head_name="李小梅",
        id_number="53352519800101123X",
        phone="13812345678",
    )


def _viewer(kind: str, household):  # type: ignore[no-untyped-def]
    village_shop = household.village.shops.get()
    if kind == "platform admin":
        return factories.platform_admin()
    if kind == "the household itself":
        return factories.user(role=Role.HOUSEHOLD_SELLER, household_obj=household)
    if kind == "manager of its village's shop":
        return factories.user(role=Role.SHOP_MANAGER, shop_obj=village_shop)
    if kind == "anonymous":
        return None
    if kind == "anonymous session":
        return AnonymousUser()
    if kind == "buyer":
        return factories.user(role=Role.BUYER)
    if kind == "manager of another village's shop":
        return factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop())
    if kind == "township officer":
        return factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=household.village.township)
    if kind == "supermarket operator of the village":
        return factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=village_shop)
    if kind == "another household":
        other = factories.household(village_obj=household.village)
        return factories.user(role=Role.HOUSEHOLD_SELLER, household_obj=other)
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["platform admin", "the household itself", "manager of its village's shop"]
)
def test_who_sees_personal_data_unmasked(household, kind):
    data = household_personal_data(household=household, viewer=_viewer(kind, household))
    assert not data.is_masked
    assert (data.head_name, data.id_number, data.phone) == (
        "李小梅",
        "53352519800101123X",
        "13812345678",
    )


@pytest.mark.parametrize(
    "kind",
    [
        "anonymous",
        "anonymous session",
        "buyer",
        "manager of another village's shop",
        "township officer",
        "supermarket operator of the village",
        "another household",
    ],
)
def test_who_sees_personal_data_masked(household, kind):
    data = household_personal_data(household=household, viewer=_viewer(kind, household))
    assert data.is_masked
    assert (data.head_name, data.id_number, data.phone) == (
        "李**",
        "5335***********23X",
        "138****5678",
    )
