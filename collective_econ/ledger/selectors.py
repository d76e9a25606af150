"""Reading the ledger. Balances are SUMs in SQL over postings, starting from the latest
period close's snapshot so that a report never rescans history already closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import QuerySet, Sum

from collective_econ.models import (
    Account,
    BalanceSnapshot,
    JournalTransaction,
    PeriodClose,
    Posting,
)

ZERO = Decimal("0.00")


def period_close_latest() -> PeriodClose | None:
    return PeriodClose.objects.order_by("-through_posting_id").first()


def account_balances(*, accounts: Iterable[Account]) -> dict[int, Decimal]:
    """Balance (debits minus credits, CNY) of each account: the latest snapshot plus the
    postings after it. Two queries, whatever the number of accounts."""
    ids = [account.pk for account in accounts]
    balances = dict.fromkeys(ids, ZERO)
    close = period_close_latest()
    after = 0
    if close is not None:
        after = close.through_posting_id
        for account_id, balance in BalanceSnapshot.objects.filter(
            period_close=close, account_id__in=ids, currency="CNY"
        ).values_list("account_id", "balance"):
            balances[account_id] += balance
    for account_id, total in (
        Posting.objects.filter(account_id__in=ids, currency="CNY", pk__gt=after)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    ):
        balances[account_id] += total
    return balances


def account_balance(*, account: Account) -> Decimal:
    return account_balances(accounts=[account])[account.pk]


def account_balance_from_postings(*, account: Account) -> Decimal:
    """The same balance summed over every posting: what reconciliation checks a close
    against."""
    total = Posting.objects.filter(account=account, currency="CNY").aggregate(t=Sum("amount"))["t"]
    return total or ZERO


def unbalanced_transaction_ids() -> list[int]:
    """Transactions whose postings do not sum to zero per currency (the trigger makes this
    empty; reconciliation and the fault drill assert it)."""
    return list(
        Posting.objects.values("transaction_id", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values_list("transaction_id", flat=True)
    )


def journal_transactions_for_line(*, order_line_id: int) -> QuerySet[JournalTransaction]:
    return JournalTransaction.objects.filter(order_line_id=order_line_id).order_by("pk")
