"""The agency API: every mutation for its operator, refusals for everyone else, masking,
and connections whose query count does not grow with the page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from marketplace.accounts.models import Role
from marketplace.agency.models import (
    AgencyOrder,
    DiscrepancyKind,
    OrderStatus,
    ReconciliationItem,
    ReconciliationRun,
)
from tests import factories
from tests.agency.test_orders import pay
from tests.agency.world import CARD, ID_NUMBER, ensure_catalogue, put_cash_in_till

pytestmark = pytest.mark.django_db

ERRORS = "errors { field message code }"
ORDER_CREATE = (
    """
mutation($input: AgencyOrderCreateInput!) {
  agencyOrderCreate(input: $input) {
    agencyOrder { id requestId status account amount { amount } commission { amount } receiptNumber item { code name } }
    %s
  }
}"""
    % ERRORS
)
WITHDRAW = (
    """
mutation($input: CashWithdrawalCreateInput!) {
  cashWithdrawalCreate(input: $input) { cashWithdrawal { status cardNumber amount { amount } } %s }
}"""
    % ERRORS
)
ORDERS = """
query($first: Int) {
  agencyOrders(first: $first) {
    totalCount
    edges { node { id requestId status account fields amount { amount } receiptNumber supermarketId
      item { code name providerName inputFields { name kind } } } }
  }
}"""


def sid(counter):
    return to_global_id("RedSupermarket", counter.supermarket.pk)


def order_input(counter, **extra):
    return {
        "supermarket": sid(counter),
        "requestId": extra.pop("requestId", "api-req-00000001"),
        "item": "electricity-sgcc",
        "fields": {"account": "3100012345"},
        "amount": "120.00",
        **extra,
    }


def denied(body):
    return body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_the_catalogue_is_listed_by_category(gql):
    ensure_catalogue()  # seeded by migration, unless a race test flushed a reused database
    data = gql.data(
        "{ agencyServiceItems(first: 100) { totalCount edges { node { code category flow amountMax { amount } inputFields { name kind required pattern } } } } }"
    )
    assert data["agencyServiceItems"]["totalCount"] >= 40
    telecom = gql.data(
        "{ agencyServiceItems(first: 20, category: TELECOM) { edges { node { code } } } }"
    )
    assert {"topup-cmcc", "topup-cucc", "topup-ctcc"} <= {
        e["node"]["code"] for e in telecom["agencyServiceItems"]["edges"]
    }


def test_an_operator_pays_a_bill_and_a_retry_returns_the_same_order(gql, sandbox, counter):
    gql.login(counter.operator)
    first = gql.data(ORDER_CREATE, {"input": order_input(counter)})["agencyOrderCreate"]
    assert first["errors"] == []
    order = first["agencyOrder"]
    assert (order["status"], order["account"], order["amount"]["amount"]) == (
        "SUCCESS",
        "3100012345",
        120.0,
    )
    assert order["receiptNumber"].startswith("RS")
    again = gql.data(ORDER_CREATE, {"input": order_input(counter)})["agencyOrderCreate"]
    assert again["agencyOrder"]["id"] == order["id"]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"amount": "0"}, "INVALID_AMOUNT", "amount"),
        ({"amount": "-1"}, "INVALID_AMOUNT", "amount"),
        ({"amount": "abc"}, "INVALID_AMOUNT", "amount"),
        ({"fields": {"account": "12"}}, "INVALID_ACCOUNT", "fields.account"),
        ({"item": "nope"}, "UNKNOWN_ITEM", "item"),
        ({"requestId": "x"}, "INVALID_FIELD", "requestId"),
        ({"supermarket": "garbage"}, "INVALID", "supermarket"),
    ],
)
def test_bad_input_answers_coded_errors_and_writes_nothing(gql, counter, change, code, field):
    gql.login(counter.operator)
    result = gql.data(ORDER_CREATE, {"input": order_input(counter, **change)})["agencyOrderCreate"]
    assert result["agencyOrder"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]
    assert not AgencyOrder.objects.exists()


def test_everyone_but_the_operator_is_refused_every_mutation(gql, sandbox, counter):
    pay(counter, request_id="api-existing-01")
    order_id = to_global_id("AgencyOrder", AgencyOrder.objects.get().pk)
    township = counter.supermarket.shop.village.township
    callers = [
        None,
        factories.user(role=Role.BUYER),
        factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=factories.shop()),
        factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township),
    ]
    today = timezone.localdate().isoformat()
    mutations = [
        (ORDER_CREATE, {"input": order_input(counter, requestId="api-refused-001")}),
        (
            WITHDRAW,
            {
                "input": {
                    "supermarket": sid(counter),
                    "requestId": "api-refused-002",
                    "cardNumber": CARD,
                    "amount": "10.00",
                }
            },
        ),
        (
            "mutation($id: ID!) { agencyOrderRefresh(id: $id) { errors { code } } }",
            {"id": order_id},
        ),
        (
            "mutation($id: ID!) { agencyTaskUpdate(id: $id, status: TASK_DONE) { errors { code } } }",
            {"id": order_id},
        ),
        (
            'mutation($s: ID!) { ticketBook(input: {supermarket: $s, requestId: "api-refused-003", item: "ticket-bus", tripId: "X", passengerName: "李四", passengerIdNumber: "%s"}) { errors { code } } }'
            % ID_NUMBER,
            {"s": sid(counter)},
        ),
        (
            'mutation { ticketIssue(id: "%s") { errors { code } } }'
            % to_global_id("TicketBooking", 1),
            {},
        ),
        (
            'mutation { ticketRefund(id: "%s") { errors { code } } }'
            % to_global_id("TicketBooking", 1),
            {},
        ),
        (
            'mutation($s: ID!) { reconciliationRun(date: "%s", supermarket: $s) { errors { code } } }'
            % today,
            {"s": sid(counter)},
        ),
        (
            'mutation { reconciliationItemClear(id: "%s") { errors { code } } }'
            % to_global_id("ReconciliationItem", 1),
            {},
        ),
    ]
    for user in callers:
        gql.headers.clear()
        if user is not None:
            gql.login(user)
        for query, variables in mutations:
            body = gql(query, variables)
            if (
                user is not None
                and user.role_assignments.filter(role=Role.TOWNSHIP_OFFICER).exists()
                and "reconciliationRun" in query
            ):
                # Officers may run their township's reconciliation, not a supermarket's alone.
                assert denied(body), body
                continue
            if "errors" in body:
                assert denied(body), (user, query, body)
            else:
                # Lookups of IDs that do not exist answer NOT_FOUND only to staff in scope.
                payload = next(iter(body["data"].values()))
                assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"], (user, query, body)
    assert AgencyOrder.objects.count() == 1


def test_officers_read_their_township_masked_and_strangers_are_refused(gql, sandbox, counter):
    pay(counter, request_id="api-read-00001")
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=counter.supermarket.shop.village.township
    )
    gql.login(officer)
    node = gql.data(ORDERS, {"first": 10})["agencyOrders"]["edges"][0]["node"]
    assert node["account"] == "310***2345"
    assert node["fields"] == {"account": "310***2345"}
    gql.login(counter.operator)
    assert (
        gql.data(ORDERS, {"first": 10})["agencyOrders"]["edges"][0]["node"]["account"]
        == "3100012345"
    )
    gql.headers.clear()
    assert denied(gql(ORDERS, {"first": 10}))
    gql.login(factories.user(role=Role.BUYER))
    assert denied(gql(ORDERS, {"first": 10}))
    other = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=factories.shop())
    gql.login(other)
    assert gql.data(ORDERS, {"first": 10})["agencyOrders"]["totalCount"] == 0


def test_withdrawal_over_the_limit_is_refused_and_the_card_masked_for_officers(
    gql, sandbox, counter, settings
):
    settings.AGENCY_WITHDRAWAL_CARD_DAILY_LIMIT = "500"
    put_cash_in_till(counter.supermarket, Decimal("2000.00"))
    gql.login(counter.operator)
    ok = gql.data(
        WITHDRAW,
        {
            "input": {
                "supermarket": sid(counter),
                "requestId": "api-wd-000001",
                "cardNumber": CARD,
                "amount": "400.00",
            }
        },
    )
    assert ok["cashWithdrawalCreate"]["cashWithdrawal"]["cardNumber"] == CARD
    over = gql.data(
        WITHDRAW,
        {
            "input": {
                "supermarket": sid(counter),
                "requestId": "api-wd-000002",
                "cardNumber": CARD,
                "amount": "200.00",
            }
        },
    )
    assert [e["code"] for e in over["cashWithdrawalCreate"]["errors"]] == ["CARD_DAILY_LIMIT"]


def test_ticket_search_book_issue_refund_through_the_api(gql, sandbox, counter):
    gql.login(counter.operator)
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    trips = gql.data(
        'query($s: ID!, $d: Date!) { ticketSearch(supermarket: $s, item: "ticket-train", origin: "临沧", destination: "昆明", date: $d) { tripId price { amount } fee { amount } departureAt } }',
        {"s": sid(counter), "d": day},
    )["ticketSearch"]
    assert len(trips) == 3
    booked = gql.data(
        'mutation($s: ID!, $t: String!, $n: String!) { ticketBook(input: {supermarket: $s, requestId: "api-tk-000001", item: "ticket-train", tripId: $t, passengerName: "李四", passengerIdNumber: $n}) { ticketBooking { id status passengerIdNumber } errors { code } } }',
        {"s": sid(counter), "t": trips[0]["tripId"], "n": ID_NUMBER},
    )["ticketBook"]
    assert booked["errors"] == [] and booked["ticketBooking"]["status"] == "HELD"
    booking_id = booked["ticketBooking"]["id"]
    issued = gql.data(
        "mutation($id: ID!) { ticketIssue(id: $id) { ticketBooking { status ticketNo } errors { code } } }",
        {"id": booking_id},
    )
    assert issued["ticketIssue"]["ticketBooking"]["status"] == "ISSUED"
    refunded = gql.data(
        "mutation($id: ID!) { ticketRefund(id: $id) { ticketBooking { status refundFee { amount } } errors { code } } }",
        {"id": booking_id},
    )
    assert refunded["ticketRefund"]["ticketBooking"]["status"] == "REFUNDED"
    past = gql(
        'query($s: ID!) { ticketSearch(supermarket: $s, item: "ticket-bus", origin: "a", destination: "b", date: "2020-01-01") { tripId } }',
        {"s": sid(counter)},
    )
    assert past["errors"][0]["extensions"]["exception"]["code"] == "DATE_IN_PAST"


def test_reconciliation_run_and_clear_through_the_api(gql, sandbox, counter):
    extra = pay(counter, request_id="api-rec-000001")
    with sandbox.lock:
        del sandbox.orders[("M-utility", extra.request_id)]
    gql.login(counter.operator)
    today = timezone.localdate().isoformat()
    runs = gql.data(
        'mutation($s: ID!, $d: Date!) { reconciliationRun(date: $d, supermarket: $s, provider: "provider:utility") { runs { source flaggedCount newItemsCount error } errors { code } } }',
        {"s": sid(counter), "d": today},
    )["reconciliationRun"]
    assert runs["runs"] == [
        {"source": "provider:utility", "flaggedCount": 1, "newItemsCount": 1, "error": ""}
    ]
    items = gql.data(
        "{ reconciliationItems(first: 10, cleared: false) { edges { node { id kind externalId } } } }"
    )
    node = items["reconciliationItems"]["edges"][0]["node"]
    assert (node["kind"], node["externalId"]) == ("EXTRA", "api-rec-000001")
    cleared = gql.data(
        'mutation($id: ID!) { reconciliationItemClear(id: $id, note: "ok") { reconciliationItem { cleared } errors { code } } }',
        {"id": node["id"]},
    )
    assert cleared["reconciliationItemClear"]["reconciliationItem"]["cleared"] is True


def _count(gql, query, variables):
    with CaptureQueriesContext(connection) as ctx:
        body = gql(query, variables)
    assert "errors" not in body, body["errors"]
    return len(ctx.captured_queries), body


def test_connections_cost_the_same_queries_for_1_and_many(gql, sandbox, counter):
    for i in range(6):
        pay(
            counter,
            request_id=f"api-count-{i:05d}",
            item=["electricity-sgcc", "water-county"][i % 2],
            account=["3100012345", "12345678"][i % 2],
            amount="10.00",
        )
    run = ReconciliationRun.objects.create(
        business_day=timezone.localdate(), source="provider:utility"
    )
    for i in range(5):
        ReconciliationItem.objects.create(
            run=run,
            business_day=run.business_day,
            source=run.source,
            external_id=f"x{i}",
            kind=DiscrepancyKind.MISSING,
            supermarket=counter.supermarket,
        )
    gql.login(counter.operator)
    few, _ = _count(gql, ORDERS, {"first": 1})
    many, body = _count(gql, ORDERS, {"first": 100})
    assert len(body["data"]["agencyOrders"]["edges"]) == 6
    assert few == many
    items = "query($first: Int) { reconciliationItems(first: $first) { totalCount edges { node { id kind supermarketId oursAmount { amount } } } } }"
    assert _count(gql, items, {"first": 1})[0] == _count(gql, items, {"first": 100})[0]
    catalogue = "query($first: Int) { agencyServiceItems(first: $first) { edges { node { code providerName inputFields { name } } } } }"
    assert _count(gql, catalogue, {"first": 1})[0] == _count(gql, catalogue, {"first": 100})[0]


def test_an_order_that_stays_open_is_refreshed_by_its_operator(gql, sandbox, counter):
    order = pay(counter, request_id="api-refresh-001", account="3100017777")
    assert order.status == OrderStatus.PROCESSING
    sandbox.finish_pending("M-utility", order.request_id)
    gql.login(counter.operator)
    body = gql.data(
        "mutation($id: ID!) { agencyOrderRefresh(id: $id) { agencyOrder { status } errors { code } } }",
        {"id": to_global_id("AgencyOrder", order.pk)},
    )
    assert body["agencyOrderRefresh"]["agencyOrder"]["status"] == "SUCCESS"
