"""The distribution API: shareRegister, distribution(s), the four workflow mutations and
payoutCreate / payoutRetry, with the role refusals and coded bad input of §6 and §7, and
query counts that stay flat as the data grows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from collective_econ.models import Distribution, JournalTransaction, Payout
from collective_econ.payouts.services import payout_create
from marketplace.accounts.models import Role
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.api_distribution.books import (
    BOOK_YEAR,
    THIS_YEAR,
    Books,
    filed_distribution,
    make_books,
    post_collective_income,
    stock_till,
)

pytestmark = pytest.mark.django_db


def gid(type_name: str, pk: Any) -> str:
    return to_global_id(type_name, str(pk))


CREATE = """
mutation($input: DistributionCreateInput!) {
  distributionCreate(input: $input) {
    distribution { id status distributable { amount } memberAmount { amount }
                   allocations { kind amount { amount } household { reference } } }
    errors { field message code }
  }
}"""
APPROVE = """
mutation($id: ID!, $input: DistributionApproveInput!) {
  distributionApprove(id: $id, input: $input) {
    distribution { status assemblyAttendance } errors { field code }
  }
}"""
FILE = """
mutation($id: ID!) { distributionFile(id: $id, reason: "reviewed") {
  distribution { status events { action toStatus } } errors { field code } } }"""
PAY = """
mutation($id: ID!) { distributionPay(id: $id, reason: "all paid") {
  distribution { status } errors { field code } } }"""
PAYOUT = """
mutation($input: PayoutCreateInput!) { payoutCreate(input: $input) {
  payout { id status amount { amount } outBizNo failureCode attempts receiptNumber }
  errors { field message code } } }"""
RETRY = """
mutation($id: ID!, $login: String) { payoutRetry(id: $id, payeeLogonId: $login) {
  payout { status attempts outBizNo } errors { code } } }"""
REGISTER = """
query($village: ID!) { shareRegister(village: $village) {
  totalShares holdings { shares household { reference isMasked } } } }"""
DISTRIBUTIONS = """
query { distributions(first: 50) { totalCount edges { node {
  year status village { name township { name } } distributable { amount }
  allocations { kind amount { amount } household { reference } investorName }
  events { action toStatus date } } } } }"""


def _input(books: Books, **kw: Any) -> dict[str, Any]:
    return {
        "village": gid("Village", books.village.pk),
        "year": BOOK_YEAR,
        "reserveFundPercent": "10",
        "welfareFundPercent": "5",
        "reason": "annual plan",
        **kw,
    }


@pytest.fixture
def books() -> Books:
    books = make_books(households=2, shares=["3", "1"])
    post_collective_income(books.village, "1000.00")
    return books


def _as(gql: GraphQLClient, user: Any) -> GraphQLClient:
    gql.headers.pop("Authorization", None)
    if user is not None:
        gql.login(user)
    return gql


def test_the_whole_workflow_through_the_api(gql: GraphQLClient, books: Books) -> None:
    stock_till(books.village, "850.00")
    body = _as(gql, books.manager).data(CREATE, {"input": _input(books)})["distributionCreate"]
    assert body["errors"] == []
    created = body["distribution"]
    assert created["status"] == "DRAFT" and created["distributable"]["amount"] == 1000.0
    assert created["memberAmount"]["amount"] == 850.0
    approve_input = {
        "assemblyDate": timezone.localdate().isoformat(),
        "attendance": 12,
        "resolution": "成员大会通过",
    }
    approved = gql.data(APPROVE, {"id": created["id"], "input": approve_input})
    assert approved["distributionApprove"]["distribution"]["status"] == "APPROVED"
    twice = gql.data(APPROVE, {"id": created["id"], "input": approve_input})
    assert twice["distributionApprove"]["errors"][0]["code"] == "INVALID_TRANSITION"
    # The manager does not file: the township does.
    refused = gql.data(FILE, {"id": created["id"]})["distributionFile"]
    assert refused["errors"][0]["code"] == "NOT_PERMITTED"
    filed = _as(gql, books.officer).data(FILE, {"id": created["id"]})["distributionFile"]
    assert filed["distribution"]["status"] == "FILED"
    assert [e["action"] for e in filed["distribution"]["events"]] == ["create", "approve", "file"]
    outstanding = _as(gql, books.manager).data(PAY, {"id": created["id"]})["distributionPay"]
    assert outstanding["errors"][0]["code"] == "PAYOUTS_OUTSTANDING"
    for i, (household, amount) in enumerate(
        zip(books.households, ["637.50", "212.50"], strict=True)
    ):
        paid = gql.data(
            PAYOUT,
            {
                "input": {
                    "village": gid("Village", books.village.pk),
                    "household": gid("Household", household.pk),
                    "accountKind": "MEMBER",
                    "amount": amount,
                    "method": "CASH",
                    "requestId": f"r{i}",
                    "receiptNumber": f"RC-{i}",
                }
            },
        )["payoutCreate"]
        assert paid["errors"] == [] and paid["payout"]["status"] == "SUCCEEDED"
    done = gql.data(PAY, {"id": created["id"]})["distributionPay"]
    assert done["distribution"]["status"] == "PAID"


@pytest.mark.parametrize(
    ("kw", "code", "field"),
    [
        ({"reserveFundPercent": "101"}, "INVALID_PERCENT", "reserveFundPercent"),
        ({"reserveFundPercent": "-0.5"}, "INVALID_PERCENT", "reserveFundPercent"),
        ({"welfareFundPercent": "many"}, "INVALID_PERCENT", "welfareFundPercent"),
        (
            {"reserveFundPercent": "70", "welfareFundPercent": "31"},
            "INVALID_PERCENT",
            "welfareFundPercent",
        ),
        ({"memberAmount": "-1.00"}, "INVALID_AMOUNT", "memberAmount"),
        ({"memberAmount": "12,5"}, "INVALID_AMOUNT", "memberAmount"),
        ({"memberAmount": "100000.00"}, "EXCEEDS_DISTRIBUTABLE", "memberAmount"),
        ({"village": "bm90IGFuIGlk"}, "INVALID", "village"),
        ({"year": 1999}, "INVALID", "year"),
        ({"year": THIS_YEAR}, "YEAR_NOT_CLOSED", "year"),
    ],
)
def test_bad_input_gets_coded_errors_and_writes_nothing(
    gql: GraphQLClient, books: Books, kw: dict[str, Any], code: str, field: str
) -> None:
    body = _as(gql, books.manager)(CREATE, {"input": _input(books, **kw)})
    assert "errors" not in body, body
    errors = body["data"]["distributionCreate"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [(code, field)]
    assert not Distribution.objects.exists()


def test_a_share_table_with_no_members_is_a_coded_error(gql: GraphQLClient) -> None:
    empty = make_books(households=1)
    post_collective_income(empty.village, "10.00")
    errors = _as(gql, empty.manager).data(CREATE, {"input": _input(empty)})["distributionCreate"]
    assert errors["errors"][0]["code"] == "NO_MEMBERS"


def test_every_mutation_refuses_the_wrong_callers(gql: GraphQLClient, books: Books) -> None:
    other = make_books(households=1)
    buyer = factories.user(role=Role.BUYER)
    draft = filed_distribution(books, reserve="0", welfare="0")
    stock_till(books.village, "1.00")
    existing = payout_create(
        actor=books.manager,
        village=books.village,
        household=books.households[1],
        account_kind="MEMBER",
        amount="1.00",
        method="CASH",
        request_id="seed",
        receipt_number="SEED-1",
    )
    payout_input = {
        "village": gid("Village", books.village.pk),
        "household": gid("Household", books.households[0].pk),
        "accountKind": "MEMBER",
        "amount": "1.00",
        "method": "CASH",
        "requestId": "x",
        "receiptNumber": "X-1",
    }
    calls = [
        (CREATE, {"input": _input(books, year=BOOK_YEAR - 1)}, "distributionCreate"),
        (
            APPROVE,
            {
                "id": gid("Distribution", draft.pk),
                "input": {"assemblyDate": "2025-01-01", "attendance": 1, "resolution": "x"},
            },
            "distributionApprove",
        ),
        (FILE, {"id": gid("Distribution", draft.pk)}, "distributionFile"),
        (PAY, {"id": gid("Distribution", draft.pk)}, "distributionPay"),
        (PAYOUT, {"input": payout_input}, "payoutCreate"),
        (RETRY, {"id": gid("Payout", existing.pk)}, "payoutRetry"),
    ]
    for caller in (None, buyer, other.manager, other.officer):
        for query, variables, name in calls:
            body = _as(gql, caller).data(query, variables)[name]
            assert [e["code"] for e in body["errors"]] == ["NOT_PERMITTED"], (caller, name, body)
    assert Payout.objects.count() == 1
    assert JournalTransaction.objects.filter(kind="PAYOUT").count() == 1


def test_payout_to_another_villages_household_and_bad_amounts(
    gql: GraphQLClient, books: Books
) -> None:
    filed_distribution(books, reserve="0", welfare="0")
    other = make_books(households=1)
    base = {
        "village": gid("Village", books.village.pk),
        "household": gid("Household", books.households[0].pk),
        "accountKind": "MEMBER",
        "method": "CASH",
        "requestId": "x",
        "receiptNumber": "X-1",
        "amount": "1.00",
    }
    stock_till(books.village, "1.99")
    cases = [
        ({"household": gid("Household", other.households[0].pk)}, "WRONG_VILLAGE"),
        ({"amount": "-3"}, "INVALID_AMOUNT"),
        ({"amount": "0.00"}, "INVALID_AMOUNT"),
        ({"amount": "abc"}, "INVALID_AMOUNT"),
        ({"amount": "100000.00"}, "EXCEEDS_BALANCE"),
        ({"amount": "2.00"}, "INSUFFICIENT_TILL_CASH"),
    ]
    _as(gql, books.manager)
    for change, code in cases:
        body = gql.data(PAYOUT, {"input": {**base, **change}})["payoutCreate"]
        assert [e["code"] for e in body["errors"]] == [code], change
    assert Payout.objects.count() == 0


def test_alipay_payout_fails_visibly_and_retries_through_the_api(
    gql: GraphQLClient, books: Books, settings_sandbox: Any
) -> None:
    filed_distribution(books, reserve="0", welfare="0")
    settings_sandbox.transfers.unknown_payees.add("wrong@example.cn")
    payout_input = {
        "village": gid("Village", books.village.pk),
        "household": gid("Household", books.households[0].pk),
        "accountKind": "MEMBER",
        "amount": "100.00",
        "method": "ALIPAY",
        "requestId": "ali-1",
        "payeeLogonId": "wrong@example.cn",
    }
    failed = _as(gql, books.manager).data(PAYOUT, {"input": payout_input})["payoutCreate"]
    assert failed["payout"]["status"] == "FAILED"
    assert failed["payout"]["failureCode"] == "PAYEE_NOT_EXIST"
    retried = gql.data(RETRY, {"id": failed["payout"]["id"], "login": "right@example.cn"})
    payout = retried["payoutRetry"]["payout"]
    assert payout["status"] == "SUCCEEDED" and payout["attempts"] == 2
    assert payout["outBizNo"] == failed["payout"]["outBizNo"]
    assert settings_sandbox.transfers.money_moved == 1


def test_share_register_is_staff_only_and_scoped(gql: GraphQLClient, books: Books) -> None:
    village = gid("Village", books.village.pk)
    register = _as(gql, books.manager).data(REGISTER, {"village": village})["shareRegister"]
    assert register["totalShares"] == "4.0000"
    assert len(register["holdings"]) == 2
    officer_view = _as(gql, books.officer).data(REGISTER, {"village": village})["shareRegister"]
    assert {h["household"]["isMasked"] for h in officer_view["holdings"]} == {True}
    other = make_books(households=0)
    for caller in (None, factories.user(role=Role.BUYER), other.manager):
        body = _as(gql, caller)(REGISTER, {"village": village})
        assert body["data"]["shareRegister"] is None
        assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_distributions_query_count_is_flat(gql: GraphQLClient) -> None:
    admin = factories.platform_admin()
    _as(gql, admin)

    def add_one() -> None:
        books = make_books(households=2, shares=["1", "2"])
        post_collective_income(books.village, "300.00")
        filed_distribution(books)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            body = gql(DISTRIBUTIONS)
        assert "errors" not in body, body
        return len(ctx.captured_queries), body["data"]["distributions"]["totalCount"]

    add_one()
    one, total_one = count()
    for _ in range(4):
        add_one()
    many, total_many = count()
    assert (total_one, total_many) == (1, 5)
    assert one == many
    anonymous = _as(gql, None)(DISTRIBUTIONS)
    assert anonymous["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
