"""The counter's GraphQL API: operators sell, poll, cancel, run the till and confirm cash
for online counter orders at their own supermarket only; township staff read receipts;
everyone else is refused. Lookups answer bad barcodes with coded errors. Connections and
the sale mutation keep their statement counts as the data grows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marketplace.accounts.models import Role
from marketplace.red_supermarket.counter.services import (
    PaymentInput,
    SaleLineInput,
    counter_sale_create,
)
from marketplace.red_supermarket.models import CounterSale, Receipt
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.red_supermarket.counter_world import Counter, counter_world

pytestmark = pytest.mark.django_db

SALE = """mutation($input: CounterSaleCreateInput!) { counterSaleCreate(input: $input) {
  sale { id status total { amount } change { amount } receipt { number printUrl pdfUrl }
         lines { productName quantity unitPrice { amount } } }
  errors { field code message } } }"""
OPEN = """mutation($s: ID!, $a: String!) { tillShiftOpen(supermarket: $s, floatAmount: $a) {
  shift { id status floatAmount { amount } } errors { field code } } }"""
CLOSE = """mutation($id: ID!, $c: String!) { tillShiftClose(id: $id, countedAmount: $c) {
  shift { status expected { amount } variance { amount } } errors { field code } } }"""
LOOKUP = """query($s: ID!, $b: String, $q: String) { counterProductLookup(supermarket: $s, barcode: $b, search: $q) {
  items { variantId name barcode available price { amount } } errors { field code } } }"""
RECEIPTS = """query($s: ID!) { receipts(supermarket: $s, first: 50) { totalCount
  edges { node { number kind total { amount } reprintCount printUrl } } } }"""


@pytest.fixture
def gql() -> GraphQLClient:
    return GraphQLClient(Client())


def sid(counter: Counter) -> str:
    return to_global_id("RedSupermarket", counter.supermarket.pk)


def sale_input(counter: Counter, request_id: str, lines: int = 1, **payment: str) -> dict:
    return {
        "supermarket": sid(counter),
        "requestId": request_id,
        "lines": [
            {"variantId": to_global_id("ProductVariant", v.pk), "quantity": 1}
            for v in counter.goods[:lines]
        ],
        "payment": payment or {"method": "CASH", "cashReceived": "100.00"},
    }


def test_an_operator_runs_a_day_at_the_counter(gql, counter) -> None:
    gql.login(counter.operator)
    shift = gql.data(OPEN, {"s": sid(counter), "a": "50.00"})["tillShiftOpen"]["shift"]
    assert shift["status"] == "OPEN"
    item = gql.data(LOOKUP, {"s": sid(counter), "b": counter.goods[0].barcode})[
        "counterProductLookup"
    ]
    assert item["errors"] == [] and item["items"][0]["available"] == 20
    keys = gql.data(
        "query($s: ID!) { counterQuickKeys(supermarket: $s) { position label item { barcode } } }",
        {"s": sid(counter)},
    )["counterQuickKeys"]
    assert keys == [{"position": 1, "label": "快1", "item": {"barcode": counter.goods[0].barcode}}]
    found = gql.data(LOOKUP, {"s": sid(counter), "q": "日用品"})["counterProductLookup"]
    assert len(found["items"]) == 5 and found["errors"] == []
    sale = gql.data(
        SALE,
        {
            "input": sale_input(
                counter, "api-sale-0001", lines=2, method="CASH", cashReceived="20.00"
            )
        },
    )
    body = sale["counterSaleCreate"]
    assert body["errors"] == []
    assert body["sale"]["status"] == "PAID"
    assert body["sale"]["total"]["amount"] == 18.0 and body["sale"]["change"]["amount"] == 2.0
    number = body["sale"]["receipt"]["number"]
    closed = gql.data(CLOSE, {"id": shift["id"], "c": "67.00"})["tillShiftClose"]
    assert closed["shift"]["expected"]["amount"] == 68.0
    assert closed["shift"]["variance"]["amount"] == -1.0
    again = gql.data(CLOSE, {"id": shift["id"], "c": "67.00"})["tillShiftClose"]
    assert again["errors"] == [{"field": "id", "code": "TILL_ALREADY_CLOSED"}]
    receipts = gql.data(RECEIPTS, {"s": sid(counter)})["receipts"]
    assert {e["node"]["kind"] for e in receipts["edges"]} == {"COUNTER_SALE", "TILL_CLOSE"}
    page = gql.client.get(f"/counter/receipts/{number}/?reprint=1", headers=gql.headers)
    assert page.status_code == 200 and "@page { size: 58mm auto" in page.content.decode()
    assert Receipt.objects.get(number=number).reprint_count == 1
    pdf = gql.client.get(f"/counter/receipts/{number}.pdf", headers=gql.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_lookup_answers_bad_barcodes_with_codes(gql, counter) -> None:
    gql.login(counter.operator)
    good = counter.goods[0].barcode
    wrong_digit = good[:12] + str((int(good[12]) + 1) % 10)
    for barcode, code in [
        ("12345", "BAD_BARCODE"),
        (wrong_digit, "BAD_CHECK_DIGIT"),
        ("4006381333931", "UNKNOWN_ITEM"),
    ]:
        found = gql.data(LOOKUP, {"s": sid(counter), "b": barcode})["counterProductLookup"]
        assert found == {"items": [], "errors": [{"field": "barcode", "code": code}]}


def test_bad_sale_input_is_an_error_entry_not_a_500(gql, counter) -> None:
    gql.login(counter.operator)
    body = gql.data(
        SALE, {"input": sale_input(counter, "api-sale-0002", method="CASH", cashReceived="1.00")}
    )
    assert [e["code"] for e in body["counterSaleCreate"]["errors"]] == ["NO_OPEN_SHIFT"]
    body = gql.data(
        SALE,
        {
            "input": {
                **sale_input(counter, "api-sale-0003"),
                "lines": [{"variantId": "bad", "quantity": 1}],
            }
        },
    )
    assert [e["code"] for e in body["counterSaleCreate"]["errors"]] == ["INVALID"]
    assert not CounterSale.objects.exists()


def test_strangers_are_refused_every_mutation_and_query(gql, counter) -> None:
    other = counter_world(goods=1)
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=counter.supermarket.shop.village.township
    )
    buyer = factories.user(role=Role.BUYER)
    sale = counter_sale_create(
        supermarket=counter.supermarket,
        operator=counter.operator,
        request_id="stranger-sale-1",
        lines=[SaleLineInput(variant_id=counter.goods[0].pk, quantity=1)],
        payment=PaymentInput(method="ALIPAY_QR"),
        gateway=_NoGateway(),
    )
    sale_id = to_global_id("CounterSale", sale.pk)
    calls = [
        (SALE, {"input": sale_input(counter, "stranger-0001")}),
        (OPEN, {"s": sid(counter), "a": "10"}),
        ("mutation($id: ID!) { counterSalePoll(id: $id) { errors { code } } }", {"id": sale_id}),
        ("mutation($id: ID!) { counterSaleCancel(id: $id) { errors { code } } }", {"id": sale_id}),
        (
            "mutation($id: ID!) { counterOrderCashConfirm(id: $id) { errors { code } } }",
            {"id": "VHJhbnNhY3Rpb25JdGVtOjE="},
        ),
        (LOOKUP, {"s": sid(counter), "b": counter.goods[0].barcode}),
        ("query($s: ID!) { counterQuickKeys(supermarket: $s) { position } }", {"s": sid(counter)}),
    ]
    for user in (None, buyer, officer, other.operator):
        gql.headers.clear()
        if user is not None:
            gql.login(user)
        for query, variables in calls:
            if user is other.operator and "counterOrderCashConfirm" in query:
                continue  # an operator may learn that a payment does not exist
            body = gql(query, variables)
            assert body.get("errors"), (user, query)
            assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    # Township officers read; buyers and other supermarkets' operators do not.
    gql.headers.clear()
    gql.login(officer)
    assert "errors" not in gql(RECEIPTS, {"s": sid(counter)})
    for user in (buyer, other.operator):
        gql.headers.clear()
        gql.login(user)
        assert (
            gql(RECEIPTS, {"s": sid(counter)})["errors"][0]["extensions"]["exception"]["code"]
            == "PermissionDenied"
        )


class _NoGateway:
    """Alipay unreachable: the QR sale stays pending (enough for the refusals above)."""

    def precreate(self, **_: object) -> str:
        from marketplace.payments.alipay.gateway import AlipayError

        raise AlipayError(AlipayError.NETWORK)


def _statements(gql, query, variables) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        body = gql(query, variables)
    assert "errors" not in body, body["errors"]
    return len(ctx.captured_queries), body


def test_the_sale_mutation_costs_the_same_for_1_and_5_lines(gql, counter) -> None:
    gql.login(counter.operator)
    gql.data(OPEN, {"s": sid(counter), "a": "0"})
    # The day's first receipt creates the day's counter row and the first sale the ledger
    # accounts: once per day and village, not per sale.
    gql.data(
        SALE,
        {
            "input": sale_input(
                counter, "count-sale-warm", lines=1, method="CASH", cashReceived="500"
            )
        },
    )
    one, body1 = _statements(
        gql,
        SALE,
        {
            "input": sale_input(
                counter, "count-sale-0001", lines=1, method="CASH", cashReceived="500"
            )
        },
    )
    five, body5 = _statements(
        gql,
        SALE,
        {
            "input": sale_input(
                counter, "count-sale-0005", lines=5, method="CASH", cashReceived="500"
            )
        },
    )
    assert (
        body1["data"]["counterSaleCreate"]["errors"]
        == body5["data"]["counterSaleCreate"]["errors"]
        == []
    )
    assert one == five, (one, five)


def test_connections_cost_the_same_for_1_and_many(gql, counter) -> None:
    gql.login(counter.operator)
    gql.data(OPEN, {"s": sid(counter), "a": "0"})
    gql.data(SALE, {"input": sale_input(counter, "conn-sale-0000")})
    one, _ = _statements(gql, RECEIPTS, {"s": sid(counter)})
    for i in range(1, 6):
        gql.data(SALE, {"input": sale_input(counter, f"conn-sale-{i:04d}")})
    many, body = _statements(gql, RECEIPTS, {"s": sid(counter)})
    assert body["data"]["receipts"]["totalCount"] == 6
    assert one == many
    admin = factories.platform_admin()
    gql.headers.clear()
    gql.login(admin)
    query = "{ redSupermarkets(first: 50) { totalCount edges { node { name village { name } openTillShift { status } } } } }"
    few, _ = _statements(gql, query, {})
    for _ in range(3):
        counter_world(goods=0)
    more, body = _statements(gql, query, {})
    assert body["data"]["redSupermarkets"]["totalCount"] == 4
    assert few == more
