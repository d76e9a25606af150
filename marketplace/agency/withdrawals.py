"""Small cash withdrawals (助农取款): limits, the till, and the acquirer.

`cash_withdrawal_create` checks everything under two row locks taken in a fixed order:
the card's day row (so the card's daily limit holds across every supermarket), then the
supermarket's row (so its daily limit and the cash-on-hand check see every withdrawal
before theirs). Inside those locks it writes the withdrawal and posts it against the till;
only then is the acquirer asked to debit the card. A decline reverses the posting.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.agency.catalogue import service_item_get
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.ledger import post_withdrawal, reverse_posting, till_balance
from marketplace.agency.models import (
    LIMIT_COUNTING_WITHDRAWALS,
    CashWithdrawal,
    ItemFlow,
    WithdrawalCardDay,
    WithdrawalStatus,
)
from marketplace.agency.orders import query_backoff, require_operator, schedule_query
from marketplace.agency.outcomes import query_outcome, submit_outcome
from marketplace.agency.providers.base import OrderRequest, ProviderAdapter, ProviderStatus
from marketplace.agency.providers.http import adapter_for
from marketplace.agency.requests import check_request_id, refuse_reused
from marketplace.agency.till import require_open_till
from marketplace.agency.validation import (
    check_amount,
    luhn_is_valid,
    mask_card,
    parse_amount,
    provider_commission_for,
)
from marketplace.core.errors import refuse
from marketplace.red_supermarket.models import ReceiptKind, RedSupermarket
from marketplace.red_supermarket.receipts import receipt_issue, receipt_line

ITEM_CODE = "cash-withdrawal"
QUERY_WITHDRAWAL_TASK = "agency.query_withdrawal"
OPEN_WITHDRAWALS = (WithdrawalStatus.SUBMITTING, WithdrawalStatus.UNKNOWN)


def withdrawal_key(withdrawal: CashWithdrawal) -> str:
    return f"agency-withdrawal:{withdrawal.pk}"


def _limit(name: str) -> Decimal:
    return Decimal(str(getattr(settings, name)))


def _counted(**filters: Any) -> Decimal:
    total = CashWithdrawal.objects.filter(
        status__in=LIMIT_COUNTING_WITHDRAWALS, **filters
    ).aggregate(t=Sum("amount"))["t"]
    return total or Decimal("0.00")


def cash_withdrawal_create(
    *,
    supermarket: RedSupermarket,
    operator: User,
    request_id: str,
    card_number: str,
    amount: Any,
    adapter: ProviderAdapter | None = None,
) -> CashWithdrawal:
    require_operator(user=operator, supermarket=supermarket)
    request_id = check_request_id(request_id)
    item = service_item_get(code=ITEM_CODE)
    card = (card_number or "").replace(" ", "")
    value = parse_amount(amount)
    existing = CashWithdrawal.objects.filter(request_id=request_id).first()
    if existing is not None:
        return _same_or_refuse(existing, supermarket=supermarket, card=card, amount=value)
    if item.flow != ItemFlow.WITHDRAWAL:
        raise refuse("item", "The withdrawal item is misconfigured.", AgencyErrorCode.WRONG_FLOW)
    if not luhn_is_valid(card):
        raise refuse(
            "card_number",
            "That bank card number fails its check digit.",
            AgencyErrorCode.INVALID_ACCOUNT,
        )
    check_amount(item=item, amount=value)
    withdrawal, created = _withdrawal_open(
        supermarket=supermarket,
        operator=operator,
        request_id=request_id,
        card=card,
        amount=value,
        item=item,
    )
    if not created:
        return _same_or_refuse(withdrawal, supermarket=supermarket, card=card, amount=value)
    return _submit(withdrawal=withdrawal, adapter=adapter)


def _same_or_refuse(
    withdrawal: CashWithdrawal, *, supermarket: RedSupermarket, card: str, amount: Decimal
) -> CashWithdrawal:
    if (withdrawal.supermarket_id, withdrawal.card_number, withdrawal.amount) != (
        supermarket.pk,
        card,
        amount,
    ):
        raise refuse_reused("withdrawal")
    return withdrawal


@transaction.atomic
def _withdrawal_open(
    *,
    supermarket: RedSupermarket,
    operator: User,
    request_id: str,
    card: str,
    amount: Decimal,
    item: Any,
) -> tuple[CashWithdrawal, bool]:
    day = timezone.localdate()
    WithdrawalCardDay.objects.get_or_create(card_number=card, business_day=day)
    WithdrawalCardDay.objects.select_for_update().get(card_number=card, business_day=day)
    RedSupermarket.objects.select_for_update().get(pk=supermarket.pk)
    # Under the locks: a twin of this request committed while we waited is found now.
    twin = CashWithdrawal.objects.filter(request_id=request_id).first()
    if twin is not None:
        return twin, False
    require_open_till(supermarket=supermarket)
    card_limit = _limit("AGENCY_WITHDRAWAL_CARD_DAILY_LIMIT")
    if _counted(card_number=card, business_day=day) + amount > card_limit:
        raise refuse(
            "amount",
            f"This card may withdraw at most {card_limit} yuan a day.",
            AgencyErrorCode.CARD_DAILY_LIMIT,
        )
    station_limit = _limit("AGENCY_WITHDRAWAL_STATION_DAILY_LIMIT")
    if _counted(supermarket=supermarket, business_day=day) + amount > station_limit:
        raise refuse(
            "amount",
            f"{supermarket.name} may pay out at most {station_limit} yuan a day.",
            AgencyErrorCode.STATION_DAILY_LIMIT,
        )
    cash = till_balance(supermarket=supermarket)
    if cash < amount:
        raise refuse(
            "amount",
            f"The till holds {cash} yuan, not enough for {amount}.",
            AgencyErrorCode.NOT_ENOUGH_CASH,
        )
    try:
        with transaction.atomic():
            withdrawal = CashWithdrawal.objects.create(
                request_id=request_id,
                supermarket=supermarket,
                item=item,
                card_number=card,
                card_masked=mask_card(card),
                amount=amount,
                commission=provider_commission_for(item=item, amount=amount),
                business_day=day,
                status=WithdrawalStatus.SUBMITTING,
                operator=operator,
                next_query_at=timezone.now() + query_backoff(3),
            )
    except IntegrityError:
        return CashWithdrawal.objects.get(request_id=request_id), False
    post_withdrawal(
        key=withdrawal_key(withdrawal),
        supermarket=supermarket,
        amount=amount,
        commission=withdrawal.commission,
        memo=f"助农取款 {withdrawal.card_masked}",
        actor=operator,
    )
    return withdrawal, True


def provider_adapter(adapter: ProviderAdapter | None) -> ProviderAdapter:
    return adapter or adapter_for(service_item_get(code=ITEM_CODE).provider.code)  # type: ignore[union-attr]


def _submit(*, withdrawal: CashWithdrawal, adapter: ProviderAdapter | None) -> CashWithdrawal:
    outcome = submit_outcome(
        provider_adapter(adapter),
        OrderRequest(
            request_id=withdrawal.request_id,
            item_code=ITEM_CODE,
            account=withdrawal.card_number,
            amount=withdrawal.amount,
        ),
    )
    if outcome.settled:
        return cash_withdrawal_resolve(
            withdrawal_pk=withdrawal.pk,
            status=outcome.status,
            provider_order_no=outcome.provider_order_no,
            reason=outcome.reason,
        )
    return _mark_unknown(withdrawal_pk=withdrawal.pk, note=outcome.reason or "accepted, pending")


def _mark_unknown(*, withdrawal_pk: int, note: str) -> CashWithdrawal:
    with transaction.atomic():
        withdrawal = CashWithdrawal.objects.select_for_update().get(pk=withdrawal_pk)
        if withdrawal.status == WithdrawalStatus.SUBMITTING:
            withdrawal.status = WithdrawalStatus.UNKNOWN
            withdrawal.failure_reason = note[:255]
            withdrawal.next_query_at = timezone.now() + query_backoff(0)
            withdrawal.save(update_fields=["status", "failure_reason", "next_query_at"])
            schedule_query(QUERY_WITHDRAWAL_TASK, withdrawal.pk, countdown=query_backoff(0))
        return withdrawal


def cash_withdrawal_resolve(
    *,
    withdrawal_pk: int,
    status: str,
    provider_order_no: str = "",
    reason: str = "",
    actor: User | None = None,
) -> CashWithdrawal:
    """SUCCESS: the cash goes out with a receipt. FAILED: the till posting is reversed.
    Settled withdrawals are returned unchanged (callbacks and queries may repeat)."""
    with transaction.atomic():
        withdrawal = (
            CashWithdrawal.objects.select_for_update(of=("self",))
            .select_related("supermarket")
            .get(pk=withdrawal_pk)
        )
        if withdrawal.status not in (*OPEN_WITHDRAWALS, WithdrawalStatus.MANUAL_REVIEW):
            return withdrawal
        if provider_order_no:
            withdrawal.provider_order_no = provider_order_no
        if status == ProviderStatus.SUCCESS:
            withdrawal.status = WithdrawalStatus.SUCCESS
            receipt_issue(
                supermarket=withdrawal.supermarket,
                kind=ReceiptKind.CASH_WITHDRAWAL,
                reference=withdrawal_key(withdrawal),
                lines=[receipt_line(f"助农取款 {withdrawal.card_masked}", withdrawal.amount)],
                total=withdrawal.amount,
                payment_method="CARD",
                operator=withdrawal.operator,
                payment_details={
                    "card": withdrawal.card_masked,
                    "provider_order_no": withdrawal.provider_order_no,
                },
            )
        else:
            withdrawal.status = WithdrawalStatus.FAILED
            withdrawal.failure_reason = (reason or "declined")[:255]
            reverse_posting(
                key=withdrawal_key(withdrawal),
                memo=f"Declined {withdrawal.request_id}",
                actor=actor or withdrawal.operator,
            )
        withdrawal.resolved_at, withdrawal.next_query_at = timezone.now(), None
        withdrawal.save(
            update_fields=[
                "status",
                "provider_order_no",
                "failure_reason",
                "resolved_at",
                "next_query_at",
            ]
        )
        return withdrawal


def cash_withdrawal_query(
    *, withdrawal_pk: int, adapter: ProviderAdapter | None = None
) -> CashWithdrawal:
    withdrawal = CashWithdrawal.objects.get(pk=withdrawal_pk)
    if withdrawal.status not in OPEN_WITHDRAWALS:
        return withdrawal
    outcome = query_outcome(provider_adapter(adapter), request_id=withdrawal.request_id)
    if outcome.settled:
        return cash_withdrawal_resolve(
            withdrawal_pk=withdrawal.pk,
            status=outcome.status,
            provider_order_no=outcome.provider_order_no,
            reason=outcome.reason,
        )
    with transaction.atomic():
        locked = CashWithdrawal.objects.select_for_update().get(pk=withdrawal.pk)
        if locked.status in OPEN_WITHDRAWALS:
            locked.query_attempts += 1
            if locked.query_attempts >= settings.AGENCY_QUERY_MAX_ATTEMPTS:
                locked.status, locked.next_query_at = WithdrawalStatus.MANUAL_REVIEW, None
            else:
                locked.next_query_at = timezone.now() + query_backoff(locked.query_attempts)
                schedule_query(
                    QUERY_WITHDRAWAL_TASK, locked.pk, countdown=query_backoff(locked.query_attempts)
                )
            locked.save(update_fields=["status", "query_attempts", "next_query_at"])
        return locked


def open_withdrawals_due() -> list[int]:
    return list(
        CashWithdrawal.objects.filter(
            status__in=OPEN_WITHDRAWALS, next_query_at__lte=timezone.now()
        )
        .order_by("next_query_at")
        .values_list("pk", flat=True)[:200]
    )
