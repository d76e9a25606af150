"""Taking Alipay's word: asynchronous notifications, queries of quiet attempts
(reconciliation), and closing attempts that timed out or were superseded, which gives the
checkout's reservations back once nothing else pays for it.

`transaction_close_after_commit` (with its task, `payments.close_transaction`) is what the
other flows call when an open trade must stop being payable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from marketplace.checkout.services import checkout_release_reservations
from marketplace.core.on_commit import delay_on_commit
from marketplace.payments.alipay.gateway import AlipayError, VerifiedNotification
from marketplace.payments.alipay.protocol import TRADE_STATUS_ERROR, TradeState
from marketplace.payments.gateways import alipay_gateway
from marketplace.payments.models import (
    GatewayId,
    TransactionEvent,
    TransactionEventType,
    TransactionItem,
    TransactionStatus,
)
from marketplace.payments.records import ZERO, event_add, event_seen, record_paid, transaction_lock

logger = logging.getLogger("ruralmart.payments")

SUCCESS = "success"
FAIL = "fail"


def _record_closed(tx: TransactionItem, *, key: str, raw: Mapping[str, Any], source: str) -> str:
    if event_seen(tx, key):
        return "already"
    if tx.status != TransactionStatus.PENDING:
        event_add(
            tx, TransactionEventType.INFO, key=key, message=f"{source}: trade closed.", raw=raw
        )
        return "already"
    tx.status = TransactionStatus.CANCELLED
    tx.save(update_fields=["status", "modified_at"])
    event_add(
        tx, TransactionEventType.CANCEL_SUCCESS, key=key, message=f"Closed ({source}).", raw=raw
    )
    return "closed"


def alipay_notification_handle(*, params: Mapping[str, str]) -> str:
    """Handle one asynchronous notification; returns the exact answer Alipay expects.

    "fail" (logged, nothing written) for a forged, tampered, foreign or unknown
    notification: Alipay retries, and an attacker learns nothing. "success" for every
    authentic one we have recorded, including a replay (a no-op), a refund or close
    notice (never a new payment) and an amount mismatch: that one is held for review and
    never accepted, and answering "fail" would only make Alipay repeat it for a day.
    A trade that is a Red Supermarket counter sale's (QR) goes to the counter.
    """
    note = alipay_gateway().verify_notification(params)  # logs why it rejects one
    if note is None:
        return FAIL
    with transaction.atomic():
        tx = (
            TransactionItem.objects.select_for_update()
            .filter(psp_reference=note.out_trade_no, gateway_id=GatewayId.ALIPAY)
            .first()
        )
        if tx is None and _foreign_trade_notified(note):
            return SUCCESS
        if tx is None:
            logger.warning(
                "Alipay notification for an unknown trade %s (notify_id=%s)",
                note.out_trade_no,
                note.notify_id,
            )
            return FAIL
        key = f"notify:{note.notify_id}"
        if TransactionEvent.objects.filter(transaction=tx, idempotency_key=key).exists():
            return SUCCESS  # a replay
        raw = dict(note.params)
        if note.refund_fee is not None or note.out_biz_no:
            event_add(
                tx,
                TransactionEventType.INFO,
                amount=note.refund_fee or ZERO,
                key=key,
                message=f"Refund notice {note.out_biz_no}: ¥{note.refund_fee} refunded in total.",
                raw=raw,
            )
        elif note.trade_status.is_paid:
            record_paid(
                tx,
                paid_amount=note.total_amount,
                trade_no=note.trade_no,
                key=key,
                raw=raw,
                source="notification",
            )
        elif note.trade_status is TradeState.TRADE_CLOSED:
            _record_closed(tx, key=key, raw=raw, source="notification")
        else:
            event_add(tx, TransactionEventType.INFO, key=key, message=note.trade_status, raw=raw)
    return SUCCESS


# Trades that are not online payments (a Red Supermarket's QR counter sale) are claimed by
# the app that opened them. It registers a handler when Django starts, so this module never
# imports it (payments sits below the apps that take payments).
ForeignTradeHandler = Callable[[VerifiedNotification], bool]
_foreign_trade_handlers: list[ForeignTradeHandler] = []


def foreign_trade_handler_register(handler: ForeignTradeHandler) -> None:
    """`handler(note)` finishes a trade of its own and answers True, or answers False."""
    if handler not in _foreign_trade_handlers:
        _foreign_trade_handlers.append(handler)


def _foreign_trade_notified(note: VerifiedNotification) -> bool:
    return any(handler(note) for handler in _foreign_trade_handlers)


def transaction_reconcile(*, transaction_id: int) -> str:
    """Ask Alipay about an open attempt that saw no notification, and record the answer
    as a notification would. Returns "charged", "already", "held", "closed" or "waiting"."""
    tx = TransactionItem.objects.filter(pk=transaction_id).first()
    if tx is None or tx.gateway_id != GatewayId.ALIPAY or tx.status != TransactionStatus.PENDING:
        return "already"
    status = alipay_gateway().query(out_trade_no=tx.psp_reference)
    with transaction.atomic():
        tx = transaction_lock(transaction_id)
        raw = {"trade_status": status.trade_status.value, "trade_no": status.trade_no or ""}
        if status.is_paid:
            return record_paid(
                tx,
                paid_amount=status.total_amount if status.total_amount is not None else ZERO,
                trade_no=status.trade_no or "",
                key=f"query:{status.trade_no}",
                raw={**raw, "total_amount": str(status.total_amount)},
                source="query",
            )
        if status.trade_status is TradeState.TRADE_CLOSED:
            return _record_closed(tx, key="query:closed", raw=raw, source="query")
        tx.last_checked_at = timezone.now()
        tx.save(update_fields=["last_checked_at"])
        return "waiting"


def transaction_close(*, transaction_id: int) -> str:
    """Close an open Alipay attempt (timed out or superseded) so it can no longer be paid,
    and give back the checkout's reservations when nothing else pays for it.

    If the buyer paid in the meantime Alipay refuses to close, and the payment is recorded
    instead. Returns "closed", "charged"/"already"/"held" (it was paid) or "kept" (Alipay
    could not be reached: the next sweep tries again)."""
    tx = TransactionItem.objects.filter(pk=transaction_id).first()
    if tx is None or tx.gateway_id != GatewayId.ALIPAY or tx.status != TransactionStatus.PENDING:
        return "already"
    try:
        alipay_gateway().close(out_trade_no=tx.psp_reference)
    except AlipayError as exc:
        if exc.sub_code == TRADE_STATUS_ERROR:
            return transaction_reconcile(transaction_id=transaction_id)
        logger.warning("Could not close %s: %s", tx.psp_reference, exc)
        return "kept"
    # Closed, or never opened by the buyer (time_expire stops it being paid later).
    with transaction.atomic():
        tx = transaction_lock(transaction_id)
        outcome = _record_closed(tx, key="close", raw={}, source="timeout or superseded")
        if outcome == "closed" and tx.checkout_id is not None:
            _release_if_unpaid(tx.checkout_id)
        return outcome


def _release_if_unpaid(checkout_id: UUID) -> None:
    still_paying = TransactionItem.objects.filter(
        checkout_id=checkout_id,
        status__in=[TransactionStatus.PENDING, TransactionStatus.CHARGED],
    ).exists()
    if not still_paying:
        checkout_release_reservations(checkout_id=checkout_id)


def transaction_close_after_commit(transaction_id: int) -> None:
    """Close the attempt once this transaction commits (the periodic sweep closes it later
    if the broker cannot be reached)."""
    delay_on_commit(
        close_transaction,
        transaction_id,
        logger=logger,
        failure=f"Could not schedule closing transaction {transaction_id}",
    )


@shared_task(name="payments.close_transaction", acks_late=True)
def close_transaction(transaction_id: int) -> str:
    """On commit of an attempt that superseded this one, or of a cancellation."""
    return transaction_close(transaction_id=transaction_id)
