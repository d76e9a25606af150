"""The bureau pages: who gets them (403 for everyone else), bad periods as coded 400s, and
downloads that carry exactly the table's rows."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from marketplace.accounts.models import Role
from marketplace.oversight.refresh import figures_refresh
from tests import factories
from tests.oversight.world import at, buy, oversight_township

pytestmark = pytest.mark.django_db


@pytest.fixture
def township():
    built = oversight_township(villages=2)
    buy(built.villages[0], buyer=None, placed=at(2026, 10, 5), price="30.00")
    buy(built.villages[1], buyer=None, placed=at(2026, 11, 5), price="12.50")
    figures_refresh()
    return built


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(built, query: str = "") -> str:
    return f"/admin/bureau/township/{built.township.pk}/{query}"


def test_the_township_s_officer_sees_the_dashboard(township):
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=township.township, is_staff=True
    )
    response = _client(officer).get(_url(township, "?kind=range&start=2026-09&end=2026-11"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "数据更新于" in page
    assert "各村销售额" in page and "42.50" in page
    # Counts and sums only: no household's name, ID number or phone.
    for household in (v.household for v in township.villages):
        assert household.head_name not in page
        assert household.id_number not in page
        assert household.phone not in page
    assert _client(officer).get("/admin/bureau/").status_code == 200


def test_county_officers_and_admins_see_it_too(township):
    county = township.township.county
    county_officer = factories.user(role=Role.COUNTY_OFFICER, county_obj=county, is_staff=True)
    assert _client(county_officer).get(_url(township)).status_code == 200
    assert _client(county_officer).get(f"/admin/bureau/county/{county.pk}/").status_code == 200
    assert _client(factories.platform_admin()).get(_url(township)).status_code == 200


def test_everyone_else_is_refused(township):
    other = factories.user(
        role=Role.TOWNSHIP_OFFICER, is_staff=True, township_obj=factories.township()
    )
    manager = factories.user(
        role=Role.SHOP_MANAGER, shop_obj=township.villages[0].shop, is_staff=True
    )
    for user in (other, manager):
        response = _client(user).get(_url(township))
        assert response.status_code == 403
        assert "not_permitted" in response.content.decode()
        assert _client(user).get(_url(township, "?panel=sales_by_village")).status_code == 403
    county = township.township.county
    assert _client(other).get(f"/admin/bureau/county/{county.pk}/").status_code == 403
    assert _client(manager).get("/admin/bureau/").status_code == 403
    anonymous = Client().get(_url(township))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?kind=week", "unknown_period"),
        ("?kind=month&month=2026-13", "invalid_period"),
        ("?kind=month&month=2099-01", "period_in_future"),
        ("?kind=range&start=2026-10&end=2026-01", "range_reversed"),
        ("?panel=nothing", "unknown_panel"),
        ("?panel=sales_by_village&format=pdf", "unknown_format"),
    ],
)
def test_bad_input_is_a_coded_400(township, query, code):
    response = _client(factories.platform_admin()).get(_url(township, query))
    assert response.status_code == 400
    assert code in response.content.decode()


def test_downloads_carry_the_table_s_rows(township):
    admin = _client(factories.platform_admin())
    query = "?kind=range&start=2026-09&end=2026-11&panel=sales_by_village"
    response = admin.get(_url(township, query + "&format=csv"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["村", "销售额（元）", "订单数"]
    assert {row[0]: row[1] for row in rows[1:]} == {
        township.villages[0].village.name: "30.00",
        township.villages[1].village.name: "12.50",
    }
    response = admin.get(_url(township, query + "&format=xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    assert {row[0]: Decimal(str(row[1])) for row in values} == {
        township.villages[0].village.name: Decimal("30.00"),
        township.villages[1].village.name: Decimal("12.50"),
    }
