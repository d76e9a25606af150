"""Payouts left PENDING by a process that died during the Alipay transfer call: the sweep
(beat task collective_econ.recover_stuck_payouts) asks Alipay about each one quiet for
longer than PAYOUT_PENDING_RECOVER_AFTER_MINUTES and records the answer once: a transfer
that went through is posted once, one that never arrived becomes UNKNOWN (still reserved,
retryable); fresh payouts and payouts answered meanwhile are left alone. Proven against
the local sandbox, by two sweeps racing on real PostgreSQL, and by a real worker."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from collective_econ import tasks
from collective_econ.models import JournalTransaction, Payout, PayoutMethod, PayoutStatus
from collective_econ.payouts.alipay_transfer import (
    AlipayTransferAdapter,
    TransferOutcome,
    TransferState,
    transfer_adapter_from_settings,
)
from collective_econ.payouts.services import (
    balance_due,
    payout_create,
    payout_record_outcome,
    payout_recover_stuck,
    payout_retry,
    payouts_recover_stuck,
)
from marketplace.payments.alipay.sandbox import AlipaySandbox
from tests.api_distribution.books import Books, filed_distribution, make_books, stock_till
from tests.api_distribution.books import post_collective_income as income
from tests.api_distribution.conftest import settings_sandbox  # noqa: F401  (fixture)
from tests.celery_worker import wait_for
from tests.collective_econ.test_payouts import adapter, alipay_keys, sandbox  # noqa: F401

D = Decimal
STUCK_FOR = timedelta(minutes=settings.PAYOUT_PENDING_RECOVER_AFTER_MINUTES + 1)


def _books() -> Books:
    books = make_books(households=2, shares=["1", "1"])
    income(books.village, "300.00")
    filed_distribution(books, reserve="0", welfare="0")  # 150.00 to each member household
    return books


def _stuck(
    books: Books, sent_with: AlipayTransferAdapter | None, *, i: int = 0, amount: str = "100.00"
) -> Payout:
    """A payout whose process died during the transfer call: sent (to Alipay when an
    adapter is given, else lost on the way), its answer never recorded, quiet since."""
    payout = payout_create(
        actor=books.manager,
        village=books.village,
        household=books.households[i],
        account_kind="MEMBER",
        amount=amount,
        method=PayoutMethod.ALIPAY,
        request_id=f"stuck-{books.village.pk}-{i}",
        payee_logon_id=f"member{i}@example.cn",
    )
    if sent_with is not None:
        sent_with.transfer(
            out_biz_no=payout.out_biz_no,
            amount=payout.amount,
            payee_logon_id=payout.payee_logon_id,
            payee_name="",
            title="payout",
        )
    Payout.objects.filter(pk=payout.pk).update(attempts=1, last_sent_at=timezone.now() - STUCK_FOR)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING
    return payout


def _payout_entries() -> int:
    return JournalTransaction.objects.filter(kind="PAYOUT").count()


@pytest.mark.django_db
def test_a_transfer_that_went_through_is_recorded_once(
    adapter: AlipayTransferAdapter,  # noqa: F811  (fixture)
    sandbox: AlipaySandbox,  # noqa: F811  (fixture)
) -> None:
    books = _books()
    payout = _stuck(books, adapter)
    assert payouts_recover_stuck(adapter=adapter) == {"SUCCEEDED": 1}
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SUCCEEDED and payout.alipay_order_id
    assert _payout_entries() == 1
    assert balance_due(household=books.households[0], account_kind="MEMBER") == D("50.00")
    # Run again, and replay the answer: nothing more is posted, nothing is sent.
    assert payouts_recover_stuck(adapter=adapter) == {}
    payout_recover_stuck(payout_id=payout.pk, adapter=adapter, older_than=timezone.now())
    assert _payout_entries() == 1
    assert sandbox.transfers.money_moved == 1


@pytest.mark.django_db
def test_a_transfer_that_never_arrived_becomes_unknown_and_a_retry_sends_it(
    adapter: AlipayTransferAdapter,  # noqa: F811  (fixture)
    sandbox: AlipaySandbox,  # noqa: F811  (fixture)
) -> None:
    books = _books()
    payout = _stuck(books, None)
    assert payouts_recover_stuck(adapter=adapter) == {"UNKNOWN": 1}
    payout.refresh_from_db()
    assert (payout.status, payout.failure_code) == (PayoutStatus.UNKNOWN, "ORDER_NOT_EXIST")
    assert _payout_entries() == 0 and sandbox.transfers.money_moved == 0
    # Still in flight: the 100.00 stays reserved until the retry settles it.
    assert balance_due(household=books.households[0], account_kind="MEMBER") == D("50.00")
    retried = payout_retry(actor=books.manager, payout=payout, adapter=adapter)
    assert retried.status == PayoutStatus.SUCCEEDED and retried.attempts == 2
    assert _payout_entries() == 1 and sandbox.transfers.money_moved == 1


@pytest.mark.django_db
def test_fresh_cash_and_already_answered_payouts_are_left_alone(
    adapter: AlipayTransferAdapter,  # noqa: F811  (fixture)
    sandbox: AlipaySandbox,  # noqa: F811  (fixture)
) -> None:
    books = _books()
    fresh = payout_create(
        actor=books.manager,
        village=books.village,
        household=books.households[0],
        account_kind="MEMBER",
        amount="10.00",
        method=PayoutMethod.ALIPAY,
        request_id="fresh",
        payee_logon_id="fresh@example.cn",
    )
    stock_till(books.village)
    cash = payout_create(
        actor=books.manager,
        village=books.village,
        household=books.households[1],
        account_kind="MEMBER",
        amount="10.00",
        method=PayoutMethod.CASH,
        request_id="cash",
        receipt_number="RC-1",
    )
    answered = _stuck(books, None, i=1, amount="20.00")
    # Its own process answers (refused) just before the sweep looks at it.
    payout_record_outcome(
        payout_id=answered.pk,
        outcome=TransferOutcome(TransferState.FAILED, code="PAYEE_NOT_EXIST"),
    )
    assert payouts_recover_stuck(adapter=adapter) == {}
    again = payout_recover_stuck(payout_id=answered.pk, adapter=adapter, older_than=timezone.now())
    assert (again.status, again.failure_code) == (PayoutStatus.FAILED, "PAYEE_NOT_EXIST")
    assert Payout.objects.get(pk=fresh.pk).status == PayoutStatus.PENDING
    assert Payout.objects.get(pk=cash.pk).status == PayoutStatus.SUCCEEDED
    assert _payout_entries() == 1  # the cash payout's own


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_record_each_payout_once(
    adapter: AlipayTransferAdapter,  # noqa: F811  (fixture)
    sandbox: AlipaySandbox,  # noqa: F811  (fixture)
) -> None:
    books = _books()
    stuck = [_stuck(books, adapter, i=i) for i in range(2)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait()
            payouts_recover_stuck(adapter=adapter)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {Payout.objects.get(pk=p.pk).status for p in stuck} == {PayoutStatus.SUCCEEDED}
    assert _payout_entries() == 2
    assert sandbox.transfers.money_moved == 2


@pytest.mark.django_db(transaction=True)
def test_the_worker_recovers_a_stuck_payout(
    settings_sandbox: Any,  # noqa: F811  (fixture)
    celery_worker: Any,
) -> None:
    books = _books()
    payout = _stuck(books, transfer_adapter_from_settings())
    result = tasks.recover_stuck_payouts.delay()
    assert result.id  # queued for the worker, not run here
    wait_for(lambda: Payout.objects.get(pk=payout.pk).status == PayoutStatus.SUCCEEDED)
    assert _payout_entries() == 1
    assert settings_sandbox.transfers.money_moved == 1


def test_beat_sweeps_stuck_payouts() -> None:
    from marketplace.celery import app

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "collective_econ.recover_stuck_payouts" in schedule
    assert "collective_econ.recover_stuck_payouts" in app.tasks
