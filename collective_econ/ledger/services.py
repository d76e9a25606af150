"""Writing to the ledger. Every write is one journal transaction whose postings sum to zero;
the database refuses anything else at commit, and these services refuse it earlier with a
coded error so that bad input never reaches the trigger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Model, Sum
from django.utils import timezone

from collective_econ.error_codes import LedgerErrorCode
from collective_econ.ledger.selectors import ZERO, period_close_latest
from collective_econ.models import (
    HOUSEHOLD_OWNED_KINDS,
    INVESTOR_OWNED_KINDS,
    PLATFORM_OWNED_KINDS,
    SHOP_OWNED_KINDS,
    VILLAGE_OWNED_KINDS,
    Account,
    AccountKind,
    BalanceSnapshot,
    JournalKind,
    JournalTransaction,
    PeriodClose,
    Posting,
)
from marketplace.accounts.permissions import role_scopes
from marketplace.audit.models import AuditAction
from marketplace.audit.services import audit_record
from marketplace.core.errors import refuse

if TYPE_CHECKING:
    from marketplace.accounts.models import User

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")

# "ledger-accounts" as a number: the advisory lock every creator of accounts holds.
_ACCOUNT_CREATION_LOCK_KEY = 0x4C454447


def lock_account_creation() -> None:
    """Hold, until the caller's transaction ends, the one lock under which accounts are
    created. Settlers create a line's accounts inside the transaction that posts it, in
    whatever order its legs name them; two settlers creating two new accounts in opposite
    orders would each wait on the other's uncommitted index entry and deadlock. Creating
    accounts is rare (once per household, village and kind), so queueing the creators
    costs nothing while the common path, reading existing accounts, takes no lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ACCOUNT_CREATION_LOCK_KEY])


@dataclass(frozen=True)
class Leg:
    """One intended posting: `amount` > 0 debits, < 0 credits."""

    account: Account
    amount: Decimal
    currency: str = "CNY"


def parse_amount(value: Any, *, field: str = "amount", positive: bool = False) -> Decimal:
    """A CNY amount from user input: a Decimal, int or numeric string with at most 2
    places. Floats are refused: a balance never comes from binary fractions."""
    if isinstance(value, (bool, float)) or value is None:
        raise refuse(field, f"{value!r} is not an amount in yuan.", LedgerErrorCode.INVALID_AMOUNT)
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise refuse(
            field, f"{value!r} is not an amount in yuan.", LedgerErrorCode.INVALID_AMOUNT
        ) from None
    if not amount.is_finite() or amount != amount.quantize(CENT) or abs(amount) > MAX_AMOUNT:
        raise refuse(
            field,
            f"{value!r} is not an amount in yuan with at most 2 decimal places.",
            LedgerErrorCode.INVALID_AMOUNT,
        )
    if positive and amount <= 0:
        raise refuse(field, "The amount must be more than zero.", LedgerErrorCode.INVALID_AMOUNT)
    return amount.quantize(CENT)


def split_by_weight(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` split in proportion to `weights`, in fen, by largest remainder: the parts
    always add up to `total` exactly (ties go to the earlier part)."""
    fen = int((total / CENT).to_integral_value())
    weight_sum = sum(weights)
    if weight_sum == 0 or fen == 0:
        return [ZERO for _ in weights] if weights else []
    exact = [Decimal(fen) * w / weight_sum for w in weights]
    parts = [int(x.to_integral_value(rounding="ROUND_FLOOR")) for x in exact]
    left = fen - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [Decimal(p) * CENT for p in parts]


def account_get_or_create(*, kind: str, owner: Model | None = None) -> Account:
    """The one account of `kind` for `owner` (a Household, Village, Shop or Investor, or None for a
    platform-wide kind), created on first use. Safe under concurrency: the partial UNIQUE
    indexes make a second creator fail, and it then reads the winner's row."""
    owner_field = _owner_field(kind)
    if (owner_field is None) != (owner is None):
        raise refuse(
            "owner", f"An account of kind {kind} needs its owner.", LedgerErrorCode.UNKNOWN_ACCOUNT
        )
    if owner is not None and owner._meta.model_name != owner_field:
        raise refuse(
            "owner",
            f"An account of kind {kind} is owned by a {owner_field}.",
            LedgerErrorCode.UNKNOWN_ACCOUNT,
        )
    lookup: dict[str, Any] = {"kind": kind}
    if owner_field is not None:
        lookup[owner_field] = owner
    else:
        lookup.update(household=None, village=None, shop=None, investor=None)
    account = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    lock_account_creation()
    try:
        with transaction.atomic():
            return Account.objects.create(**{k: v for k, v in lookup.items() if v is not None})
    except IntegrityError:
        return Account.objects.get(**lookup)


def _owner_field(kind: str) -> str | None:
    if kind in HOUSEHOLD_OWNED_KINDS:
        return "household"
    if kind in VILLAGE_OWNED_KINDS:
        return "village"
    if kind in SHOP_OWNED_KINDS:
        return "shop"
    if kind in INVESTOR_OWNED_KINDS:
        return "investor"
    if kind in PLATFORM_OWNED_KINDS:
        return None
    raise refuse("kind", f"{kind!r} is not an account kind.", LedgerErrorCode.UNKNOWN_ACCOUNT)


def check_legs(legs: Sequence[Leg]) -> list[Leg]:
    """Refuse an entry the balance trigger would refuse, with a coded error instead."""
    merged: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for leg in legs:
        if leg.currency != "CNY":
            raise refuse(
                "currency",
                f"{leg.currency!r}: the ledger is in CNY.",
                LedgerErrorCode.INVALID_CURRENCY,
            )
        merged[(leg.account.pk, leg.currency)] += leg.amount
    accounts = {leg.account.pk: leg.account for leg in legs}
    kept = [Leg(accounts[pk], amount, cur) for (pk, cur), amount in merged.items() if amount != 0]
    if len(kept) < 2 or sum(leg.amount for leg in kept) != 0:
        raise refuse(
            "postings",
            "A journal entry needs at least two postings that sum to zero "
            f"(these sum to {sum(leg.amount for leg in legs)}).",
            LedgerErrorCode.UNBALANCED,
        )
    return kept


def journal_post(
    *,
    kind: str,
    idempotency_key: str,
    legs: Iterable[Leg],
    memo: str = "",
    order_line_id: int | None = None,
    reverses: JournalTransaction | None = None,
    actor: User | None = None,
) -> tuple[JournalTransaction, bool]:
    """Post one journal transaction, or return the one already posted under
    `idempotency_key` (created=False) and post nothing. Runs in the caller's transaction
    when there is one; the key's UNIQUE index decides between two concurrent posters."""
    key = idempotency_key.strip()
    if not key or len(key) > 128 or "\x00" in key:
        raise refuse(
            "idempotency_key",
            "A key of 1 to 128 characters is needed.",
            LedgerErrorCode.INVALID_KEY,
        )
    kept = check_legs(list(legs))
    existing = JournalTransaction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            entry = JournalTransaction.objects.create(
                kind=kind,
                idempotency_key=key,
                memo=memo[:255],
                order_line_id=order_line_id,
                reverses=reverses,
                created_by=actor,
            )
            Posting.objects.bulk_create(
                Posting(
                    transaction=entry, account=leg.account, amount=leg.amount, currency=leg.currency
                )
                for leg in kept
            )
    except IntegrityError:
        # Another poster committed the same key first (the unique index), or this reversal
        # lost the race for `reverses` (one-to-one): theirs stands.
        existing = JournalTransaction.objects.filter(idempotency_key=key).first()
        if existing is None and reverses is not None:
            raise refuse(
                "transaction",
                "That transaction is already reversed.",
                LedgerErrorCode.ALREADY_REVERSED,
            ) from None
        if existing is None:
            raise
        return existing, False
    return entry, True


def _resolve_account(raw: Any) -> Account:
    if isinstance(raw, Account):
        return raw
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        pk = -1
    account = Account.objects.filter(pk=pk).first() if pk > 0 else None
    if account is None:
        raise refuse(
            "account", f"There is no ledger account {raw!r}.", LedgerErrorCode.UNKNOWN_ACCOUNT
        )
    return account


@transaction.atomic
def journal_entry_manual(
    *,
    idempotency_key: str,
    postings: Sequence[tuple[Any, Any]],
    memo: str,
    actor: User | None = None,
) -> JournalTransaction:
    """A person's journal entry: (account or account id, signed amount) pairs as typed in.
    Every amount and account is checked before anything is written; an unbalanced entry is
    refused (UNBALANCED). Posting the same key again returns the first entry."""
    legs = [
        Leg(_resolve_account(account), parse_amount(amount, field=f"postings.{i}.amount"))
        for i, (account, amount) in enumerate(postings)
    ]
    entry, created = journal_post(
        kind=JournalKind.MANUAL,
        idempotency_key=f"manual:{idempotency_key}",
        legs=legs,
        memo=memo,
        actor=actor,
    )
    if created:
        audit_record(actor=actor, action=AuditAction.LEDGER_MANUAL_ENTRY, target=entry)
    return entry


@transaction.atomic
def transaction_reverse(
    *, journal_transaction: JournalTransaction, memo: str = "", actor: User | None = None
) -> JournalTransaction:
    """Correct a posted transaction by posting its mirror image. Reversing twice returns
    the same reversal; a reversal itself is not reversed (post a new entry instead)."""
    original = JournalTransaction.objects.select_for_update().get(pk=journal_transaction.pk)
    if original.kind == JournalKind.REVERSAL:
        raise refuse(
            "transaction",
            "A reversal cannot be reversed; post a new entry.",
            LedgerErrorCode.CANNOT_REVERSE_REVERSAL,
        )
    legs = [
        Leg(posting.account, -posting.amount, posting.currency)
        for posting in original.postings.select_related("account").order_by("pk")
    ]
    entry, created = journal_post(
        kind=JournalKind.REVERSAL,
        idempotency_key=f"reverse:{original.pk}",
        legs=legs,
        memo=memo or f"Reversal of {original.idempotency_key}",
        order_line_id=original.order_line_id,
        reverses=original,
        actor=actor,
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.LEDGER_REVERSAL,
            target=entry,
            details={"reverses": original.pk},
        )
    return entry


# How long after a period's end it may be closed: an entry is dated (in Python) a moment
# before its INSERT, so one dated just before the end can still be on its way in.
PERIOD_CLOSE_GRACE = timedelta(minutes=10)


def month_end_before(moment: datetime) -> datetime:
    """The start of the local calendar month of `moment`: where the last month ended."""
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def check_period_close(
    *, period_end: datetime, actor: User | None = None, now: datetime | None = None
) -> None:
    """`actor` None: the beat task. A person closing must be a platform admin."""
    if actor is not None and not role_scopes(actor).is_platform_admin:
        raise refuse(
            "period_end",
            "Only platform admins close the books (a close covers every village).",
            LedgerErrorCode.NOT_PERMITTED,
        )
    if timezone.is_naive(period_end):
        raise refuse(
            "period_end",
            "Give the period's end with its time zone.",
            LedgerErrorCode.INVALID_PERIOD,
        )
    if period_end > (now or timezone.now()) - PERIOD_CLOSE_GRACE:
        raise refuse(
            "period_end",
            f"The period ending {period_end:%Y-%m-%d %H:%M} has not ended long enough ago"
            f" to close (wait {PERIOD_CLOSE_GRACE} after its end).",
            LedgerErrorCode.PERIOD_NOT_ENDED,
        )


@transaction.atomic
def period_close_create(
    *, period_end: datetime, actor: User | None = None, now: datetime | None = None
) -> PeriodClose:
    """Snapshot, per account and journal kind, what the entries posted before `period_end`
    moved: the previous close's snapshot plus the postings between the two ends. Once per
    period: closing it again returns the same close. A period before the latest close is
    PERIOD_CLOSED (its successor already holds it); one not yet ended (plus the grace) is
    PERIOD_NOT_ENDED.

    Locks: closes in SHARE ROW EXCLUSIVE (one closer at a time), then postings in SHARE so
    that writers in flight commit first; the grace keeps late-dated entries out."""
    check_period_close(period_end=period_end, actor=actor, now=now)
    with connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{PeriodClose._meta.db_table}" IN SHARE ROW EXCLUSIVE MODE')
        cursor.execute(f'LOCK TABLE "{Posting._meta.db_table}" IN SHARE MODE')
    existing = PeriodClose.objects.filter(period_end=period_end).first()
    if existing is not None:
        return existing
    previous = period_close_latest()
    if previous is not None and previous.period_end > period_end:
        raise refuse(
            "period_end",
            f"The books are already closed to {previous.period_end:%Y-%m-%d %H:%M}, after"
            " this period's end.",
            LedgerErrorCode.PERIOD_CLOSED,
        )
    totals: dict[tuple[int, str, str], Decimal] = {}
    through = 0
    later = Posting.objects.filter(transaction__posted_at__lt=period_end)
    if previous is not None:
        through = previous.through_posting_id
        later = later.filter(transaction__posted_at__gte=previous.period_end)
        for account_id, kind, currency, balance in previous.snapshots.values_list(
            "account_id", "journal_kind", "currency", "balance"
        ):
            totals[(account_id, kind, currency)] = balance
    for row in later.values("account_id", "transaction__kind", "currency").annotate(
        total=Sum("amount"), last=Max("pk")
    ):
        key = (row["account_id"], row["transaction__kind"], row["currency"])
        totals[key] = totals.get(key, ZERO) + row["total"]
        through = max(through, row["last"])
    close = PeriodClose.objects.create(
        period_end=period_end, through_posting_id=through, closed_by=actor
    )
    BalanceSnapshot.objects.bulk_create(
        BalanceSnapshot(period_close=close, account_id=a, journal_kind=k, currency=c, balance=b)
        for (a, k, c), b in totals.items()
    )
    return close


def period_close_last_month(
    *, actor: User | None = None, now: datetime | None = None
) -> PeriodClose | None:
    """Close the calendar month that ended last (the beat task, and the back office's
    button); None while that month's end is still within the grace. Idempotent."""
    moment = now or timezone.now()
    period_end = month_end_before(moment)
    if period_end > moment - PERIOD_CLOSE_GRACE:
        return None
    return period_close_create(period_end=period_end, actor=actor, now=moment)


__all__ = [
    "AccountKind",
    "Leg",
    "account_get_or_create",
    "journal_entry_manual",
    "journal_post",
    "parse_amount",
    "period_close_create",
    "period_close_last_month",
    "split_by_weight",
    "transaction_reverse",
]
