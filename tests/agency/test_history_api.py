"""Agency history over GraphQL: `cashWithdrawals`/`cashWithdrawal` and
`ticketBookings`/`ticketBooking` for the supermarket's operator (numbers in full) and its
township's officers (masked), refused to other supermarkets' operators, other townships'
officers, buyers and anonymous callers; statement counts constant as rows grow. Rows are
written as they stand after the provider answered: these tests are about reading them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marketplace.accounts.models import Role
from marketplace.agency.models import (
    CashWithdrawal,
    ServiceItem,
    TicketBooking,
    TicketStatus,
    WithdrawalStatus,
)
from tests import factories
from tests.agency.world import CARD, ID_NUMBER, Counter, make_counter

pytestmark = pytest.mark.django_db

WITHDRAWALS = """query($first: Int, $s: ID, $status: CashWithdrawalStatusEnum, $day: Date) {
  cashWithdrawals(first: $first, supermarket: $s, status: $status, businessDay: $day) {
    totalCount edges { node { id requestId status cardNumber amount { amount } receiptNumber
      supermarketId } } } }"""
WITHDRAWAL = "query($id: ID!) { cashWithdrawal(id: $id) { requestId cardNumber } }"
TICKETS = """query($first: Int, $s: ID, $status: TicketStatusEnum) {
  ticketBookings(first: $first, supermarket: $s, status: $status) {
    totalCount edges { node { id requestId status passengerName passengerIdNumber
      price { amount } item { code name providerName } } } } }"""
TICKET = "query($id: ID!) { ticketBooking(id: $id) { requestId status passengerName } }"


def _withdrawal(
    counter: Counter, n: int, *, status: str = WithdrawalStatus.SUCCESS
) -> CashWithdrawal:
    return CashWithdrawal.objects.create(
        request_id=f"history-wd-{counter.supermarket.pk}-{n:04d}",
        supermarket=counter.supermarket,
        item=ServiceItem.objects.get(code="cash-withdrawal"),
        card_number=CARD,
        card_masked="6222 **** **** 3446",
        amount=Decimal("100.00") + n,
        business_day=date(2026, 6, 1 + n % 2),
        status=status,
        operator=counter.operator,
    )


def _ticket(counter: Counter, n: int, *, status: str = TicketStatus.ISSUED) -> TicketBooking:
    return TicketBooking.objects.create(
        request_id=f"history-tk-{counter.supermarket.pk}-{n:04d}",
        supermarket=counter.supermarket,
        item=ServiceItem.objects.get(code=["ticket-bus", "ticket-train"][n % 2]),
        trip_id=f"BUS2026060100{n:02d}",
        origin="勐勐镇",
        destination="临沧",
        departure_at="2026-06-01T07:30:00+08:00",
        seat_class="普通座",
        passenger_name="李四",
        passenger_id_number=ID_NUMBER,
        price=Decimal("45.00"),
        booking_no=f"BH{counter.supermarket.pk:05d}{n:05d}",
        status=status,
        operator=counter.operator,
    )


def _denied(body: dict) -> bool:
    return body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def sid(counter: Counter) -> str:
    return to_global_id("RedSupermarket", counter.supermarket.pk)


def test_the_operator_reads_withdrawals_and_tickets_in_full_with_filters(gql) -> None:
    counter = make_counter()
    _withdrawal(counter, 0)
    _withdrawal(counter, 1, status=WithdrawalStatus.FAILED)
    _ticket(counter, 0, status=TicketStatus.HELD)
    issued = _ticket(counter, 1)
    gql.login(counter.operator)
    page = gql.data(WITHDRAWALS, {"first": 10, "s": sid(counter)})["cashWithdrawals"]
    assert page["totalCount"] == 2
    assert {e["node"]["cardNumber"] for e in page["edges"]} == {CARD}
    failed = gql.data(WITHDRAWALS, {"first": 10, "status": "FAILED"})["cashWithdrawals"]
    assert [e["node"]["amount"]["amount"] for e in failed["edges"]] == [101.0]
    on_day = gql.data(WITHDRAWALS, {"first": 10, "day": "2026-06-01"})["cashWithdrawals"]
    assert [e["node"]["amount"]["amount"] for e in on_day["edges"]] == [100.0]
    tickets = gql.data(TICKETS, {"first": 10, "status": "ISSUED"})["ticketBookings"]
    assert tickets["totalCount"] == 1
    node = tickets["edges"][0]["node"]
    assert (node["passengerName"], node["passengerIdNumber"], node["item"]["code"]) == (
        "李四",
        ID_NUMBER,
        "ticket-train",
    )
    one = gql.data(TICKET, {"id": to_global_id("TicketBooking", issued.pk)})["ticketBooking"]
    assert one == {"requestId": issued.request_id, "status": "ISSUED", "passengerName": "李四"}
    missing = to_global_id("CashWithdrawal", issued.pk + 10_000)
    assert gql.data(WITHDRAWAL, {"id": missing})["cashWithdrawal"] is None


def test_officers_read_masked_and_everyone_else_is_refused(gql) -> None:
    counter = make_counter()
    withdrawal_id = to_global_id("CashWithdrawal", _withdrawal(counter, 0).pk)
    ticket_id = to_global_id("TicketBooking", _ticket(counter, 0).pk)
    township = counter.supermarket.shop.village.township
    gql.login(factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township))
    seen = gql.data(WITHDRAWAL, {"id": withdrawal_id})["cashWithdrawal"]
    assert seen["cardNumber"] == "6222 **** **** 3446"
    ticket = gql.data(TICKETS, {"first": 10})["ticketBookings"]["edges"][0]["node"]
    assert ticket["passengerName"] != "李四" and ticket["passengerIdNumber"] != ID_NUMBER

    other_operator = make_counter().operator
    other_officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=factories.township())
    for staff in (other_operator, other_officer):
        gql.headers.clear()
        gql.login(staff)
        assert gql.data(WITHDRAWALS, {"first": 10})["cashWithdrawals"]["totalCount"] == 0
        assert gql.data(TICKETS, {"first": 10})["ticketBookings"]["totalCount"] == 0
        assert _denied(gql(WITHDRAWALS, {"first": 10, "s": sid(counter)}))
        assert _denied(gql(TICKETS, {"first": 10, "s": sid(counter)}))
        assert _denied(gql(WITHDRAWAL, {"id": withdrawal_id}))
        assert _denied(gql(TICKET, {"id": ticket_id}))
    for stranger in (None, factories.user(role=Role.BUYER)):
        gql.headers.clear()
        if stranger is not None:
            gql.login(stranger)
        for query, variables in (
            (WITHDRAWALS, {"first": 10}),
            (TICKETS, {"first": 10}),
            (WITHDRAWAL, {"id": withdrawal_id}),
            (TICKET, {"id": ticket_id}),
        ):
            assert _denied(gql(query, variables)), (stranger, query)


def _statements(gql, query: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        body = gql(query, {"first": 50})
    assert "errors" not in body, body["errors"]
    return len(ctx.captured_queries), body


def test_history_connections_cost_the_same_for_1_and_many(gql) -> None:
    counter = make_counter()
    _withdrawal(counter, 0)
    _ticket(counter, 0)
    _ticket(counter, 1)
    gql.login(counter.operator)
    withdrawals_few, _ = _statements(gql, WITHDRAWALS)
    tickets_few, _ = _statements(gql, TICKETS)
    for n in range(1, 7):
        _withdrawal(counter, n)
        _ticket(counter, n + 1)
    withdrawals_many, body = _statements(gql, WITHDRAWALS)
    assert body["data"]["cashWithdrawals"]["totalCount"] == 7
    tickets_many, body = _statements(gql, TICKETS)
    assert body["data"]["ticketBookings"]["totalCount"] == 8
    assert (withdrawals_few, tickets_few) == (withdrawals_many, tickets_many)
