"""A county with two townships and a neighbouring county, every role the permission
matrix names, and helpers to file, submit and approve data requests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from marketplace.accounts.models import Role, User
from marketplace.audit import services
from marketplace.audit.models import DataAccessRequest
from marketplace.organisations.models import Household, Shop
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class Place:
    shop_1: Shop
    shop_2: Shop
    hx: Household  # township 1, village of shop 1
    hy: Household  # township 1, village of shop 1
    hz: Household  # township 2
    hw: Household  # the other county
    users: dict[str, User | None]
    requester: User

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["users"][name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture(autouse=True)
def _letters_in_a_temporary_media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def place(db: Any) -> Place:
    county_a = factories.county()
    county_b = factories.county()
    township_1 = factories.township(county_obj=county_a)
    township_2 = factories.township(county_obj=county_a)
    township_3 = factories.township(county_obj=county_b)
    shop_1 = factories.shop(village_obj=factories.village(township_obj=township_1))
    shop_2 = factories.shop(village_obj=factories.village(township_obj=township_2))
    shop_3 = factories.shop(village_obj=factories.village(township_obj=township_3))
    hx = factories.household(village_obj=shop_1.village, head_name="李小梅", phone="13812345678")
    hy = factories.household(village_obj=shop_1.village, head_name="王大山", phone="13998765432")
    hz = factories.household(village_obj=shop_2.village, head_name="赵春花")
    hw = factories.household(village_obj=shop_3.village, head_name="陈石头")
    users: dict[str, User | None] = {
        "anonymous": None,
        "buyer": factories.user(role=Role.BUYER),
        "household_seller": factories.user(role=Role.HOUSEHOLD_SELLER, household_obj=hx),
        "manager_own": factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_1),
        "manager_other": factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_2),
        "supermarket_operator": factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop_1),
        "station_operator": factories.user(role=Role.STATION_OPERATOR),
        "officer_own": factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township_1),
        "officer_other": factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township_2),
        "county_own": factories.user(role=Role.COUNTY_OFFICER, county_obj=county_a),
        "county_other": factories.user(role=Role.COUNTY_OFFICER, county_obj=county_b),
        "platform_admin": factories.platform_admin(),
    }
    # Files requests in the matrix: an officer of the neighbouring county's township, who
    # sees township 1's households masked.
    requester = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township_3)
    return Place(shop_1, shop_2, hx, hy, hz, hw, users, requester)


ROLES = (
    "anonymous",
    "buyer",
    "household_seller",
    "manager_own",
    "manager_other",
    "supermarket_operator",
    "station_operator",
    "officer_own",
    "officer_other",
    "county_own",
    "county_other",
    "platform_admin",
)


def staff(user: Any) -> Any:
    """`user`, let into the back office (their role decides what they see there)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def file_request(
    *,
    requester: User,
    households: list[Household] | None = None,
    letter: bytes | None = PDF,
    **kw: Any,
) -> DataAccessRequest:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "requesting_unit": "县人社局",
        "purpose": "Verifying pension eligibility.",
        "period_from": today - datetime.timedelta(days=30),
        "period_to": today,
        "expires_at": timezone.now() + datetime.timedelta(days=7),
        "households": households or [],
        "letter": letter,
    }
    values.update(kw)
    return services.data_request_create(requester=requester, **values)


def submitted(**kw: Any) -> DataAccessRequest:
    filed = file_request(**kw)
    return services.data_request_submit(data_request=filed, actor=filed.requester)


def approved(*, officer: User, **kw: Any) -> DataAccessRequest:
    return services.data_request_decide(
        data_request=submitted(**kw), officer=officer, approve=True, reason="Letter checked."
    )
