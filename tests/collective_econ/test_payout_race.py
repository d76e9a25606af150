"""Two threads, each on its own PostgreSQL connection, record the same transfer success
at once (a replayed answer and the original): one PAYOUT posting, the other changes
nothing. And two clerks paying the last of a balance at once: one of them is refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from collective_econ.ledger.selectors import unbalanced_transaction_ids
from collective_econ.models import JournalTransaction, Payout, PayoutMethod, PayoutStatus
from collective_econ.payouts.alipay_transfer import TransferOutcome, TransferState
from collective_econ.payouts.services import payout_create, payout_record_outcome
from tests.api_distribution.books import filed_distribution, make_books, post_collective_income

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

    def pay(i: int) -> Any:
        return payout_create(
            actor=books.manager,
            village=books.village,
            household=books.households[0],
            account_kind="MEMBER",
            amount="70.00",
            method=PayoutMethod.CASH,
            request_id=f"clerk-{i}",
            receipt_number=f"RC-{i}",
        )

    results, errors = _race(pay)
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert Payout.objects.filter(status=PayoutStatus.SUCCEEDED).get().amount == Decimal("70.00")
