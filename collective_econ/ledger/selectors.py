"""Reading the ledger. Balances are SUMs in SQL over postings, starting from the latest
period close's snapshot so that a report never rescans history already closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from collective_econ.models import (
    Account,
    BalanceSnapshot,
    JournalTransaction,
    PeriodClose,
    Posting,
)

ZERO = Decimal("0.00")


def period_close_latest(*, at_or_before: datetime | None = None) -> PeriodClose | None:
    """The latest close (of a period ending at or before `at_or_before`, when given)."""
    closes = PeriodClose.objects.order_by("-period_end")
    if at_or_before is not None:
        closes = closes.filter(period_end__lte=at_or_before)
    return closes.first()


def account_balances(*, accounts: Iterable[Account]) -> dict[int, Decimal]:
    """Balance (debits minus credits, CNY) of each account: the latest snapshot plus the
    postings dated from its period's end. Three queries, whatever the number of
    accounts."""
    ids = [account.pk for account in accounts]
    balances = dict.fromkeys(ids, ZERO)
    close = period_close_latest()
    postings = Posting.objects.filter(account_id__in=ids, currency="CNY")
    if close is not None:
        postings = postings.filter(transaction__posted_at__gte=close.period_end)
        for account_id, balance in BalanceSnapshot.objects.filter(
            period_close=close, account_id__in=ids, currency="CNY"
        ).values_list("account_id", "balance"):
            balances[account_id] += balance
    for account_id, total in (
        postings.values("account_id")
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


def _in_villages(village_ids: Any, prefix: str = "") -> Q:
    """An account whose village (its own, its household's, its shop's or its investor's)
    is in `village_ids` (ids or a subquery)."""
    return (
        Q(**{f"{prefix}village__in": village_ids})
        | Q(**{f"{prefix}household__village__in": village_ids})
        | Q(**{f"{prefix}shop__village__in": village_ids})
        | Q(**{f"{prefix}investor__village__in": village_ids})
    )


def account_list(
    *,
    village_ids: Any = None,
    kind: str | None = None,
    village_id: int | None = None,
    household_id: int | None = None,
    shop_id: int | None = None,
) -> QuerySet[Account]:
    """Accounts, oldest first; `village_ids` (None: every account, platform ones too)
    limits them to the books of those villages."""
    accounts = Account.objects.order_by("pk")
    if village_ids is not None:
        accounts = accounts.filter(_in_villages(village_ids))
    if kind is not None:
        accounts = accounts.filter(kind=kind)
    if village_id is not None:
        accounts = accounts.filter(_in_villages([village_id]))
    if household_id is not None:
        accounts = accounts.filter(household_id=household_id)
    if shop_id is not None:
        accounts = accounts.filter(shop_id=shop_id)
    return accounts


def transaction_list(
    *,
    village_ids: Any = None,
    kind: str | None = None,
    account_id: int | None = None,
    village_id: int | None = None,
    posted_from: datetime | None = None,
    posted_to: datetime | None = None,
    order_line_id: int | None = None,
) -> QuerySet[JournalTransaction]:
    """Journal transactions, newest first. One is in the books of a village when one of
    its postings is on an account of that village (a subquery, so it is listed once)."""
    entries = JournalTransaction.objects.order_by("-posted_at", "-pk")
    if village_ids is not None:
        entries = entries.filter(
            pk__in=Posting.objects.filter(_in_villages(village_ids, "account__")).values(
                "transaction_id"
            )
        )
    if village_id is not None:
        entries = entries.filter(
            pk__in=Posting.objects.filter(_in_villages([village_id], "account__")).values(
                "transaction_id"
            )
        )
    if account_id is not None:
        entries = entries.filter(
            pk__in=Posting.objects.filter(account_id=account_id).values("transaction_id")
        )
    if kind is not None:
        entries = entries.filter(kind=kind)
    if posted_from is not None:
        entries = entries.filter(posted_at__gte=posted_from)
    if posted_to is not None:
        entries = entries.filter(posted_at__lte=posted_to)
    if order_line_id is not None:
        entries = entries.filter(order_line_id=order_line_id)
    return entries


def account_village_id(account: Account) -> int | None:
    """The village whose books hold `account` (None for a platform account); needs the
    account's household, shop and investor loaded."""
    if account.village_id is not None:
        return account.village_id
    if account.household is not None:
        return account.household.village_id
    if account.shop is not None:
        return account.shop.village_id
    if account.investor is not None:
        return account.investor.village_id
    return None
