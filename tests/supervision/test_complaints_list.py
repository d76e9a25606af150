"""The `complaints` connection: who reads which complaints, the filters, newest-first
order, masked complainants, and a query count that does not grow with the page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.organisations.models import Shop
from marketplace.supervision.complaints import complaint_resolve, mask_email
from marketplace.supervision.models import ComplainantKind, Complaint
from storefront_api.core.ids import to_global_id
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.supervision.world import Town

pytestmark = pytest.mark.django_db

COMPLAINTS = """
query($f: ComplaintFilterInput, $n: Int = 50, $after: String) {
  complaints(filter: $f, first: $n, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id subject status filedAt
      shop { name }
      village { name township { name } }
      complainant { name email isMasked }
    } }
  }
}
"""


def _complain(shop: Shop, subject: str, *, days_ago: int = 0, filed_by: Any = None) -> Complaint:
    complaint = Complaint.objects.create(
        shop=shop,
        complainant_kind=ComplainantKind.BUYER,
        filed_by=filed_by or factories.user(first_name="三", last_name="张"),
        subject=subject,
    )
    if days_ago:
        filed_at = timezone.now() - datetime.timedelta(days=days_ago)
        Complaint.objects.filter(pk=complaint.pk).update(filed_at=filed_at)
    return complaint


def _subjects(gql: GraphQLClient, variables: dict[str, Any] | None = None) -> list[str]:
    data = gql.data(COMPLAINTS, variables or {})["complaints"]
    return [edge["node"]["subject"] for edge in data["edges"]]


def _error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["exception"]["code"] for e in body.get("errors", [])]


@pytest.fixture
def complaints(town: Town) -> dict[str, Complaint]:
    return {
        "a": _complain(town.shops[0], "a", days_ago=3),
        "b": _complain(town.shops[1], "b", days_ago=2),
        "c": _complain(town.shops[2], "c", days_ago=1),
        "other": _complain(town.other_shop, "other"),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("officer", ["c", "b", "a"]),
        ("county_officer", ["c", "b", "a"]),
        ("other_officer", ["other"]),
        ("manager", ["a"]),
        ("admin", ["other", "c", "b", "a"]),
    ],
)
def test_each_reader_sees_their_scope_newest_first(gql, town, complaints, role, expected):
    gql.login(town.managers[0] if role == "manager" else getattr(town, role))
    assert _subjects(gql) == expected


@pytest.mark.parametrize("role", ["buyer", "operator", "station_operator", "anonymous"])
def test_others_are_refused(gql, town, complaints, role):
    if role != "anonymous":
        gql.login(getattr(town, role))
    body = gql(COMPLAINTS, {})
    assert _error_codes(body) == ["PermissionDenied"]
    assert body["data"]["complaints"] is None


def test_a_filter_outside_the_scope_is_refused_not_emptied(gql, town, complaints):
    gql.login(town.officer)
    other_township = {"township": to_global_id("Township", town.other_township.pk)}
    assert _error_codes(gql(COMPLAINTS, {"f": other_township})) == ["PermissionDenied"]
    other_village = {"village": to_global_id("Village", town.other_shop.village_id)}
    assert _error_codes(gql(COMPLAINTS, {"f": other_village})) == ["PermissionDenied"]
    gql.login(town.managers[0])
    neighbour = {"village": to_global_id("Village", town.shops[1].village_id)}
    assert _error_codes(gql(COMPLAINTS, {"f": neighbour})) == ["PermissionDenied"]


def test_filters_by_village_township_status_and_dates(gql, town, complaints):
    complaint_resolve(actor=town.officer, complaint=complaints["b"], resolution="已退款")
    gql.login(town.admin)
    village = to_global_id("Village", town.shops[1].village_id)
    assert _subjects(gql, {"f": {"village": village}}) == ["b"]
    township = to_global_id("Township", town.township.pk)
    assert _subjects(gql, {"f": {"township": township}}) == ["c", "b", "a"]
    assert _subjects(gql, {"f": {"status": "RESOLVED"}}) == ["b"]
    assert _subjects(gql, {"f": {"township": township, "status": "OPEN"}}) == ["c", "a"]
    today = timezone.localdate()
    two_days_ago = (today - datetime.timedelta(days=2)).isoformat()
    one_day_ago = (today - datetime.timedelta(days=1)).isoformat()
    assert _subjects(gql, {"f": {"filedFrom": two_days_ago, "filedTo": one_day_ago}}) == [
        "c",
        "b",
    ]
    assert _subjects(gql, {"f": {"filedFrom": today.isoformat()}}) == ["other"]
    assert _subjects(gql, {"f": {"filedTo": two_days_ago}}) == ["b", "a"]
    # The last day of the calendar has no day after it: everything up to it.
    assert _subjects(gql, {"f": {"filedTo": "9999-12-31"}}) == ["other", "c", "b", "a"]


def test_reversed_range_and_bad_ids_are_coded_errors(gql, town, complaints):
    gql.login(town.officer)
    body = gql(COMPLAINTS, {"f": {"filedFrom": "2026-05-02", "filedTo": "2026-05-01"}})
    assert _error_codes(body) == ["PERIOD_REVERSED"]
    body = gql(COMPLAINTS, {"f": {"village": "not-an-id"}})
    assert body["data"]["complaints"] is None and len(body["errors"]) == 1


def test_complainants_are_masked(gql, town):
    buyer = factories.user(first_name="三丰", last_name="张", email="zhangsanfeng@example.cn")
    _complain(town.shops[0], "受潮", filed_by=buyer)
    gql.login(town.officer)
    node = gql.data(COMPLAINTS)["complaints"]["edges"][0]["node"]
    assert node["complainant"] == {
        "name": "张**",
        "email": "z***********@example.cn",
        "isMasked": True,
    }
    assert "三丰" not in str(node) and "zhangsanfeng" not in str(node)
    assert mask_email("no-at-sign") == "n*********"


def test_pages_follow_on(gql, town, complaints):
    gql.login(town.admin)
    first = gql.data(COMPLAINTS, {"n": 3})["complaints"]
    assert first["totalCount"] == 4 and first["pageInfo"]["hasNextPage"] is True
    rest = gql.data(COMPLAINTS, {"n": 3, "after": first["pageInfo"]["endCursor"]})["complaints"]
    assert [e["node"]["subject"] for e in rest["edges"]] == ["a"]
    assert rest["pageInfo"]["hasNextPage"] is False


def _count(gql: GraphQLClient) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        data = gql.data(COMPLAINTS)["complaints"]
    return len(ctx.captured_queries), len(data["edges"])


def test_query_count_is_the_same_for_3_and_30_complaints(gql, town):
    # More shops and villages too, so that every nested loader has more keys to batch.
    shops = [
        *town.shops,
        *(
            factories.shop(village_obj=factories.village(township_obj=town.township))
            for _ in range(3)
        ),
    ]
    for i in range(3):
        _complain(shops[i], f"few-{i}")
    gql.login(town.county_officer)
    few, rows = _count(gql)
    assert rows == 3
    for i in range(27):
        _complain(shops[i % len(shops)], f"many-{i}")
    many, rows = _count(gql)
    assert rows == 30
    assert many == few
