"""Two threads, each on its own PostgreSQL connection, record the same transfer success
at once (a replayed answer and the original): one PAYOUT posting, the other changes
nothing. Two clerks paying the last of a balance at once: one of them is refused. And two
takers of the till's last cash at once (two cash payouts, or a payout and a small cash
withdrawal): one of them is refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from collective_econ.ledger.selectors import account_balance, unbalanced_transaction_ids
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import (
    AccountKind,
    JournalTransaction,
    Payout,
    PayoutMethod,
    PayoutStatus,
)
from collective_econ.payouts.alipay_transfer import TransferOutcome, TransferState
from collective_econ.payouts.services import payout_create, payout_record_outcome
from marketplace.accounts.models import Role
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.withdrawals import cash_withdrawal_create
from tests import factories
from tests.agency.world import CARD, agency_sandbox_running, ensure_catalogue
from tests.api_distribution.books import (
    filed_distribution,
    make_books,
    post_collective_income,
    stock_till,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _race(work: Callable[[int], Any], n: int = 2) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(work(i))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def _books() -> Any:
    books = make_books(households=1, shares=["1"])
    post_collective_income(books.village, "100.00")
    filed_distribution(books, reserve="0", welfare="0")
    return books


def _pay_cash(books: Any, household: Any, key: str, amount: str = "70.00") -> Any:
    return payout_create(
        actor=books.manager,
        village=books.village,
        household=household,
        account_kind="MEMBER",
        amount=amount,
        method=PayoutMethod.CASH,
        request_id=key,
        receipt_number=f"RC-{key}",
    )


def _till_is(books: Any, cash: str) -> None:
    till = account_get_or_create(kind=AccountKind.CASH_TILL, owner=books.village)
    assert account_balance(account=till) == Decimal(cash)
    assert unbalanced_transaction_ids() == []


def test_two_threads_completing_the_same_payout_post_once() -> None:
    books = _books()
    payout = payout_create(
        actor=books.manager,
        village=books.village,
        household=books.households[0],
        account_kind="MEMBER",
        amount="60.00",
        method=PayoutMethod.ALIPAY,
        request_id="r",
        payee_logon_id="a@example.cn",
    )
    assert payout.status == PayoutStatus.PENDING
    outcome = TransferOutcome(TransferState.SUCCEEDED, order_id="20260000000000000001")
    results, errors = _race(lambda _: payout_record_outcome(payout_id=payout.pk, outcome=outcome))
    assert errors == []
    assert {r.status for r in results} == {PayoutStatus.SUCCEEDED}
    assert JournalTransaction.objects.filter(kind="PAYOUT").count() == 1
    # A late failure after the success changes nothing.
    late = payout_record_outcome(
        payout_id=payout.pk, outcome=TransferOutcome(TransferState.FAILED, code="X")
    )
    assert late.status == PayoutStatus.SUCCEEDED
    assert unbalanced_transaction_ids() == []


def test_two_clerks_cannot_both_pay_the_last_of_a_balance() -> None:
    books = _books()
    stock_till(books.village, "1000.00")

    results, errors = _race(lambda i: _pay_cash(books, books.households[0], f"clerk-{i}"))
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert Payout.objects.filter(status=PayoutStatus.SUCCEEDED).get().amount == Decimal("70.00")


def test_two_cash_payouts_at_once_cannot_both_empty_the_till() -> None:
    """Two households, each owed 100, paid 70 each at once from a till holding 100: the
    balances allow both, the till only one; the other is refused with a coded error."""
    books = make_books(households=2, shares=["1", "1"])
    post_collective_income(books.village, "200.00")
    filed_distribution(books, reserve="0", welfare="0")
    stock_till(books.village, "100.00")

    results, errors = _race(lambda i: _pay_cash(books, books.households[i], f"till-{i}"))
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert errors[0].error_dict["amount"][0].code == "insufficient_till_cash"
    assert Payout.objects.filter(status=PayoutStatus.SUCCEEDED).count() == 1
    assert JournalTransaction.objects.filter(kind="PAYOUT").count() == 1
    _till_is(books, "30.00")


@pytest.fixture
def agency_sandbox(settings: Any) -> Any:
    with agency_sandbox_running(settings, client_timeout=2.0) as server:
        yield server


def test_a_cash_payout_and_a_cash_withdrawal_at_once_cannot_both_empty_the_till(
    agency_sandbox: Any,
) -> None:
    """The payout takes the lock small cash withdrawals take (the supermarket row), so
    the till's last 100 yuan goes to one of them, never to both."""
    ensure_catalogue()
    books = make_books(households=1, shares=["1"])
    post_collective_income(books.village, "100.00")
    filed_distribution(books, reserve="0", welfare="0")
    supermarket = stock_till(books.village, "100.00")
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=supermarket.shop)
    # Cash goes out only while a till shift is open to count it: stock_till opened one.

    def take_cash(i: int) -> Any:
        if i == 0:
            return _pay_cash(books, books.households[0], "till-payout")
        return cash_withdrawal_create(
            supermarket=supermarket,
            operator=operator,
            request_id="till-withdrawal",
            card_number=CARD,
            amount="70.00",
        )

    results, errors = _race(take_cash)
    assert len(results) == 1 and len(errors) == 1, (results, errors)
    assert isinstance(errors[0], ValidationError)
    assert next(iter(errors[0].error_dict.values()))[0].code in {
        "insufficient_till_cash",
        AgencyErrorCode.NOT_ENOUGH_CASH.value,
    }
    _till_is(books, "30.00")
