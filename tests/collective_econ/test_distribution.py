"""A year's distribution: the lawful order from the ledger's figures, the coded refusals
of §7, the workflow with its events, and filing posting the journal entry once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collective_econ.distribution.services import (
    distribution_approve,
    distribution_create,
    distribution_file,
    distribution_pay,
    distribution_return,
)
from collective_econ.ledger.selectors import account_balance, unbalanced_transaction_ids
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import (
    AccountKind,
    AgreementKind,
    DistributionAllocation,
    DistributionEvent,
    DistributionStatus,
    JournalTransaction,
    PayoutMethod,
)
from collective_econ.payouts.services import payout_create
from collective_econ.shares.services import (
    investor_agreement_set,
    investor_register,
    member_shares_set,
)
from tests.api_distribution.books import (
    BOOK_YEAR,
    THIS_YEAR,
    approve_distribution,
    filed_distribution,
    make_books,
    post_collective_income,
    stock_till,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return next(iter(exc.value.error_dict.values()))[0].code


def _create(books: Any, **kw: Any) -> Any:
    args = {"reserve_fund_percent": "10", "welfare_fund_percent": "5", "reason": "plan"}
    return distribution_create(
        actor=kw.pop("actor", books.manager),
        village=books.village,
        year=kw.pop("year", BOOK_YEAR),
        **{**args, **kw},
    )


def test_the_order_is_losses_funds_investors_members() -> None:
    books = make_books(households=3, shares=["1", "1", "1"])
    post_collective_income(books.village, "-1000.00", year=BOOK_YEAR - 1)
    post_collective_income(books.village, "11000.00")
    investor = investor_register(
        actor=books.manager, village=books.village, name="合作社", reason="capital"
    )
    investor_agreement_set(
        actor=books.manager,
        investor=investor,
        kind=AgreementKind.FIXED_RETURN,
        capital_amount="20000.00",
        rate="0.05",
        valid_from=date(2000, 1, 1),
        reason="5% a year",
    )
    draft = _create(books, reserve_fund_percent="10", welfare_fund_percent="5")
    assert (draft.net_income, draft.opening_undistributed, draft.distributable) == (
        D("11000.00"),
        D("-1000.00"),
        D("10000.00"),
    )
    assert (draft.reserve_amount, draft.welfare_amount) == (D("1000.00"), D("500.00"))
    assert draft.investor_amount == D("1000.00")
    assert draft.member_amount == D("7500.00")
    assert draft.closing_undistributed == D("0.00")
    members = DistributionAllocation.objects.filter(distribution=draft, kind="MEMBER")
    # 7500 over three equal holdings: 2500 each, to the fen.
    assert sorted(m.amount for m in members) == [D("2500.00")] * 3
    assert DistributionEvent.objects.get(distribution=draft).to_status == "DRAFT"


def test_profit_share_investor_takes_its_rate_of_what_the_funds_leave() -> None:
    books = make_books(households=2, shares=["2", "1"])
    post_collective_income(books.village, "1000.00")
    investor = investor_register(
        actor=books.manager, village=books.village, name="投资人", reason="capital"
    )
    investor_agreement_set(
        actor=books.manager,
        investor=investor,
        kind=AgreementKind.PROFIT_SHARE,
        capital_amount="0.00",
        rate="0.2",
        valid_from=date(2000, 1, 1),
        reason="20% of profit",
    )
    draft = _create(
        books, reserve_fund_percent="10", welfare_fund_percent="10", member_amount="500.00"
    )
    assert draft.investor_amount == D("160.00")
    assert draft.member_amount == D("500.00")
    assert draft.closing_undistributed == D("140.00")
    members = DistributionAllocation.objects.filter(distribution=draft, kind="MEMBER")
    assert sorted(m.amount for m in members) == [D("166.67"), D("333.33")]


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"reserve_fund_percent": "-1"}, "invalid_percent"),
        ({"reserve_fund_percent": "101"}, "invalid_percent"),
        ({"reserve_fund_percent": "abc"}, "invalid_percent"),
        ({"reserve_fund_percent": "60", "welfare_fund_percent": "41"}, "invalid_percent"),
        ({"member_amount": "-5.00"}, "invalid_amount"),
        ({"member_amount": "12.345"}, "invalid_amount"),
        ({"member_amount": "99999.00"}, "exceeds_distributable"),
        ({"year": THIS_YEAR}, "year_not_closed"),
        ({"year": THIS_YEAR + 1}, "year_not_closed"),
        ({"year": 1999}, "invalid"),
        ({"year": "soon"}, "invalid"),
        ({"reason": " "}, "invalid"),
    ],
)
def test_bad_input_is_coded_and_nothing_is_written(kw: dict[str, Any], code: str) -> None:
    books = make_books(households=1, shares=["1"])
    post_collective_income(books.village, "100.00")
    with pytest.raises(ValidationError) as exc:
        _create(books, **kw)
    assert _code(exc) == code
    assert not books.village.distributions.exists()


def test_a_share_table_with_no_members_is_refused() -> None:
    books = make_books(households=2)
    post_collective_income(books.village, "100.00")
    with pytest.raises(ValidationError) as exc:
        _create(books)
    assert _code(exc) == "no_members"


def test_nothing_to_distribute_after_losses() -> None:
    books = make_books(households=1, shares=["1"])
    post_collective_income(books.village, "-500.00", year=BOOK_YEAR - 2)
    post_collective_income(books.village, "300.00")
    with pytest.raises(ValidationError) as exc:
        _create(books)
    assert _code(exc) == "nothing_to_distribute"


def test_one_distribution_a_year() -> None:
    books = make_books(households=1, shares=["1"])
    post_collective_income(books.village, "100.00")
    _create(books)
    with pytest.raises(ValidationError) as exc:
        _create(books)
    assert _code(exc) == "already_exists"


def test_workflow_records_every_step_and_refuses_out_of_order() -> None:
    books = make_books(households=2, shares=["3", "1"])
    post_collective_income(books.village, "2000.00")
    draft = _create(books)
    with pytest.raises(ValidationError) as exc:
        distribution_file(actor=books.officer, distribution=draft, reason="too early")
    assert _code(exc) == "invalid_transition"
    distribution_approve(
        actor=books.manager,
        distribution=draft,
        assembly_date=timezone.localdate(),
        attendance=41,
        resolution="成员大会表决通过",
    )
    assert JournalTransaction.objects.filter(kind="DISTRIBUTION").count() == 0
    with pytest.raises(ValidationError) as exc:
        distribution_approve(
            actor=books.manager,
            distribution=draft,
            assembly_date=timezone.localdate(),
            attendance=41,
            resolution="again",
        )
    assert _code(exc) == "invalid_transition"
    filed = distribution_file(actor=books.officer, distribution=draft, reason="reviewed")
    with pytest.raises(ValidationError) as exc:
        distribution_file(actor=books.officer, distribution=draft, reason="twice")
    assert _code(exc) == "invalid_transition"
    assert JournalTransaction.objects.filter(kind="DISTRIBUTION").count() == 1
    assert filed.status == DistributionStatus.FILED
    events = list(DistributionEvent.objects.filter(distribution=draft).order_by("pk"))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("create", "", "DRAFT"),
        ("approve", "DRAFT", "APPROVED"),
        ("file", "APPROVED", "FILED"),
    ]
    assert [e.actor for e in events] == [books.manager, books.manager, books.officer]


def test_filing_posts_collective_to_funds_investors_and_members() -> None:
    books = make_books(households=2, shares=["3", "1"])
    post_collective_income(books.village, "2000.00")
    filed = filed_distribution(books, reserve="10", welfare="5")
    village = books.village
    assert unbalanced_transaction_ids() == []

    def balance(kind: str, owner: Any) -> Decimal:
        return account_balance(account=account_get_or_create(kind=kind, owner=owner))

    assert balance(AccountKind.RESERVE_FUND, village) == D("-200.00")
    assert balance(AccountKind.WELFARE_FUND, village) == D("-100.00")
    assert balance(AccountKind.MEMBER, books.households[0]) == D("-1275.00")
    assert balance(AccountKind.MEMBER, books.households[1]) == D("-425.00")
    assert balance(AccountKind.VILLAGE_COLLECTIVE, village) == D("0.00")
    assert filed.journal_transaction.idempotency_key == f"distribution:{filed.pk}"


def test_roles_each_step_is_refused_to_the_wrong_people() -> None:
    books = make_books(households=1, shares=["1"])
    other = make_books(households=0)
    post_collective_income(books.village, "100.00")
    for actor in (other.manager, books.officer, None):
        with pytest.raises(ValidationError) as exc:
            _create(books, actor=actor)
        assert _code(exc) == "not_permitted"
    draft = _create(books)
    with pytest.raises(ValidationError) as exc:
        distribution_approve(
            actor=other.manager,
            distribution=draft,
            assembly_date=timezone.localdate(),
            attendance=3,
            resolution="x",
        )
    assert _code(exc) == "not_permitted"
    distribution_approve(
        actor=books.manager,
        distribution=draft,
        assembly_date=timezone.localdate(),
        attendance=3,
        resolution="x",
    )
    for actor in (books.manager, other.officer):
        with pytest.raises(ValidationError) as exc:
            distribution_file(actor=actor, distribution=draft, reason="x")
        assert _code(exc) == "not_permitted"
    distribution_file(actor=books.admin, distribution=draft, reason="county files")


def test_paid_once_every_member_is_paid_out() -> None:
    books = make_books(households=2, shares=["1", "1"])
    post_collective_income(books.village, "200.00")
    filed = filed_distribution(books, reserve="0", welfare="0")
    with pytest.raises(ValidationError) as exc:
        distribution_pay(actor=books.manager, distribution=filed, reason="paid")
    assert _code(exc) == "payouts_outstanding"
    stock_till(books.village, "200.00")
    for i, household in enumerate(books.households):
        payout_create(
            actor=books.manager,
            village=books.village,
            household=household,
            account_kind="MEMBER",
            amount="100.00",
            method=PayoutMethod.CASH,
            request_id=f"cash-{i}",
            receipt_number=f"R-{filed.pk}-{i}",
        )
    paid = distribution_pay(actor=books.manager, distribution=filed, reason="all paid in cash")
    assert paid.status == DistributionStatus.PAID


def test_the_current_year_is_not_distributed_even_with_income() -> None:
    books = make_books(households=1, shares=["1"])
    post_collective_income(books.village, "100.00", year=THIS_YEAR)
    with pytest.raises(ValidationError) as exc:
        _create(books, year=THIS_YEAR)
    assert _code(exc) == "year_not_closed"
    assert not books.village.distributions.exists()


def _approved(books: Any) -> Any:
    return approve_distribution(books, _create(books))


@pytest.mark.parametrize("late_posting", ["250.00", "-40.00"])
def test_filing_refuses_a_plan_the_books_have_moved_under(late_posting: str) -> None:
    books = make_books(households=2, shares=["1", "1"])
    post_collective_income(books.village, "1000.00")
    approved = _approved(books)
    # New income, or a clawback, posted to the year after the assembly approved it.
    post_collective_income(books.village, late_posting)
    with pytest.raises(ValidationError) as exc:
        distribution_file(actor=books.officer, distribution=approved, reason="reviewed")
    assert _code(exc) == "stale_plan"
    approved.refresh_from_db()
    assert approved.status == DistributionStatus.APPROVED
    assert not JournalTransaction.objects.filter(kind="DISTRIBUTION").exists()


def test_filing_refuses_when_the_losses_leave_nothing_to_distribute() -> None:
    books = make_books(households=1, shares=["1"])
    post_collective_income(books.village, "100.00")
    approved = _approved(books)
    post_collective_income(books.village, "-300.00")
    with pytest.raises(ValidationError) as exc:
        distribution_file(actor=books.officer, distribution=approved, reason="reviewed")
    assert _code(exc) == "stale_plan"


def test_filing_refuses_when_the_register_changed_since_the_draft() -> None:
    books = make_books(households=2, shares=["1", "1"])
    post_collective_income(books.village, "1000.00")
    draft = _create(books)
    # Allowed while the plan is a draft (the register closes at approval); the draft's
    # figures are then out of date, which filing must notice.
    member_shares_set(
        actor=books.manager,
        member=books.members[0],
        shares="3",
        valid_from=date(BOOK_YEAR, 6, 1),
        reason="register corrected",
    )
    approved = approve_distribution(books, draft)
    with pytest.raises(ValidationError) as exc:
        distribution_file(actor=books.officer, distribution=approved, reason="reviewed")
    assert _code(exc) == "stale_plan"


def test_a_stale_plan_is_returned_and_redrafted_then_files() -> None:
    books = make_books(households=2, shares=["1", "1"])
    post_collective_income(books.village, "1000.00")
    approved = _approved(books)
    post_collective_income(books.village, "200.00")
    distribution_return(actor=books.officer, distribution=approved, reason="figures moved")
    redrafted = _approved(books)
    assert redrafted.distributable == D("1200.00")
    filed = distribution_file(actor=books.officer, distribution=redrafted, reason="reviewed")
    assert filed.status == DistributionStatus.FILED
