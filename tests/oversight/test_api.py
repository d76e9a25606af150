"""`townshipDashboard` / `countyDashboard`: the same figures as the pages, refused with a
code to anyone without a bureau role there, and as many statements for 12 villages as 2."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marketplace.accounts.models import Role
from marketplace.oversight.refresh import figures_refresh
from tests import factories
from tests.api.conftest import gql  # noqa: F401
from tests.oversight.world import at, buy, oversight_township

pytestmark = pytest.mark.django_db

QUERY = """
query($township: ID!, $period: DashboardPeriodInput) {
  townshipDashboard(township: $township, period: $period) {
    scopeName periodLabel firstMonth lastMonth refreshedAt
    sections { key title headline { label value unit }
               panels { key chart columns rows note } }
  }
}"""
COUNTY = """
query($county: ID!) { countyDashboard(county: $county) { scopeName sections { key } } }"""
Q4 = {"kind": "RANGE", "start": "2026-09", "end": "2026-11"}


def _built(villages: int):
    built = oversight_township(villages=villages)
    for index, village in enumerate(built.villages):
        buy(village, buyer=None, placed=at(2026, 10, 5), price=f"{10 + index}.00")
    figures_refresh(full=True)
    return built


def _panel(data, key):
    for section in data["townshipDashboard"]["sections"]:
        for panel in section["panels"]:
            if panel["key"] == key:
                return panel
    raise AssertionError(key)


def test_an_officer_reads_the_figures(gql):  # noqa: F811
    built = _built(2)
    gql.login(factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=built.township))
    variables = {"township": to_global_id("Township", built.township.pk), "period": Q4}
    data = gql.data(QUERY, variables)
    board = data["townshipDashboard"]
    assert board["periodLabel"] == "2026年9月至2026年11月"
    assert board["refreshedAt"] is not None
    rows = _panel(data, "sales_by_village")["rows"]
    assert {row[0]: row[1] for row in rows} == {
        v.village.name: f"{10 + i}.00" for i, v in enumerate(built.villages)
    }


def _statements(gql, villages: int) -> int:  # noqa: F811
    built = _built(villages)
    gql.login(factories.platform_admin())
    variables = {"township": to_global_id("Township", built.township.pk), "period": Q4}
    with CaptureQueriesContext(connection) as ctx:
        data = gql.data(QUERY, variables)
    assert len(_panel(data, "sales_by_village")["rows"]) == villages
    return len(ctx.captured_queries)


def test_the_query_costs_the_same_for_2_and_12_villages(gql):  # noqa: F811
    assert _statements(gql, 2) == _statements(gql, 12)


@pytest.mark.parametrize(
    ("role", "period", "code"),
    [
        (None, None, "NOT_PERMITTED"),
        ("other-officer", None, "NOT_PERMITTED"),
        ("manager", None, "NOT_PERMITTED"),
        ("admin", {"kind": "MONTH", "month": "2026-13"}, "INVALID_PERIOD"),
        ("admin", {"kind": "MONTH", "month": "2099-01"}, "PERIOD_IN_FUTURE"),
        ("admin", {"kind": "RANGE", "start": "2026-10", "end": "2026-01"}, "RANGE_REVERSED"),
    ],
)
def test_refusals_and_bad_periods_are_coded(gql, role, period, code):  # noqa: F811
    built = _built(1)
    users = {
        "other-officer": lambda: factories.user(
            role=Role.TOWNSHIP_OFFICER, township_obj=factories.township()
        ),
        "manager": lambda: factories.user(role=Role.SHOP_MANAGER, shop_obj=built.villages[0].shop),
        "admin": factories.platform_admin,
    }
    if role is not None:
        gql.login(users[role]())
    body = gql(QUERY, {"township": to_global_id("Township", built.township.pk), "period": period})
    assert body["data"]["townshipDashboard"] is None
    assert body["errors"][0]["extensions"]["exception"]["code"] == code


def test_county_officers_read_their_county_only(gql):  # noqa: F811
    built = _built(1)
    county = built.township.county
    gql.login(factories.user(role=Role.COUNTY_OFFICER, county_obj=county))
    data = gql.data(COUNTY, {"county": to_global_id("County", county.pk)})
    assert data["countyDashboard"]["scopeName"] == county.name
    other = factories.county()
    body = gql(COUNTY, {"county": to_global_id("County", other.pk)})
    assert body["errors"][0]["extensions"]["exception"]["code"] == "NOT_PERMITTED"


# Every role of the project against both dashboards: only the township's officers, the
# county's officers and platform admins read; everyone else is refused with the same code.
MATRIX_ROLES = {
    "anonymous": (False, False),
    "buyer": (False, False),
    "household_seller": (False, False),
    "shop_manager": (False, False),
    "supermarket_operator": (False, False),
    "station_operator": (False, False),
    "township_officer": (True, False),
    "other_township_officer": (False, False),
    "county_officer": (True, True),
    "other_county_officer": (False, False),
    "platform_admin": (True, True),
}


def _matrix_user(role: str, built):  # type: ignore[no-untyped-def]
    shop = built.villages[0].shop
    township = built.township
    makers = {
        "anonymous": lambda: None,
        "buyer": lambda: factories.user(role=Role.BUYER),
        "household_seller": lambda: factories.user(
            role=Role.HOUSEHOLD_SELLER, household_obj=factories.household(village_obj=shop.village)
        ),
        "shop_manager": lambda: factories.user(role=Role.SHOP_MANAGER, shop_obj=shop),
        "supermarket_operator": lambda: factories.user(
            role=Role.SUPERMARKET_OPERATOR, shop_obj=shop
        ),
        "station_operator": lambda: factories.user(role=Role.STATION_OPERATOR),
        "township_officer": lambda: factories.user(
            role=Role.TOWNSHIP_OFFICER, township_obj=township
        ),
        "other_township_officer": lambda: factories.user(
            role=Role.TOWNSHIP_OFFICER, township_obj=factories.township()
        ),
        "county_officer": lambda: factories.user(
            role=Role.COUNTY_OFFICER, county_obj=township.county
        ),
        "other_county_officer": lambda: factories.user(
            role=Role.COUNTY_OFFICER, county_obj=factories.county()
        ),
        "platform_admin": factories.platform_admin,
    }
    return makers[role]()


@pytest.mark.parametrize("role", sorted(MATRIX_ROLES))
def test_permission_matrix_over_both_dashboards(gql, role):  # noqa: F811
    built = _built(1)
    user = _matrix_user(role, built)
    if user is not None:
        gql.login(user)
    may_read_township, may_read_county = MATRIX_ROLES[role]
    township = gql(QUERY, {"township": to_global_id("Township", built.township.pk), "period": Q4})
    county = gql(COUNTY, {"county": to_global_id("County", built.township.county.pk)})
    for body, allowed, field in (
        (township, may_read_township, "townshipDashboard"),
        (county, may_read_county, "countyDashboard"),
    ):
        if allowed:
            assert "errors" not in body and body["data"][field]["sections"]
        else:
            assert body["data"][field] is None
            assert body["errors"][0]["extensions"]["exception"]["code"] == "NOT_PERMITTED"
