"""Counter history over GraphQL: `counterSales`/`counterSale` and `tillShifts`/`tillShift`
for the supermarket's operator and its township's officers, refused to operators of other
supermarkets, officers of other townships, buyers and anonymous callers; filters narrow
the page; the statement count does not grow with the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marketplace.accounts.models import Role
from marketplace.red_supermarket.models import CounterSale, TillShift
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.red_supermarket.counter_world import Counter, counter_world
from tests.red_supermarket.test_counter_api import OPEN, SALE, sale_input, sid

pytestmark = pytest.mark.django_db

SALES = """query($first: Int, $s: ID, $status: CounterSaleStatusEnum, $method: CounterPaymentMethodEnum) {
  counterSales(first: $first, supermarket: $s, status: $status, paymentMethod: $method) {
    totalCount
    edges { node { id requestId status paymentMethod total { amount } change { amount }
      lines { productName quantity } receipt { number } member { id }
      supermarket { name village { name } } } } } }"""
SALE_BY_ID = "query($id: ID!) { counterSale(id: $id) { requestId status supermarket { name } } }"
SHIFTS = """query($first: Int, $s: ID, $status: TillShiftStatusEnum) {
  tillShifts(first: $first, supermarket: $s, status: $status) {
    totalCount edges { node { id status floatAmount { amount } variance { amount }
      supermarket { name } } } } }"""
SHIFT_BY_ID = "query($id: ID!) { tillShift(id: $id) { status floatAmount { amount } } }"
CLOSE = """mutation($id: ID!, $c: String!) { tillShiftClose(id: $id, countedAmount: $c) {
  errors { code } } }"""


@pytest.fixture
def gql() -> GraphQLClient:
    return GraphQLClient(Client())


def _day_at_the_counter(gql: GraphQLClient, counter: Counter, sales: int) -> None:
    """A closed shift, then an open one with `sales` cash sales."""
    gql.login(counter.operator)
    first = gql.data(OPEN, {"s": sid(counter), "a": "0"})["tillShiftOpen"]["shift"]["id"]
    assert gql.data(CLOSE, {"id": first, "c": "0"})["tillShiftClose"]["errors"] == []
    gql.data(OPEN, {"s": sid(counter), "a": "50"})
    for i in range(sales):
        created = gql.data(SALE, {"input": sale_input(counter, f"history-sale-{i:04d}")})
        assert created["counterSaleCreate"]["errors"] == []


def _denied(body: dict) -> bool:
    return body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_the_operator_reads_sales_and_shifts_with_filters(gql, counter) -> None:
    _day_at_the_counter(gql, counter, sales=3)
    page = gql.data(SALES, {"first": 2})["counterSales"]
    assert page["totalCount"] == 3
    newest = page["edges"][0]["node"]
    assert newest["requestId"] == "history-sale-0002"
    assert (newest["status"], newest["paymentMethod"], newest["total"]["amount"]) == (
        "PAID",
        "CASH",
        8.5,
    )
    assert newest["change"]["amount"] == 91.5
    assert newest["receipt"]["number"].startswith("RS")
    assert newest["supermarket"]["name"] == counter.supermarket.name
    assert gql.data(SALES, {"first": 10, "status": "PENDING"})["counterSales"]["totalCount"] == 0
    alipay = gql.data(SALES, {"first": 10, "method": "ALIPAY_CODE"})
    assert alipay["counterSales"]["totalCount"] == 0
    shifts = gql.data(SHIFTS, {"first": 10, "s": sid(counter)})["tillShifts"]
    assert [e["node"]["status"] for e in shifts["edges"]] == ["OPEN", "CLOSED"]
    closed = gql.data(SHIFTS, {"first": 10, "status": "CLOSED"})["tillShifts"]["edges"]
    assert [e["node"]["floatAmount"]["amount"] for e in closed] == [0.0]
    sale = CounterSale.objects.get(request_id="history-sale-0000")
    one = gql.data(SALE_BY_ID, {"id": to_global_id("CounterSale", sale.pk)})["counterSale"]
    assert one == {"requestId": "history-sale-0000", "status": "PAID",
                   "supermarket": {"name": counter.supermarket.name}}  # fmt: skip
    shift = TillShift.objects.get(status="OPEN")
    assert gql.data(SHIFT_BY_ID, {"id": to_global_id("TillShift", shift.pk)})["tillShift"] == {
        "status": "OPEN",
        "floatAmount": {"amount": 50.0},
    }
    gone = to_global_id("CounterSale", sale.pk + 1000)
    assert gql.data(SALE_BY_ID, {"id": gone})["counterSale"] is None


def test_township_officers_read_and_everyone_else_is_refused(gql, counter) -> None:
    _day_at_the_counter(gql, counter, sales=1)
    sale_id = to_global_id("CounterSale", CounterSale.objects.get().pk)
    shift_id = to_global_id("TillShift", TillShift.objects.get(status="OPEN").pk)
    township = counter.supermarket.shop.village.township
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township)
    gql.headers.clear()
    gql.login(officer)
    assert gql.data(SALES, {"first": 10})["counterSales"]["totalCount"] == 1
    assert gql.data(SHIFTS, {"first": 10})["tillShifts"]["totalCount"] == 2
    assert gql.data(SALE_BY_ID, {"id": sale_id})["counterSale"]["status"] == "PAID"

    other_operator = counter_world(goods=0).operator
    other_officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=factories.township())
    for staff in (other_operator, other_officer):
        gql.headers.clear()
        gql.login(staff)
        # Their own scope holds none of these rows...
        assert gql.data(SALES, {"first": 10})["counterSales"]["totalCount"] == 0
        assert gql.data(SHIFTS, {"first": 10})["tillShifts"]["totalCount"] == 0
        # ...and naming the supermarket or a row of it is refused, not answered empty.
        assert _denied(gql(SALES, {"first": 10, "s": sid(counter)}))
        assert _denied(gql(SHIFTS, {"first": 10, "s": sid(counter)}))
        assert _denied(gql(SALE_BY_ID, {"id": sale_id}))
        assert _denied(gql(SHIFT_BY_ID, {"id": shift_id}))
    for stranger in (None, factories.user(role=Role.BUYER)):
        gql.headers.clear()
        if stranger is not None:
            gql.login(stranger)
        for query, variables in (
            (SALES, {"first": 10}),
            (SHIFTS, {"first": 10}),
            (SALE_BY_ID, {"id": sale_id}),
            (SHIFT_BY_ID, {"id": shift_id}),
        ):
            assert _denied(gql(query, variables)), (stranger, query)


def _statements(gql: GraphQLClient, query: str, variables: dict) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        body = gql(query, variables)
    assert "errors" not in body, body["errors"]
    return len(ctx.captured_queries), body


def test_history_connections_cost_the_same_for_1_and_many(gql, counter) -> None:
    def member_sale(i: int) -> None:
        payload = sale_input(counter, f"history-more-{i:04d}", lines=2)
        payload["member"] = to_global_id("Household", counter.member.pk)
        assert gql.data(SALE, {"input": payload})["counterSaleCreate"]["errors"] == []

    _day_at_the_counter(gql, counter, sales=0)
    member_sale(0)
    one, _ = _statements(gql, SALES, {"first": 50})
    shifts_few, _ = _statements(gql, SHIFTS, {"first": 50})
    for i in range(1, 6):
        member_sale(i)
    many, body = _statements(gql, SALES, {"first": 50})
    assert body["data"]["counterSales"]["totalCount"] == 6
    assert one == many, (one, many)
    shift = TillShift.objects.get(status="OPEN")
    gql.data(CLOSE, {"id": to_global_id("TillShift", shift.pk), "c": "50"})
    for _ in range(3):
        gql.data(OPEN, {"s": sid(counter), "a": "0"})
        open_now = TillShift.objects.get(status="OPEN")
        gql.data(CLOSE, {"id": to_global_id("TillShift", open_now.pk), "c": "0"})
    shifts_many, body = _statements(gql, SHIFTS, {"first": 50})
    assert body["data"]["tillShifts"]["totalCount"] == 5
    assert shifts_few == shifts_many
