"""Payouts through the local Alipay sandbox (a real HTTP server speaking
alipay.fund.trans.uni.transfer and .common.query) and in cash: success, refusal, a lost
answer, retries with the same out_biz_no, and the coded refusals of §7."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from collective_econ.ledger.selectors import account_balance, unbalanced_transaction_ids
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import (
    AccountKind,
    JournalTransaction,
    Payout,
    PayoutMethod,
    PayoutStatus,
)
from collective_econ.payouts.alipay_transfer import AlipayTransferAdapter
from collective_econ.payouts.services import balance_due, payout_create, payout_retry
from marketplace.payments.alipay.sandbox import AlipaySandbox
from tests.api_distribution.books import Books, filed_distribution, make_books, stock_till
from tests.api_distribution.books import post_collective_income as income
from tests.payments.alipay.conftest import APP_ID, SELLER_ID, make_gateway

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(scope="module")
def alipay_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from marketplace.payments.alipay import keys

    directory = tmp_path_factory.mktemp("alipay-transfers")
    keys.ensure_key_pair(directory, keys.APP_KEY_NAME)
    keys.ensure_key_pair(directory, keys.SANDBOX_KEY_NAME)
    return directory


@pytest.fixture
def sandbox(alipay_keys: Path) -> Iterator[AlipaySandbox]:
    with AlipaySandbox(data_dir=alipay_keys, app_id=APP_ID, seller_id=SELLER_ID, port=0) as box:
        yield box


@pytest.fixture
def adapter(alipay_keys: Path, sandbox: AlipaySandbox) -> AlipayTransferAdapter:
    return AlipayTransferAdapter(make_gateway(alipay_keys, sandbox.gateway_url))


@pytest.fixture
def books() -> Books:
    books = make_books(households=2, shares=["1", "1"])
    income(books.village, "300.00")
    filed_distribution(books, reserve="0", welfare="0")  # 150.00 to each member household
    return books


def _pay(books: Books, adapter: Any, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "actor": books.manager,
        "village": books.village,
        "household": books.households[0],
        "account_kind": "MEMBER",
        "amount": "100.00",
        "method": PayoutMethod.ALIPAY,
        "request_id": "req-1",
        "payee_logon_id": "li.xiaomei@example.cn",
        "adapter": adapter,
    }
    return payout_create(**{**args, **kw})


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return next(iter(exc.value.error_dict.values()))[0].code


def _member_balance(books: Books, i: int = 0) -> Decimal:
    return account_balance(
        account=account_get_or_create(kind=AccountKind.MEMBER, owner=books.households[i])
    )


def test_alipay_transfer_succeeds_and_posts_once(
    books: Books, adapter: Any, sandbox: AlipaySandbox
) -> None:
    payout = _pay(books, adapter)
    assert payout.status == PayoutStatus.SUCCEEDED and payout.alipay_order_id
    assert _member_balance(books) == D("-50.00")
    assert payout.journal_transaction.idempotency_key == f"payout:{payout.pk}"
    assert sandbox.transfers.transfer(payout.out_biz_no).amount == "100.00"
    # The same request again: the same payout, nothing sent, nothing posted.
    again = _pay(books, adapter)
    assert again.pk == payout.pk
    assert sandbox.transfers.money_moved == 1
    assert JournalTransaction.objects.filter(kind="PAYOUT").count() == 1
    assert unbalanced_transaction_ids() == []


def test_payee_not_exist_fails_visibly_and_retries_with_the_same_out_biz_no(
    books: Books, adapter: Any, sandbox: AlipaySandbox
) -> None:
    sandbox.transfers.unknown_payees.add("nobody@example.cn")
    failed = _pay(books, adapter, payee_logon_id="nobody@example.cn")
    assert failed.status == PayoutStatus.FAILED
    assert failed.failure_code == "PAYEE_NOT_EXIST"
    assert failed.journal_transaction is None and _member_balance(books) == D("-150.00")
    # A failed payout holds nothing back: the full balance is still due.
    assert balance_due(household=books.households[0], account_kind="MEMBER") == D("150.00")
    retried = payout_retry(
        actor=books.manager, payout=failed, adapter=adapter, payee_logon_id="li.xiaomei@example.cn"
    )
    assert retried.status == PayoutStatus.SUCCEEDED
    assert retried.out_biz_no == failed.out_biz_no and retried.attempts == 2
    assert _member_balance(books) == D("-50.00")


def test_a_lost_answer_is_asked_about_and_never_paid_twice(
    books: Books, adapter: Any, sandbox: AlipaySandbox
) -> None:
    sandbox.transfers.lose_next_replies(1)
    unknown = _pay(books, adapter)
    assert unknown.status == PayoutStatus.UNKNOWN
    # In flight: its amount is held back from the balance due.
    assert balance_due(household=books.households[0], account_kind="MEMBER") == D("50.00")
    done = payout_retry(actor=books.manager, payout=unknown, adapter=adapter)
    assert done.status == PayoutStatus.SUCCEEDED
    assert sandbox.transfers.money_moved == 1
    assert JournalTransaction.objects.filter(kind="PAYOUT").count() == 1
    with pytest.raises(ValidationError) as exc:
        payout_retry(actor=books.manager, payout=done, adapter=adapter)
    assert _code(exc) == "not_retryable"


def test_a_system_error_before_anything_moved_is_sent_again(
    books: Books, adapter: Any, sandbox: AlipaySandbox
) -> None:
    sandbox.inject_error("alipay.fund.trans.uni.transfer")
    unknown = _pay(books, adapter)
    assert unknown.status == PayoutStatus.UNKNOWN and sandbox.transfers.money_moved == 0
    done = payout_retry(actor=books.manager, payout=unknown, adapter=adapter)
    assert done.status == PayoutStatus.SUCCEEDED and sandbox.transfers.money_moved == 1


def test_cash_payout_of_a_household_balance_posts_to_the_till(books: Books) -> None:
    household = books.households[1]
    # A household's sales balance, as settlement would leave it.
    from collective_econ.ledger.services import Leg, journal_post

    journal_post(
        kind="MANUAL",
        idempotency_key="sale-balance",
        legs=[
            Leg(account_get_or_create(kind=AccountKind.ALIPAY_CLEARING), D("80.00")),
            Leg(account_get_or_create(kind=AccountKind.HOUSEHOLD, owner=household), D("-80.00")),
        ],
    )
    stock_till(books.village, "100.00")
    payout = payout_create(
        actor=books.manager,
        village=books.village,
        household=household,
        account_kind="HOUSEHOLD",
        amount="80.00",
        method=PayoutMethod.CASH,
        request_id="cash-1",
        receipt_number="HS-0001",
    )
    assert payout.status == PayoutStatus.SUCCEEDED
    till = account_get_or_create(kind=AccountKind.CASH_TILL, owner=books.village)
    assert account_balance(account=till) == D("20.00")
    with pytest.raises(ValidationError) as exc:
        payout_create(
            actor=books.manager,
            village=books.village,
            household=household,
            account_kind="MEMBER",
            amount="1.00",
            method=PayoutMethod.CASH,
            request_id="cash-2",
            receipt_number="HS-0001",
        )
    assert _code(exc) == "receipt_taken"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"amount": "0"}, "invalid_amount"),
        ({"amount": "-5.00"}, "invalid_amount"),
        ({"amount": "ten"}, "invalid_amount"),
        ({"amount": "150.01"}, "exceeds_balance"),
        ({"payee_logon_id": ""}, "invalid"),
        ({"method": PayoutMethod.CASH}, "invalid"),
        ({"account_kind": "SHOP"}, "invalid"),
        ({"request_id": ""}, "invalid"),
    ],
)
def test_bad_payouts_are_coded_and_nothing_is_written(
    books: Books, adapter: Any, sandbox: AlipaySandbox, kw: dict[str, Any], code: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        _pay(books, adapter, **kw)
    assert _code(exc) == code
    assert sandbox.transfers.money_moved == 0
    assert not JournalTransaction.objects.filter(kind="PAYOUT").exists()


def test_another_villages_household_and_other_people_are_refused(
    books: Books, adapter: Any
) -> None:
    other = make_books(households=1)
    with pytest.raises(ValidationError) as exc:
        _pay(books, adapter, household=other.households[0])
    assert _code(exc) == "wrong_village"
    for actor in (other.manager, books.officer, None):
        with pytest.raises(ValidationError) as exc:
            _pay(books, adapter, actor=actor)
        assert _code(exc) == "not_permitted"


def _cash(books: Books, amount: str, i: int = 0) -> Any:
    return payout_create(
        actor=books.manager,
        village=books.village,
        household=books.households[i],
        account_kind="MEMBER",
        amount=amount,
        method=PayoutMethod.CASH,
        request_id=f"till-{i}-{amount}",
        receipt_number=f"TILL-{i}-{amount}",
    )


def test_cash_payout_beyond_the_till_is_refused_and_writes_nothing(books: Books) -> None:
    stock_till(books.village, "100.00")
    with pytest.raises(ValidationError) as exc:
        _cash(books, "100.01")
    assert _code(exc) == "insufficient_till_cash"
    assert not Payout.objects.exists()
    assert not JournalTransaction.objects.filter(kind="PAYOUT").exists()
    # Exactly what the till holds is paid; then the till is empty for the next household.
    assert _cash(books, "100.00").status == PayoutStatus.SUCCEEDED
    with pytest.raises(ValidationError) as exc:
        _cash(books, "0.01", i=1)
    assert _code(exc) == "insufficient_till_cash"
    till = account_get_or_create(kind=AccountKind.CASH_TILL, owner=books.village)
    assert account_balance(account=till) == D("0.00")


def test_alipay_payouts_do_not_need_the_till(books: Books, adapter: Any) -> None:
    payout = payout_create(
        actor=books.manager,
        village=books.village,
        household=books.households[0],
        account_kind="MEMBER",
        amount="150.00",
        method=PayoutMethod.ALIPAY,
        request_id="ali-no-till",
        payee_logon_id="payee@example.cn",
        adapter=adapter,
    )
    assert payout.status == PayoutStatus.SUCCEEDED


def test_a_village_without_a_red_supermarket_cannot_pay_cash(books: Books) -> None:
    with pytest.raises(ValidationError) as exc:
        _cash(books, "1.00")
    assert _code(exc) == "no_supermarket"
    assert not Payout.objects.exists()
