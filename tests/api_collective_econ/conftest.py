"""Two villages in two townships of one county and a third county, each village with a
shop and households, settled sales, and one user per role that reads (or may not read)
the books."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from collective_econ.tasks import settle_due_lines
from marketplace.accounts.models import Role
from storefront_api.core.ids import to_global_id
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.collective_econ.conftest import sell


@dataclass
class Books:
    county: Any
    township: Any
    village: Any
    shop: Any
    household: Any
    other_village: Any
    other_shop: Any
    other_household: Any
    users: dict[str, Any]

    def gid(self, obj: Any) -> str:
        return to_global_id(type(obj).__name__, obj.pk)


@pytest.fixture
def gql(db: Any) -> GraphQLClient:
    return GraphQLClient(Client())


def add_sales(books: Books, n: int) -> None:
    for _ in range(n):
        sell(shop=books.shop, lines=[("20.00", 2, books.household), ("5.00", 1, None)])
        sell(shop=books.other_shop, lines=[("9.00", 1, books.other_household)])
    settle_due_lines()


@pytest.fixture
def books(db: Any) -> Books:
    county = factories.county()
    township = factories.township(county_obj=county)
    village = factories.village(township_obj=township)
    shop = factories.shop(village_obj=village)
    household = factories.household(village_obj=village)
    other_village = factories.village()  # another county's township
    other_shop = factories.shop(village_obj=other_village)
    other_household = factories.household(village_obj=other_village)
    users = {
        "admin": factories.platform_admin(),
        "manager": factories.user(role=Role.SHOP_MANAGER, shop_obj=shop),
        "other_manager": factories.user(role=Role.SHOP_MANAGER, shop_obj=other_shop),
        "officer": factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township),
        "county_officer": factories.user(role=Role.COUNTY_OFFICER, county_obj=county),
        "other_officer": factories.user(
            role=Role.TOWNSHIP_OFFICER, township_obj=other_village.township
        ),
        "household": factories.user(role=Role.HOUSEHOLD_SELLER, household_obj=household),
        "other_household": factories.user(
            role=Role.HOUSEHOLD_SELLER, household_obj=other_household
        ),
        "buyer": factories.user(role=Role.BUYER),
    }
    result = Books(
        county, township, village, shop, household, other_village, other_shop, other_household,
        users,
    )  # fmt: skip
    add_sales(result, 1)
    return result
