"""Editing the share register through the API: shareRegisterMemberSet, investorRegister and
investorAgreementSet change the register for the village's book-keepers only, every bad
input is a coded error that writes nothing, and reading the register (holdings, investors,
history) costs the same number of queries however many members it has."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from collective_econ.models import (
    CollectiveMember,
    Investor,
    InvestorAgreement,
    MemberShare,
    ShareRegisterChange,
)
from marketplace.accounts.models import Role
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.api_distribution.books import (
    BOOK_YEAR,
    Books,
    filed_distribution,
    make_books,
    post_collective_income,
)

pytestmark = pytest.mark.django_db

MEMBER_SET = """
mutation($input: ShareRegisterMemberSetInput!) { shareRegisterMemberSet(input: $input) {
  holding { shares validFrom validTo personName household { reference } }
  errors { field message code } } }"""
INVESTOR_REGISTER = """
mutation($input: InvestorRegisterInput!) { investorRegister(input: $input) {
  investor { id name village { name } agreements { kind } } errors { field code } } }"""
AGREEMENT_SET = """
mutation($input: InvestorAgreementSetInput!) { investorAgreementSet(input: $input) {
  investor { name agreements { kind rate capitalAmount { amount } validFrom validTo } }
  agreement { kind rate validFrom }
  errors { field message code } } }"""
REGISTER = """
query($village: ID!, $on: Date) { shareRegister(village: $village, on: $on) {
  totalShares
  holdings { shares personName validFrom household { reference isMasked village { name } } }
  investors { name village { name } agreements { kind rate capitalAmount { amount } } }
  history(last: 50) { entity action reason before after date } } }"""


def gid(type_name: str, pk: Any) -> str:
    return to_global_id(type_name, str(pk))


def _as(gql: GraphQLClient, user: Any) -> GraphQLClient:
    gql.headers.pop("Authorization", None)
    if user is not None:
        gql.login(user)
    return gql


def _member_input(books: Books, **kw: Any) -> dict[str, Any]:
    return {
        "village": gid("Village", books.village.pk),
        "household": gid("Household", books.households[0].pk),
        "shares": "3",
        "effectiveFrom": "2024-01-01",
        "reason": "joined the cooperative",
        **kw,
    }


def _register_rows() -> tuple[int, int, int, int, int]:
    return (
        CollectiveMember.objects.count(),
        MemberShare.objects.count(),
        Investor.objects.count(),
        InvestorAgreement.objects.count(),
        ShareRegisterChange.objects.count(),
    )


def test_a_book_keeper_registers_a_member_and_changes_its_shares_later(
    gql: GraphQLClient,
) -> None:
    books = make_books(households=1)
    _as(gql, books.manager)
    first = gql.data(MEMBER_SET, {"input": _member_input(books)})["shareRegisterMemberSet"]
    assert first["errors"] == []
    assert first["holding"]["shares"] == "3.0000" and first["holding"]["validTo"] is None
    later = gql.data(
        MEMBER_SET,
        {"input": _member_input(books, shares="4.5", effectiveFrom="2025-03-01", reason="bought")},
    )["shareRegisterMemberSet"]
    assert later["errors"] == [] and later["holding"]["validFrom"] == "2025-03-01"
    village = gid("Village", books.village.pk)
    before = gql.data(REGISTER, {"village": village, "on": "2025-02-28"})["shareRegister"]
    after = gql.data(REGISTER, {"village": village, "on": "2025-03-01"})["shareRegister"]
    assert before["totalShares"] == "3.0000" and after["totalShares"] == "4.5000"
    assert [(h["entity"], h["action"], h["reason"]) for h in after["history"]] == [
        ("MEMBER_SHARE", "OPEN", "bought"),
        ("MEMBER_SHARE", "CLOSE", "bought"),
        ("MEMBER_SHARE", "OPEN", "joined the cooperative"),
        ("MEMBER", "ADD", "joined the cooperative"),
    ]
    assert '"valid_to": "2025-03-01"' in after["history"][1]["after"]
    ended = gql.data(
        MEMBER_SET,
        {"input": _member_input(books, shares="0", effectiveFrom="2026-01-01", reason="left")},
    )["shareRegisterMemberSet"]
    assert ended == {"holding": None, "errors": []}
    gone = gql.data(REGISTER, {"village": village, "on": "2026-01-01"})["shareRegister"]
    assert gone["holdings"] == [] and gone["totalShares"] == "0"


def test_one_person_of_a_household_is_a_member_of_its_own(gql: GraphQLClient) -> None:
    books = make_books(households=1)
    _as(gql, books.manager)
    for name, shares in (("", "2"), ("李四", "1")):
        body = gql.data(MEMBER_SET, {"input": _member_input(books, personName=name, shares=shares)})
        assert body["shareRegisterMemberSet"]["errors"] == []
    assert CollectiveMember.objects.filter(household=books.households[0]).count() == 2
    register = gql.data(
        REGISTER, {"village": gid("Village", books.village.pk), "on": "2024-06-01"}
    )["shareRegister"]
    assert register["totalShares"] == "3.0000"
    assert sorted(h["personName"] for h in register["holdings"]) == ["", "李四"]
    # The manager saw the name unmasked: that showing is in the audit log.
    from marketplace.audit.models import AuditEntry

    shown = AuditEntry.objects.filter(actor_id=books.manager.pk, fields__contains=["person_name"])
    assert shown.exists()
    before = AuditEntry.objects.count()
    # The officer reads the register but not the person's name (and nothing is logged).
    officer = _as(gql, books.officer).data(
        REGISTER, {"village": gid("Village", books.village.pk), "on": "2024-06-01"}
    )["shareRegister"]
    assert sorted(h["personName"] for h in officer["holdings"]) == ["", "李*"]
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"shares": "-1"}, "INVALID_AMOUNT", "shares"),
        ({"shares": "three"}, "INVALID_AMOUNT", "shares"),
        ({"shares": "1.23456"}, "INVALID_AMOUNT", "shares"),
        ({"shares": "NaN"}, "INVALID_AMOUNT", "shares"),
        ({"reason": "   "}, "INVALID", "reason"),
        ({"effectiveTo": "2023-12-31"}, "INVALID_PERIOD", "effectiveTo"),
        ({"household": "bm90IGFuIGlk"}, "INVALID", "household"),
        ({"household": to_global_id("Household", "999999")}, "NOT_FOUND", "household"),
        ({"village": to_global_id("Village", "999999")}, "NOT_FOUND", "village"),
    ],
)
def test_bad_member_input_is_coded_and_writes_nothing(
    gql: GraphQLClient, change: dict[str, Any], code: str, field: str
) -> None:
    books = make_books(households=1)
    before = _register_rows()
    body = _as(gql, books.manager)(MEMBER_SET, {"input": _member_input(books, **change)})
    assert "errors" not in body, body
    errors = body["data"]["shareRegisterMemberSet"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [(code, field)]
    assert _register_rows() == before


def test_a_household_of_another_village_is_refused(gql: GraphQLClient) -> None:
    books = make_books(households=1)
    other = make_books(households=1)
    body = _as(gql, books.manager).data(
        MEMBER_SET,
        {"input": _member_input(books, household=gid("Household", other.households[0].pk))},
    )["shareRegisterMemberSet"]
    assert [(e["code"], e["field"]) for e in body["errors"]] == [("WRONG_VILLAGE", "household")]
    assert not CollectiveMember.objects.exists()


def test_a_change_before_an_existing_period_is_refused_and_the_new_member_rolled_back(
    gql: GraphQLClient,
) -> None:
    books = make_books(households=1)
    _as(gql, books.manager)
    assert (
        gql.data(MEMBER_SET, {"input": _member_input(books, effectiveFrom="2024-06-01")})[
            "shareRegisterMemberSet"
        ]["errors"]
        == []
    )
    before = _register_rows()
    body = gql.data(MEMBER_SET, {"input": _member_input(books, effectiveFrom="2024-01-01")})
    errors = body["shareRegisterMemberSet"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("OVERLAPPING_PERIOD", "effectiveFrom")]
    # A person not yet a member, refused for a bad count: not left registered either.
    body = gql.data(MEMBER_SET, {"input": _member_input(books, personName="王五", shares="-2")})
    assert body["shareRegisterMemberSet"]["errors"][0]["code"] == "INVALID_AMOUNT"
    assert _register_rows() == before


def test_a_change_in_a_period_a_filed_distribution_read_is_refused(gql: GraphQLClient) -> None:
    books = make_books(households=2, shares=["3", "1"])
    post_collective_income(books.village, "500.00")
    investor = Investor.objects.create(village=books.village, name="茶业公司")
    filed_distribution(books)
    _as(gql, books.manager)
    before = _register_rows()
    closed_day = f"{BOOK_YEAR}-06-30"
    body = gql.data(MEMBER_SET, {"input": _member_input(books, effectiveFrom=closed_day)})
    errors = body["shareRegisterMemberSet"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("PERIOD_CLOSED", "effectiveFrom")]
    body = gql.data(
        AGREEMENT_SET,
        {
            "input": {
                "investor": gid("Investor", investor.pk),
                "kind": "FIXED_RETURN",
                "capitalAmount": "1000.00",
                "rate": "0.05",
                "effectiveFrom": closed_day,
                "reason": "late agreement",
            }
        },
    )
    assert body["investorAgreementSet"]["errors"][0]["code"] == "PERIOD_CLOSED"
    assert _register_rows() == before
    # From the next year on, the register is open again.
    next_year = _member_input(books, effectiveFrom=f"{BOOK_YEAR + 1}-01-01", shares="5")
    assert gql.data(MEMBER_SET, {"input": next_year})["shareRegisterMemberSet"]["errors"] == []


def test_investors_and_their_agreements_through_the_api(gql: GraphQLClient) -> None:
    books = make_books(households=0)
    _as(gql, books.manager)
    village = gid("Village", books.village.pk)
    registered = gql.data(
        INVESTOR_REGISTER,
        {"input": {"village": village, "name": "  冰岛茶业  ", "reason": "capital"}},
    )["investorRegister"]
    assert registered["errors"] == [] and registered["investor"]["name"] == "冰岛茶业"
    again = gql.data(
        INVESTOR_REGISTER, {"input": {"village": village, "name": "冰岛茶业", "reason": "again"}}
    )["investorRegister"]
    assert again["investor"]["id"] == registered["investor"]["id"]
    base = {
        "investor": registered["investor"]["id"],
        "kind": "FIXED_RETURN",
        "capitalAmount": "20000.00",
        "rate": "0.05",
        "effectiveFrom": "2024-01-01",
        "reason": "agreement signed",
    }
    first = gql.data(AGREEMENT_SET, {"input": base})["investorAgreementSet"]
    assert first["errors"] == [] and first["agreement"]["rate"] == "0.050000"
    replaced = gql.data(
        AGREEMENT_SET,
        {"input": {**base, "kind": "PROFIT_SHARE", "rate": "0.1", "effectiveFrom": "2025-01-01"}},
    )["investorAgreementSet"]
    assert [
        (a["kind"], a["validFrom"], a["validTo"]) for a in replaced["investor"]["agreements"]
    ] == [
        ("FIXED_RETURN", "2024-01-01", "2025-01-01"),
        ("PROFIT_SHARE", "2025-01-01", None),
    ]
    register = gql.data(REGISTER, {"village": village})["shareRegister"]
    assert [i["name"] for i in register["investors"]] == ["冰岛茶业"]
    assert [h["entity"] for h in register["history"]] == [
        "INVESTOR_AGREEMENT",
        "INVESTOR_AGREEMENT",
        "INVESTOR_AGREEMENT",
        "INVESTOR",
    ]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"rate": "1.5"}, "INVALID_AMOUNT", "rate"),
        ({"rate": "five percent"}, "INVALID_AMOUNT", "rate"),
        ({"capitalAmount": "-5.00"}, "INVALID_AMOUNT", "capitalAmount"),
        ({"capitalAmount": "12.345"}, "INVALID_AMOUNT", "capitalAmount"),
        ({"reason": ""}, "INVALID", "reason"),
        ({"effectiveTo": "2023-01-01"}, "INVALID_PERIOD", "effectiveTo"),
        ({"investor": to_global_id("Investor", "999999")}, "NOT_FOUND", "investor"),
        ({"investor": to_global_id("Village", "1")}, "INVALID", "investor"),
    ],
)
def test_bad_agreement_input_is_coded_and_writes_nothing(
    gql: GraphQLClient, change: dict[str, Any], code: str, field: str
) -> None:
    books = make_books(households=0)
    investor = Investor.objects.create(village=books.village, name="投资方")
    before = _register_rows()
    payload = {
        "investor": gid("Investor", investor.pk),
        "kind": "FIXED_RETURN",
        "capitalAmount": "100.00",
        "rate": "0.05",
        "effectiveFrom": "2024-01-01",
        "reason": "agreement",
        **change,
    }
    body = _as(gql, books.manager)(AGREEMENT_SET, {"input": payload})
    assert "errors" not in body, body
    errors = body["data"]["investorAgreementSet"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [(code, field)]
    assert _register_rows() == before


def test_an_investor_needs_a_name(gql: GraphQLClient) -> None:
    books = make_books(households=0)
    body = _as(gql, books.manager).data(
        INVESTOR_REGISTER,
        {"input": {"village": gid("Village", books.village.pk), "name": "  ", "reason": "x"}},
    )["investorRegister"]
    assert [(e["code"], e["field"]) for e in body["errors"]] == [("INVALID", "name")]
    assert not Investor.objects.exists()


def test_only_the_villages_book_keepers_change_its_register(gql: GraphQLClient) -> None:
    books = make_books(households=1)
    investor = Investor.objects.create(village=books.village, name="投资方")
    other = make_books(households=0)
    county = factories.user(role=Role.BUYER)
    before = _register_rows()
    calls = [
        (MEMBER_SET, {"input": _member_input(books)}, "shareRegisterMemberSet"),
        (
            INVESTOR_REGISTER,
            {"input": {"village": gid("Village", books.village.pk), "name": "新", "reason": "x"}},
            "investorRegister",
        ),
        (
            AGREEMENT_SET,
            {
                "input": {
                    "investor": gid("Investor", investor.pk),
                    "kind": "FIXED_RETURN",
                    "capitalAmount": "1.00",
                    "rate": "0.01",
                    "effectiveFrom": "2024-01-01",
                    "reason": "x",
                }
            },
            "investorAgreementSet",
        ),
    ]
    # The township officer files distributions but does not keep the village's register.
    for caller in (None, county, other.manager, other.officer, books.officer):
        for query, variables, name in calls:
            body = _as(gql, caller).data(query, variables)[name]
            assert [e["code"] for e in body["errors"]] == ["NOT_PERMITTED"], (caller, name, body)
    assert _register_rows() == before
    # A platform admin may.
    _as(gql, books.admin)
    assert gql.data(*calls[0][:2])["shareRegisterMemberSet"]["errors"] == []


def test_share_register_query_count_is_flat_as_members_grow(gql: GraphQLClient) -> None:
    books = make_books(households=6)
    investor = Investor.objects.create(village=books.village, name="投资方")
    InvestorAgreement.objects.create(
        investor=investor,
        kind="FIXED_RETURN",
        capital_amount="100.00",
        rate="0.05",
        valid_from=date(2020, 1, 1),
    )
    _as(gql, books.manager)
    village = gid("Village", books.village.pk)

    def add_member(i: int) -> None:
        body = gql.data(
            MEMBER_SET,
            {
                "input": _member_input(
                    books,
                    household=gid("Household", books.households[i].pk),
                    personName="张三" if i % 2 else "",
                )
            },
        )
        assert body["shareRegisterMemberSet"]["errors"] == []

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            body = gql(REGISTER, {"village": village, "on": "2024-06-01"})
        assert "errors" not in body, body
        return len(ctx.captured_queries), len(body["data"]["shareRegister"]["holdings"])

    add_member(0)
    one, holdings_one = count()
    for i in range(1, 6):
        add_member(i)
    many, holdings_many = count()
    assert (holdings_one, holdings_many) == (1, 6)
    assert one == many


def test_history_masks_a_persons_name_for_readers_not_entitled(gql: GraphQLClient) -> None:
    books = make_books(households=1)
    _as(gql, books.manager)
    gql.data(MEMBER_SET, {"input": _member_input(books, personName="王小明")})
    village = gid("Village", books.village.pk)
    own = gql.data(REGISTER, {"village": village})["shareRegister"]["history"]
    assert json.loads(own[-1]["after"])["person_name"] == "王小明"
    officer = _as(gql, books.officer).data(REGISTER, {"village": village})["shareRegister"]
    assert json.loads(officer["history"][-1]["after"])["person_name"] == "王**"
    assert "王小明" not in json.dumps(officer, ensure_ascii=False)
