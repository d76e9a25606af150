"""Paying households and members out of the ledger.

What is due: the credit balance of the household's HOUSEHOLD account (its sales less
commission) or MEMBER account (its distribution parts), less payouts still in flight
(PENDING or UNKNOWN). The account row is locked while a payout is weighed against it, so
two clerks paying the same household queue up and cannot both pay the last yuan.

A cash payout is handed out of the village's Red Supermarket till, so, as for a small
cash withdrawal, the till must have an open shift (NO_OPEN_SHIFT) and hold the cash
(`marketplace.agency.ledger.till_balance`, INSUFFICIENT_TILL_CASH). Both are checked
under the locks every taker of cash holds, in their order: the supermarket row, then the
open shift's row. So two cash payouts, or a payout and a withdrawal, cannot both hand out
the till's last yuan, and a shift closing meanwhile waits and counts the payout. The
payout names its shift; its Cr CASH_TILL leg lowers the shift's expected cash.

A payout posts its PAYOUT journal transaction once (key "payout:<pk>"), when it succeeds:
cash at once; an Alipay transfer when Alipay answers success, for the first time. A
replayed or concurrent success finds the payout locked and already SUCCEEDED and changes
nothing. A failed transfer stays visible (FAILED, Alipay's sub-code) and is retried with
the same `out_biz_no`; an unknown outcome is asked about before being sent again.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from collective_econ.error_codes import PayoutErrorCode
from collective_econ.ledger.selectors import account_balance
from collective_econ.ledger.services import Leg, account_get_or_create, journal_post, parse_amount
from collective_econ.models import (
    Account,
    AccountKind,
    JournalKind,
    Payout,
    PayoutAccountKind,
    PayoutMethod,
    PayoutStatus,
)
from collective_econ.payouts.alipay_transfer import (
    AlipayTransferAdapter,
    TransferOutcome,
    TransferState,
)
from marketplace.accounts.permissions import can_keep_village_books
from marketplace.agency.ledger import till_balance
from marketplace.core.errors import refuse
from marketplace.divisions.models import Village
from marketplace.organisations.models import Household
from marketplace.red_supermarket.counter.services import till_shift_lock_open
from marketplace.red_supermarket.models import RedSupermarket, TillShift

if TYPE_CHECKING:
    from marketplace.accounts.models import User

ZERO = Decimal("0.00")
IN_FLIGHT = (PayoutStatus.PENDING, PayoutStatus.UNKNOWN)


def _check_may_pay(*, actor: User | None, village: Village) -> None:
    if not can_keep_village_books(user=actor, village=village):
        raise refuse(
            None,
            "Only the village's shop manager or a platform admin pays its households.",
            PayoutErrorCode.NOT_PERMITTED,
        )


def payout_account(*, household: Household, account_kind: str) -> Account:
    kind = AccountKind.MEMBER if account_kind == PayoutAccountKind.MEMBER else AccountKind.HOUSEHOLD
    return account_get_or_create(kind=kind, owner=household)


def balance_due(
    *, household: Household, account_kind: str, excluding: Payout | None = None
) -> Decimal:
    """What may still be paid out of the account (never below zero)."""
    owed = -account_balance(account=payout_account(household=household, account_kind=account_kind))
    flight = Payout.objects.filter(
        household=household, account_kind=account_kind, status__in=IN_FLIGHT
    )
    if excluding is not None:
        flight = flight.exclude(pk=excluding.pk)
    reserved = flight.aggregate(t=Sum("amount"))["t"] or ZERO
    return max(ZERO, owed - reserved)


def _over_balance(amount: Decimal, due: Decimal) -> ValidationError:
    return refuse(
        "amount",
        f"{amount} is more than the {due} due (less payouts in progress).",
        PayoutErrorCode.EXCEEDS_BALANCE,
    )


def _lock_account(account: Account) -> None:
    Account.objects.select_for_update().filter(pk=account.pk).first()


def check_till_holds(*, village_id: int, amount: Decimal) -> TillShift:
    """Lock the village's till (its Red Supermarket row, then its open shift: the locks
    and order cash withdrawals use) until the caller's transaction ends, and return the
    open shift; refuse when no shift is open or the till holds less than `amount`. Read
    after the locks, the balance includes every payout that held them before."""
    supermarket = (
        RedSupermarket.objects.select_for_update(of=("self",))
        .select_related("shop__village")
        .filter(shop__village_id=village_id)
        .order_by("pk")
        .first()
    )
    if supermarket is None:
        raise refuse(
            "method",
            "This village has no Red Supermarket to pay cash at; pay by Alipay.",
            PayoutErrorCode.NO_SUPERMARKET,
        )
    shift = till_shift_lock_open(supermarket=supermarket)
    if shift is None:
        raise refuse(
            "method",
            f"开钱箱后才能付现金 / open the till at {supermarket.name} before paying out cash.",
            PayoutErrorCode.NO_OPEN_SHIFT,
        )
    cash = till_balance(supermarket=supermarket)
    if cash < amount:
        raise refuse(
            "amount",
            f"The till at {supermarket.name} holds {cash} yuan, not enough for {amount}.",
            PayoutErrorCode.INSUFFICIENT_TILL_CASH,
        )
    return shift


def _post(payout: Payout, *, actor: User | None) -> None:
    village = payout.household.village
    source = (
        account_get_or_create(kind=AccountKind.CASH_TILL, owner=village)
        if payout.method == PayoutMethod.CASH
        else account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    )
    entry, _ = journal_post(
        kind=JournalKind.PAYOUT,
        idempotency_key=f"payout:{payout.pk}",
        legs=[
            Leg(
                payout_account(household=payout.household, account_kind=payout.account_kind),
                payout.amount,
            ),
            Leg(source, -payout.amount),
        ],
        memo=f"Payout {payout.pk} to {payout.household.reference}",
        actor=actor,
    )
    payout.journal_transaction = entry
    payout.status = PayoutStatus.SUCCEEDED
    payout.completed_at = timezone.now()


def _request_id(value: Any) -> str:
    text = str(value or "").strip()
    if not text or len(text) > 64:
        raise refuse(
            "request_id", "A request id of 1 to 64 characters is needed.", PayoutErrorCode.INVALID
        )
    return text


@transaction.atomic
def _payout_open(
    *,
    actor: User | None,
    household: Household,
    account_kind: str,
    amount: Decimal,
    method: str,
    request_id: str,
    payee_logon_id: str,
    payee_name: str,
    receipt_number: str | None,
    memo: str,
) -> Payout:
    account = payout_account(household=household, account_kind=account_kind)
    _lock_account(account)
    existing = Payout.objects.filter(request_id=request_id).first()
    if existing is not None:
        return existing
    due = balance_due(household=household, account_kind=account_kind)
    if amount > due:
        raise _over_balance(amount, due)
    shift = None
    if method == PayoutMethod.CASH:
        shift = check_till_holds(village_id=household.village_id, amount=amount)
    if receipt_number and Payout.objects.filter(receipt_number=receipt_number).exists():
        raise refuse(
            "receipt_number",
            f"Receipt {receipt_number} is already used.",
            PayoutErrorCode.RECEIPT_TAKEN,
        )
    payout = Payout(
        household=household,
        account_kind=account_kind,
        amount=amount,
        method=method,
        request_id=request_id,
        out_biz_no=f"RMP{uuid.uuid4().hex[:29]}",
        payee_logon_id=payee_logon_id,
        payee_name=payee_name,
        receipt_number=receipt_number,
        memo=memo[:255],
        till_shift=shift,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            payout.save()
    except IntegrityError:
        raise refuse(
            "receipt_number",
            "That receipt or request is already used.",
            PayoutErrorCode.RECEIPT_TAKEN,
        ) from None
    if method == PayoutMethod.CASH:
        _post(payout, actor=actor)
        payout.save(update_fields=["journal_transaction", "status", "completed_at"])
    return payout


def payout_create(
    *,
    actor: User | None,
    village: Village,
    household: Household,
    account_kind: str,
    amount: Any,
    method: str,
    request_id: Any,
    adapter: AlipayTransferAdapter | None = None,
    payee_logon_id: str = "",
    payee_name: str = "",
    receipt_number: str | None = None,
    memo: str = "",
) -> Payout:
    """Pay `household` of `village` from its HOUSEHOLD or MEMBER balance. Cash is paid at
    once (with the receipt number); an Alipay payout is recorded, committed, then sent.
    Creating again with the same `request_id` returns the first payout and sends nothing."""
    _check_may_pay(actor=actor, village=village)
    if household.village_id != village.pk:
        raise refuse(
            "household", "That household is not of this village.", PayoutErrorCode.WRONG_VILLAGE
        )
    if account_kind not in PayoutAccountKind.values:
        raise refuse(
            "account_kind", f"{account_kind!r}: HOUSEHOLD or MEMBER.", PayoutErrorCode.INVALID
        )
    if method not in PayoutMethod.values:
        raise refuse("method", f"{method!r}: ALIPAY or CASH.", PayoutErrorCode.INVALID)
    try:
        value = parse_amount(amount, positive=True)
    except ValidationError as exc:  # the ledger's INVALID_AMOUNT, in this domain's words
        raise refuse(
            "amount",
            f"{amount!r} is not an amount above zero with at most two decimals.",
            PayoutErrorCode.INVALID_AMOUNT,
        ) from exc
    key = _request_id(request_id)
    logon = (payee_logon_id or "").strip()[:100]
    receipt = (receipt_number or "").strip()[:32] or None
    if method == PayoutMethod.ALIPAY and not logon:
        raise refuse(
            "payee_logon_id",
            "An Alipay payout needs the payee's Alipay login.",
            PayoutErrorCode.INVALID,
        )
    if method == PayoutMethod.CASH and not receipt:
        raise refuse(
            "receipt_number", "A cash payout needs its receipt number.", PayoutErrorCode.INVALID
        )
    if method == PayoutMethod.CASH:
        logon = ""
    else:
        receipt = None
    payout = _payout_open(
        actor=actor,
        household=household,
        account_kind=account_kind,
        amount=value,
        method=method,
        request_id=key,
        payee_logon_id=logon,
        payee_name=(payee_name or "").strip()[:64],
        receipt_number=receipt,
        memo=memo,
    )
    if payout.method == PayoutMethod.ALIPAY and payout.attempts == 0 and adapter is not None:
        return payout_send(payout=payout, adapter=adapter)
    return payout


def payout_send(*, payout: Payout, adapter: AlipayTransferAdapter) -> Payout:
    """One transfer attempt with the payout's own `out_biz_no`, then its outcome recorded.
    Not inside a transaction: nothing is locked while Alipay is asked."""
    Payout.objects.filter(pk=payout.pk).update(
        attempts=payout.attempts + 1, last_sent_at=timezone.now()
    )
    outcome = adapter.transfer(
        out_biz_no=payout.out_biz_no,
        amount=payout.amount,
        payee_logon_id=payout.payee_logon_id,
        payee_name=payout.payee_name,
        title=f"村集体收益分配 payout {payout.pk}",
    )
    return payout_record_outcome(payout_id=payout.pk, outcome=outcome)


@transaction.atomic
def payout_record_outcome(
    *, payout_id: int, outcome: TransferOutcome, actor: User | None = None
) -> Payout:
    """What Alipay answered, recorded once: a payout already SUCCEEDED is returned as it
    is, whatever arrives (a replay, a late answer, a second worker)."""
    payout = (
        Payout.objects.select_for_update().select_related("household__village").get(pk=payout_id)
    )
    if payout.status == PayoutStatus.SUCCEEDED:
        return payout
    if outcome.state == TransferState.SUCCEEDED:
        payout.alipay_order_id = outcome.order_id[:64]
        payout.failure_code = payout.failure_message = ""
        _post(payout, actor=actor)
    elif outcome.state == TransferState.FAILED:
        payout.status = PayoutStatus.FAILED
        payout.failure_code = outcome.code[:64]
        payout.failure_message = outcome.message[:255]
    else:
        payout.status = PayoutStatus.UNKNOWN
        payout.failure_code = outcome.code[:64]
        payout.failure_message = outcome.message[:255]
    payout.save()
    return payout


def payout_retry(
    *,
    actor: User | None,
    payout: Payout,
    adapter: AlipayTransferAdapter,
    payee_logon_id: str | None = None,
) -> Payout:
    """Try a FAILED or UNKNOWN Alipay payout again with its same `out_biz_no`. An unknown
    one is asked about first (it may have gone through); a failed one is weighed against
    the balance again (cash may have been paid meanwhile), and may name a corrected
    payee login."""
    village = Village.objects.get(pk=payout.household.village_id)
    _check_may_pay(actor=actor, village=village)
    if payout.method != PayoutMethod.ALIPAY or payout.status not in (
        PayoutStatus.FAILED,
        PayoutStatus.UNKNOWN,
    ):
        raise refuse(
            "id",
            f"A {payout.get_status_display().lower()} {payout.method} payout is not retried.",
            PayoutErrorCode.NOT_RETRYABLE,
        )
    if payout.status == PayoutStatus.UNKNOWN:
        known = adapter.query(out_biz_no=payout.out_biz_no)
        if known.state != TransferState.NOT_EXIST:
            # Gone through, refused, or still unknown: record it, send nothing.
            return payout_record_outcome(payout_id=payout.pk, outcome=known, actor=actor)
    else:
        with transaction.atomic():
            account = payout_account(household=payout.household, account_kind=payout.account_kind)
            _lock_account(account)
            locked = Payout.objects.select_for_update().get(pk=payout.pk)
            if locked.status != PayoutStatus.FAILED:
                raise refuse(
                    "id", "The payout changed meanwhile; look again.", PayoutErrorCode.NOT_RETRYABLE
                )
            due = balance_due(
                household=payout.household, account_kind=payout.account_kind, excluding=locked
            )
            if locked.amount > due:
                raise _over_balance(locked.amount, due)
            locked.status = PayoutStatus.PENDING
            if payee_logon_id and payee_logon_id.strip():
                locked.payee_logon_id = payee_logon_id.strip()[:100]
            locked.save(update_fields=["status", "payee_logon_id"])
            payout = locked
    payout.refresh_from_db()
    return payout_send(payout=payout, adapter=adapter)


def stuck_payout_ids(*, older_than: datetime) -> list[int]:
    """Alipay payouts still PENDING whose last send (or creation, if never sent) is
    before `older_than`: the process that sent them died before recording the answer."""
    return list(
        Payout.objects.filter(method=PayoutMethod.ALIPAY, status=PayoutStatus.PENDING)
        .filter(
            Q(last_sent_at__lt=older_than) | Q(last_sent_at__isnull=True, created_at__lt=older_than)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def payout_recover_stuck(
    *, payout_id: int, adapter: AlipayTransferAdapter, older_than: datetime
) -> Payout:
    """Treat a stuck PENDING payout as UNKNOWN: ask Alipay what became of its
    `out_biz_no` and record the answer once. Gone through: posted (once, as any success).
    Refused: FAILED, retryable. Never arrived, or Alipay cannot say: UNKNOWN, so it stays
    reserved against the balance and `payout_retry` asks again before sending. Sends no
    money itself. A payout that moved on meanwhile (its own process answered, another
    sweep got there first, it was sent again) is returned unchanged."""
    outcome = adapter.query(out_biz_no=Payout.objects.get(pk=payout_id).out_biz_no)
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        sent_at = payout.last_sent_at or payout.created_at
        if payout.status != PayoutStatus.PENDING or sent_at >= older_than:
            return payout
        if outcome.state in (TransferState.SUCCEEDED, TransferState.FAILED):
            return payout_record_outcome(payout_id=payout_id, outcome=outcome)
        if outcome.state == TransferState.NOT_EXIST:
            outcome = TransferOutcome(
                TransferState.UNKNOWN,
                code=outcome.code,
                message="The process sending it stopped; Alipay has no such transfer.",
            )
        return payout_record_outcome(payout_id=payout_id, outcome=outcome)


def payouts_recover_stuck(
    *, adapter: AlipayTransferAdapter, now: datetime | None = None
) -> dict[str, int]:
    """Every stuck PENDING payout asked about once (see `payout_recover_stuck`); counts
    of the statuses they ended in."""
    minutes = settings.PAYOUT_PENDING_RECOVER_AFTER_MINUTES
    older_than = (now or timezone.now()) - timedelta(minutes=minutes)
    counts: dict[str, int] = {}
    for payout_id in stuck_payout_ids(older_than=older_than):
        payout = payout_recover_stuck(payout_id=payout_id, adapter=adapter, older_than=older_than)
        counts[payout.status] = counts.get(payout.status, 0) + 1
    return counts
