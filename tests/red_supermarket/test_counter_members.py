"""The counter sale's member picker (`counterMembers`) and the member on the sale: the
village's households, searched only by what a masked household shows anyway, masked for
the operator and printed masked on the receipt; other villages' operators, buyers and
anonymous callers are refused; the page costs the same statements for 1 household or 6."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marketplace.accounts.models import Role
from marketplace.red_supermarket.models import Receipt
from marketplace.red_supermarket.receipt_render import receipt_lines
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.red_supermarket.counter_world import Counter, counter_world

pytestmark = pytest.mark.django_db

MEMBERS = """query($s: ID!, $q: String, $first: Int) {
  counterMembers(supermarket: $s, search: $q, first: $first) {
    totalCount
    edges { node { id reference headName phone idNumber isMasked village { name } } } } }"""
SALE = """mutation($input: CounterSaleCreateInput!) { counterSaleCreate(input: $input) {
  sale { id status member { reference headName phone isMasked } receipt { number } }
  errors { field code } } }"""
OPEN = """mutation($s: ID!) { tillShiftOpen(supermarket: $s, floatAmount: "0") {
  errors { code } } }"""


@pytest.fixture
def gql() -> GraphQLClient:
    return GraphQLClient(Client())


def sid(counter: Counter) -> str:
    return to_global_id("RedSupermarket", counter.supermarket.pk)


def references(body: dict) -> list[str]:
    return [edge["node"]["reference"] for edge in body["counterMembers"]["edges"]]


def test_the_operator_finds_the_villages_households_masked(gql, counter) -> None:
    village = counter.supermarket.shop.village
    wang = factories.household(village_obj=village, head_name="王大山", phone="13900001234")
    factories.household(village_obj=factories.shop().village, phone="13900001234")  # elsewhere
    gql.login(counter.operator)

    everyone = gql.data(MEMBERS, {"s": sid(counter), "first": 10})
    assert sorted(references(everyone)) == sorted([counter.member.reference, wang.reference])
    assert everyone["counterMembers"]["totalCount"] == 2
    node = next(
        e["node"]
        for e in everyone["counterMembers"]["edges"]
        if e["node"]["reference"] == wang.reference
    )
    assert (node["headName"], node["phone"], node["isMasked"]) == ("王**", "139****1234", True)
    assert node["idNumber"] == "5335***********23X"

    by_phone = gql.data(MEMBERS, {"s": sid(counter), "q": "1234", "first": 10})
    assert references(by_phone) == [wang.reference]
    by_family = gql.data(MEMBERS, {"s": sid(counter), "q": "李", "first": 10})
    assert references(by_family) == [counter.member.reference]
    # Four digits are also the tail of a reference; letters are matched in any case.
    by_reference = gql.data(MEMBERS, {"s": sid(counter), "q": wang.reference[-4:], "first": 10})
    assert references(by_reference) == [wang.reference]
    by_letters = gql.data(MEMBERS, {"s": sid(counter), "q": wang.reference.lower(), "first": 10})
    assert references(by_letters) == [wang.reference]


def test_a_search_cannot_probe_for_what_the_mask_hides(gql, counter) -> None:
    """The full name, the ID number or the whole phone find nothing: only what a masked
    household shows (family name, last four digits, reference) is searched."""
    gql.login(counter.operator)
    member = counter.member
    for probe in (member.head_name, member.id_number, member.phone, member.phone[:7]):
        assert references(gql.data(MEMBERS, {"s": sid(counter), "q": probe, "first": 10})) == []


def test_the_villages_shop_manager_is_entitled_to_see_them_unmasked(gql, counter) -> None:
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=counter.supermarket.shop)
    gql.login(manager)
    node = gql.data(MEMBERS, {"s": sid(counter), "first": 10})["counterMembers"]["edges"][0]["node"]
    assert (node["headName"], node["isMasked"]) == (counter.member.head_name, False)


def test_strangers_are_refused_and_township_staff_read_masked(gql, counter) -> None:
    other = counter_world(goods=0)
    buyer = factories.user(role=Role.BUYER)
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=counter.supermarket.shop.village.township
    )
    for user in (None, buyer, other.operator):
        gql.headers.clear()
        if user is not None:
            gql.login(user)
        body = gql(MEMBERS, {"s": sid(counter), "first": 10})
        assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
        assert body["data"]["counterMembers"] is None
    gql.headers.clear()
    gql.login(officer)
    node = gql.data(MEMBERS, {"s": sid(counter), "first": 10})["counterMembers"]["edges"][0]["node"]
    assert node["isMasked"] is True and node["headName"] == "李**"


def test_bad_page_arguments_are_coded_errors(gql, counter) -> None:
    gql.login(counter.operator)
    body = gql(MEMBERS, {"s": sid(counter), "first": 101})
    assert body["data"]["counterMembers"] is None and body["errors"]
    body = gql(MEMBERS, {"s": "bm90LWFuLWlk", "first": 1})
    assert body["errors"] and body["data"]["counterMembers"] is None


def _statements(gql: GraphQLClient, counter: Counter) -> int:
    with CaptureQueriesContext(connection) as ctx:
        body = gql(MEMBERS, {"s": sid(counter), "first": 20})
    assert "errors" not in body, body["errors"]
    return len(ctx.captured_queries)


def test_a_page_of_members_costs_the_same_for_one_or_many(gql, counter) -> None:
    gql.login(counter.operator)
    one = _statements(gql, counter)
    for _ in range(5):
        factories.household(village_obj=counter.supermarket.shop.village)
    assert _statements(gql, counter) == one


def test_a_sale_names_its_member_and_the_receipt_prints_it_masked(gql, counter) -> None:
    gql.login(counter.operator)
    assert gql.data(OPEN, {"s": sid(counter)})["tillShiftOpen"]["errors"] == []
    sale_input = {
        "supermarket": sid(counter),
        "requestId": "member-sale-0001",
        "lines": [
            {"variantId": to_global_id("ProductVariant", counter.goods[0].pk), "quantity": 1}
        ],
        "payment": {"method": "CASH", "cashReceived": "10.00"},
        "member": to_global_id("Household", counter.member.pk),
    }
    sale = gql.data(SALE, {"input": sale_input})["counterSaleCreate"]
    assert sale["errors"] == [] and sale["sale"]["status"] == "PAID"
    assert sale["sale"]["member"] == {
        "reference": counter.member.reference,
        "headName": "李**",
        "phone": "138****5678",
        "isMasked": True,
    }
    receipt = Receipt.objects.get(number=sale["sale"]["receipt"]["number"])
    assert receipt.payment_details["member"] == f"李** {counter.member.reference}"
    printed = receipt_lines(receipt)
    assert any(line.startswith("会员") and "李**" in line for line in printed)
    assert not any(counter.member.head_name in line for line in printed)

    # A household of another village is refused, and nothing is sold.
    stranger = factories.household(village_obj=factories.shop().village)
    refused = gql.data(
        SALE,
        {
            "input": {
                **sale_input,
                "requestId": "member-sale-0002",
                "member": to_global_id("Household", stranger.pk),
            }
        },
    )["counterSaleCreate"]
    assert refused["sale"] is None
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("member", "MEMBER_NOT_OF_VILLAGE")
    ]
