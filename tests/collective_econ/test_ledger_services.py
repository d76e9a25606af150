"""Manual entries, reversals, balances and period closes through the services: bad input
gets a coded error and writes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from collective_econ.error_codes import LedgerErrorCode
from collective_econ.ledger.selectors import (
    account_balance,
    account_balance_from_postings,
    account_balances,
)
from collective_econ.ledger.services import (
    account_get_or_create,
    journal_entry_manual,
    period_close_create,
    transaction_reverse,
)
from collective_econ.models import Account, AccountKind, JournalTransaction, Posting

pytestmark = pytest.mark.django_db


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return next(iter(exc.value.error_dict.values()))[0].code


@pytest.fixture
def books(village: Any) -> dict[str, Account]:
    return {
        "alipay": account_get_or_create(kind=AccountKind.ALIPAY_CLEARING),
        "collective": account_get_or_create(
            kind=AccountKind.VILLAGE_COLLECTIVE, owner=village.village
        ),
        "household": account_get_or_create(kind=AccountKind.HOUSEHOLD, owner=village.household),
    }


def test_accounts_are_one_per_kind_and_owner(village: Any, books: dict[str, Account]) -> None:
    again = account_get_or_create(kind=AccountKind.HOUSEHOLD, owner=village.household)
    assert again.pk == books["household"].pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(kind=AccountKind.HOUSEHOLD, household=village.household)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(kind=AccountKind.ALIPAY_CLEARING)


@pytest.mark.parametrize(
    "owner", ["village", "shop", None], ids=["village-owner", "shop-owner", "no-owner"]
)
def test_a_household_account_must_be_owned_by_a_household(village: Any, owner: Any) -> None:
    fields = {"village": village.village, "shop": village.shop}.get(owner or "")
    kwargs = {owner: fields} if owner else {}
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(kind=AccountKind.HOUSEHOLD, **kwargs)


def test_an_account_of_the_wrong_owner_is_a_coded_error(village: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        account_get_or_create(kind=AccountKind.PLATFORM_FEES, owner=village.village)
    assert _code(exc) == LedgerErrorCode.UNKNOWN_ACCOUNT.value
    with pytest.raises(ValidationError) as exc:
        account_get_or_create(kind="NOPE")
    assert _code(exc) == LedgerErrorCode.UNKNOWN_ACCOUNT.value


def test_a_manual_entry_posts_once_per_key(books: dict[str, Account]) -> None:
    legs = [(books["alipay"].pk, "12.50"), (str(books["collective"].pk), "-12.50")]
    first = journal_entry_manual(idempotency_key="a", postings=legs, memo="cash in")
    second = journal_entry_manual(idempotency_key="a", postings=legs, memo="cash in")
    assert first.pk == second.pk
    assert account_balance(account=books["collective"]) == Decimal("-12.50")
    assert Posting.objects.count() == 2


@pytest.mark.parametrize(
    ("postings", "code"),
    [
        ([("alipay", "abc"), ("collective", "-1.00")], LedgerErrorCode.INVALID_AMOUNT),
        ([("alipay", 1.5), ("collective", "-1.50")], LedgerErrorCode.INVALID_AMOUNT),
        ([("alipay", "1.005"), ("collective", "-1.005")], LedgerErrorCode.INVALID_AMOUNT),
        ([("alipay", "NaN"), ("collective", "-1.00")], LedgerErrorCode.INVALID_AMOUNT),
        ([("alipay", "Infinity"), ("collective", "-1")], LedgerErrorCode.INVALID_AMOUNT),
        ([("alipay", None), ("collective", "-1")], LedgerErrorCode.INVALID_AMOUNT),
        ([("alipay", "1e20"), ("collective", "-1e20")], LedgerErrorCode.INVALID_AMOUNT),
        ([(999999, "1.00"), ("collective", "-1.00")], LedgerErrorCode.UNKNOWN_ACCOUNT),
        ([("x", "1.00"), ("collective", "-1.00")], LedgerErrorCode.UNKNOWN_ACCOUNT),
        ([("alipay", "2.00"), ("collective", "-1.00")], LedgerErrorCode.UNBALANCED),
        ([("alipay", "1.00")], LedgerErrorCode.UNBALANCED),
        ([("alipay", "1.00"), ("alipay", "-1.00")], LedgerErrorCode.UNBALANCED),
        ([], LedgerErrorCode.UNBALANCED),
    ],
)
def test_bad_manual_entries_are_coded_and_write_nothing(
    books: dict[str, Account], postings: list[tuple[Any, Any]], code: LedgerErrorCode
) -> None:
    resolved = [(books[a].pk if a in books else a, amount) for a, amount in postings]
    with pytest.raises(ValidationError) as exc:
        journal_entry_manual(idempotency_key="bad", postings=resolved, memo="")
    assert _code(exc) == code.value
    assert not JournalTransaction.objects.exists()
    assert not Posting.objects.exists()


def test_a_reversal_mirrors_the_entry_once(books: dict[str, Account]) -> None:
    entry = journal_entry_manual(
        idempotency_key="r",
        postings=[(books["alipay"], "30.00"), (books["household"], "-30.00")],
        memo="",
    )
    reversal = transaction_reverse(journal_transaction=entry)
    assert transaction_reverse(journal_transaction=entry).pk == reversal.pk
    assert account_balance(account=books["household"]) == Decimal("0.00")
    assert sorted(reversal.postings.values_list("amount", flat=True)) == [
        Decimal("-30.00"),
        Decimal("30.00"),
    ]
    with pytest.raises(ValidationError) as exc:
        transaction_reverse(journal_transaction=reversal)
    assert _code(exc) == LedgerErrorCode.CANNOT_REVERSE_REVERSAL.value


def test_balances_read_the_period_close_then_later_postings(books: dict[str, Account]) -> None:
    def post(key: str, amount: str) -> None:
        journal_entry_manual(
            idempotency_key=key,
            postings=[(books["alipay"], amount), (books["collective"], f"-{amount}")],
            memo="",
        )

    # Closes are of periods long ended: `now` says the reading is an hour after each end.
    def close_now() -> Any:
        end = timezone.now()
        return period_close_create(period_end=end, now=end + timedelta(hours=1))

    post("1", "10.00")
    post("2", "5.25")
    close = close_now()
    assert close.snapshots.get(account=books["collective"]).balance == Decimal("-15.25")
    post("3", "1.10")
    second = close_now()
    assert second.snapshots.get(account=books["collective"]).balance == Decimal("-16.35")
    again = period_close_create(
        period_end=second.period_end, now=timezone.now() + timedelta(hours=1)
    )
    assert again.pk == second.pk  # the same period: the same close
    post("4", "0.01")
    balances = account_balances(accounts=books.values())
    assert balances[books["collective"].pk] == Decimal("-16.36")
    assert balances[books["alipay"].pk] == Decimal("16.36")
    assert balances[books["household"].pk] == Decimal("0.00")
    for account in books.values():
        assert balances[account.pk] == account_balance_from_postings(account=account)


def test_a_balance_after_a_close_reads_only_postings_after_it(
    books: dict[str, Account], django_assert_num_queries: Any
) -> None:
    for i in range(5):
        journal_entry_manual(
            idempotency_key=f"m{i}",
            postings=[(books["alipay"], "1.00"), (books["collective"], "-1.00")],
            memo="",
        )
    end = timezone.now()
    period_close_create(period_end=end, now=end + timedelta(hours=1))
    with django_assert_num_queries(3):
        assert account_balances(accounts=list(books.values()))[books["alipay"].pk] == 5
