"""Writes to payments: start an attempt, take Alipay's word (notifications, queries), close
what timed out, take cash at the counter, refund shop orders, and pair a shop order's
cancellation with its refund (and cancel counter orders nobody paid).

In: checkouts and shop orders, Alipay's signed parameters, the adapter's answers. Out:
`TransactionItem`/`TransactionEvent`/`Refund` rows, and the running total charged passed
on to `checkout_mark_charged` and `order_mark_charged` (always the *sum* of successful
charges, so repeating it is harmless). Must never import the GraphQL layer.

Locks, always in this order: the refund row; the transaction row; the checkout row (inside
`checkout_mark_charged`); the order row (inside `order_mark_charged`). `shop_order_refund`
locks its shop order row before anything else, in a transaction of its own; a cancellation
locks the order's open cash attempts, then (in orders) the order row and its shop orders.
No Alipay call is made while a transaction row is locked, except the refund call, which
holds only its refund row so a concurrent retry waits and then sees the outcome.

Idempotency lives in the database: a notification, a query or a refund records its
`TransactionEvent` under a key that is UNIQUE per transaction, and one transaction holds at
most one CHARGE_SUCCESS. Seeing the key again is a no-op. Likewise a buyer app's
`idempotency_key` names at most one attempt per checkout, so a retried
`transaction_initialize` gets that attempt (and its first answer) back.

Settings (optional): `PAYMENT_TIMEOUT_MINUTES` (30) after which an unpaid trade is closed;
`PAYMENT_RECONCILE_AFTER_MINUTES` (2) after which an attempt with no news is queried.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_manage_shop, role_scopes
from marketplace.checkout.models import Checkout
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.orders.models import Order, OrderChargeStatus, ShopOrder
from marketplace.payments.alipay.gateway import AlipayError, NotificationRejected
from marketplace.payments.alipay.protocol import CHINA_TZ, TRADE_STATUS_ERROR, TradeState
from marketplace.payments.error_codes import (
    CashPaymentErrorCode,
    RefundErrorCode,
    TransactionInitializeErrorCode,
)
from marketplace.payments.gateways import ALIPAY_METHODS, alipay_gateway, gateway_for
from marketplace.payments.models import (
    GatewayId,
    PaymentMethod,
    Refund,
    RefundStatus,
    TransactionEvent,
    TransactionEventType,
    TransactionItem,
    TransactionStatus,
)

logger = logging.getLogger("ruralmart.payments")

SUCCESS = "success"
FAIL = "fail"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Saleor's limit of transaction items per checkout.
MAX_ATTEMPTS_PER_CHECKOUT = 100

InitCode = TransactionInitializeErrorCode


def payment_timeout() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "PAYMENT_TIMEOUT_MINUTES", 30)))


def reconcile_after() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "PAYMENT_RECONCILE_AFTER_MINUTES", 2)))


def _new_reference(prefix: str) -> str:
    """32 characters: a prefix, Beijing time to the second, and 16 random hex digits, so
    references sort by time in Alipay's console and never repeat."""
    return f"{prefix}{timezone.now().astimezone(CHINA_TZ):%Y%m%d%H%M%S}{uuid.uuid4().hex[:16]}"


def _event(
    tx: TransactionItem,
    type: str,
    *,
    amount: Decimal = ZERO,
    key: str = "",
    message: str = "",
    raw: Mapping[str, Any] | None = None,
    user: User | None = None,
) -> TransactionEvent:
    return TransactionEvent.objects.create(
        transaction=tx,
        type=type,
        amount=amount,
        currency=tx.currency,
        psp_reference=tx.psp_trade_no or tx.psp_reference,
        idempotency_key=key,
        message=message[:512],
        raw=dict(raw or {}),
        created_by=user if user is not None and user.is_authenticated else None,
    )


def _seen(tx: TransactionItem, key: str) -> bool:
    """Whether an event with this key was recorded: the check before the UNIQUE backstop."""
    return TransactionEvent.objects.filter(transaction=tx, idempotency_key=key).exists()


def _lock(transaction_id: int) -> TransactionItem:
    return TransactionItem.objects.select_for_update().get(pk=transaction_id)


# --- starting a payment -------------------------------------------------------------------


@dataclass(frozen=True)
class InitializeResult:
    transaction: TransactionItem
    event: TransactionEvent
    # What the storefront needs next: {"payUrl"} for PAGE/WAP, {"qrCode"} for QR,
    # {"payAtCounter": true} for cash.
    data: dict[str, Any]


@dataclass(frozen=True)
class _Attempt:
    transaction: TransactionItem
    # The attempt's CHARGE_REQUEST event: what transactionInitialize answers with.
    event: TransactionEvent
    # Earlier open Alipay attempts this one supersedes (closed after commit).
    superseded: list[int]
    # An earlier attempt returned for a retried idempotency key: nothing was written.
    replayed: bool = False


IDEMPOTENCY_KEY_MAX_LENGTH = TransactionItem._meta.get_field("idempotency_key").max_length or 128


def _check_amount(value: Decimal, field: str, code: Any) -> Decimal:
    message = f"{value} is not an amount in yuan with at most 2 decimals."
    try:
        cents = value.quantize(CENT)
    except InvalidOperation:  # too many digits to quantize, e.g. 1e999999
        raise refuse(field, message, code) from None
    if not value.is_finite() or value != cents:
        raise refuse(field, message, code)
    return cents


def _check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    # Saleor refuses an empty key rather than treating it as "no key": a client that sends
    # one has a bug, and every such retry would otherwise open a new trade.
    if not key.strip():
        raise refuse(
            "idempotency_key",
            "idempotencyKey must not be empty: omit it, or send a unique key per payment.",
            InitCode.INVALID,
        )
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise refuse(
            "idempotency_key",
            f"idempotencyKey is longer than {IDEMPOTENCY_KEY_MAX_LENGTH} characters.",
            InitCode.INVALID,
        )
    return key


def _customer_ip(*, user: User | None, request_ip: str | None, claimed: str | None) -> str | None:
    """The buyer's IP for the attempt: the request's own address, unless a platform admin
    (a backend paying on a buyer's behalf) says which address the buyer used. Anyone else's
    claim is ignored, as Saleor ignores it without HANDLE_PAYMENTS: a buyer could otherwise
    put any address on the record. `request_ip` comes from `accounts.throttling.client_ip`,
    which has already parsed and normalised it (or answered None)."""
    if claimed is not None and role_scopes(user).is_platform_admin:
        try:
            return str(ipaddress.ip_address(claimed.strip()))
        except ValueError:
            raise refuse(
                "customer_ip_address",
                f"{claimed!r} is not an IPv4 or IPv6 address.",
                InitCode.INVALID,
            ) from None
    return request_ip or None


def _request_event(tx: TransactionItem) -> TransactionEvent:
    return TransactionEvent.objects.get(
        transaction=tx, type=TransactionEventType.CHARGE_REQUEST, idempotency_key="request"
    )


def _replay(
    earlier: TransactionItem,
    *,
    checkout: Checkout,
    gateway_id: str,
    method: str | None,
    amount: Decimal | None,
) -> TransactionItem:
    """The attempt an idempotency key already names, if the retry asks for the same payment
    and the attempt can still be paid (or already was); otherwise a refusal. Checkout row
    locked."""
    same_input = (
        earlier.gateway_id == gateway_id
        and earlier.method == method
        # No amount meant "what is left"; the attempt recorded what that was.
        and (
            amount is None
            or _check_amount(Decimal(amount), "amount", InitCode.INVALID) == earlier.amount
        )
    )
    if not same_input:
        raise refuse(
            "idempotency_key",
            "This idempotencyKey was used for a different payment (gateway "
            f"{earlier.gateway_id}, method {earlier.method}, ¥{earlier.amount}); send a new key "
            "for a new payment.",
            InitCode.UNIQUE,
        )
    if earlier.status == TransactionStatus.CHARGED:
        return earlier
    ended = earlier.status != TransactionStatus.PENDING
    if not ended:
        # Still PENDING in the database but past its time_expire, or superseded by a later
        # attempt (which closes it after commit): its pay URL or QR code is dead already.
        ended = (
            earlier.expires_at is not None and earlier.expires_at <= timezone.now()
        ) or TransactionItem.objects.filter(checkout=checkout, pk__gt=earlier.pk).exists()
    if ended:
        state = (
            "expired or superseded"
            if earlier.status == TransactionStatus.PENDING
            else earlier.status.lower()
        )
        raise refuse(
            "idempotency_key",
            f"The payment started with this idempotencyKey has ended ({state}); send a new "
            "key to pay again.",
            InitCode.INVALID,
        )
    return earlier


@transaction.atomic
def _attempt_create(
    *,
    checkout: Checkout,
    gateway_id: str,
    method: str | None,
    amount: Decimal | None,
    user: User | None,
    idempotency_key: str | None = None,
    customer_ip_address: str | None = None,
) -> _Attempt:
    """Validate and write the attempt (or find the one `idempotency_key` already names)."""
    from marketplace.checkout.selectors import checkout_totals

    # The checkout row lock queues this behind a running checkout_complete, and makes two
    # retries under one idempotency key take turns: the second sees the first's attempt.
    locked = Checkout.objects.select_for_update().filter(pk=checkout.pk).first()
    if locked is None:
        raise refuse("id", "This checkout does not exist.", InitCode.NOT_FOUND)
    if gateway_id == GatewayId.CASH:
        method = PaymentMethod.CASH
    if idempotency_key is not None:
        earlier = TransactionItem.objects.filter(
            checkout=locked, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            # Before the checks below: a charged attempt is answered even once the checkout
            # has become an order.
            tx = _replay(
                earlier, checkout=locked, gateway_id=gateway_id, method=method, amount=amount
            )
            return _Attempt(tx, _request_event(tx), [], replayed=True)
    if locked.order_id is not None:
        raise refuse("id", "This checkout is already completed.", InitCode.INVALID)
    info = gateway_for(channel=locked.channel, gateway_id=gateway_id)
    if info is None:
        raise refuse(
            "paymentGateway",
            f"Gateway {gateway_id!r} is not offered in channel {locked.channel.slug}.",
            InitCode.NOT_FOUND,
        )
    if method is None or (gateway_id != GatewayId.CASH and method not in ALIPAY_METHODS):
        raise refuse(
            "paymentGateway",
            "Alipay needs data.method: one of PAGE, WAP or QR.",
            InitCode.INVALID,
        )
    if TransactionItem.objects.filter(checkout=locked).count() >= MAX_ATTEMPTS_PER_CHECKOUT:
        raise refuse("id", "Too many payment attempts on this checkout.", InitCode.INVALID)
    remaining = checkout_totals(checkout=locked).total - locked.charged_amount
    if amount is None:
        amount = remaining
    amount = _check_amount(Decimal(amount), "amount", InitCode.INVALID)
    if amount <= 0:
        raise refuse("amount", "There is nothing left to pay on this checkout.", InitCode.INVALID)
    if amount > remaining:
        raise refuse(
            "amount", f"¥{amount} is more than the ¥{remaining} left to pay.", InitCode.INVALID
        )

    superseded = list(
        TransactionItem.objects.filter(
            checkout=locked, status=TransactionStatus.PENDING
        ).values_list("pk", "gateway_id")
    )
    for pk, gateway in superseded:
        if gateway == GatewayId.CASH:
            # Nothing to tell a gateway: the buyer chose another way to pay.
            old = _lock(pk)
            old.status = TransactionStatus.CANCELLED
            old.save(update_fields=["status", "modified_at"])
            _event(old, TransactionEventType.CANCEL_SUCCESS, message="Superseded.", user=user)

    now = timezone.now()
    is_cash = gateway_id == GatewayId.CASH
    tx = TransactionItem.objects.create(
        name=info.name,
        gateway_id=gateway_id,
        method=method,
        psp_reference=_new_reference("CASH" if is_cash else "RM"),
        checkout=locked,
        currency=locked.currency,
        amount=amount,
        expires_at=None if is_cash else now + payment_timeout(),
        idempotency_key=idempotency_key or "",
        # Cash needs no gateway, so a keyed cash attempt's answer is known at once.
        initialize_data=_cash_answer(amount) if is_cash and idempotency_key else None,
        customer_ip_address=customer_ip_address,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    event = _event(
        tx,
        TransactionEventType.CHARGE_REQUEST,
        amount=amount,
        key="request",
        message=f"{info.name}: {method}",
        user=user,
    )
    return _Attempt(tx, event, [pk for pk, gateway in superseded if gateway == GatewayId.ALIPAY])


def _cash_answer(amount: Decimal) -> dict[str, Any]:
    return {"payAtCounter": True, "amount": str(amount)}


def _alipay_answer(tx: TransactionItem) -> dict[str, Any]:
    """The pay URL (PAGE, WAP) or precreated QR code (QR) for the attempt's out_trade_no.
    Asking again for the same out_trade_no is safe: a pay URL opens no trade by itself, and
    Alipay answers a repeated precreate of the same trade with the same QR code."""
    gateway = alipay_gateway()
    subject = f"乡村集市 Ruralmart {str(tx.checkout_id)[:8]}"
    data: dict[str, Any] = {
        "outTradeNo": tx.psp_reference,
        "expiresAt": tx.expires_at.isoformat() if tx.expires_at else None,
    }
    if tx.method == PaymentMethod.QR:
        data["qrCode"] = gateway.precreate(
            out_trade_no=tx.psp_reference,
            total_amount=tx.amount,
            subject=subject,
            time_expire=tx.expires_at,
        )
    else:
        build = gateway.page_pay_url if tx.method == PaymentMethod.PAGE else gateway.wap_pay_url
        data["payUrl"] = build(
            out_trade_no=tx.psp_reference,
            total_amount=tx.amount,
            subject=subject,
            time_expire=tx.expires_at,
        )
    return data


def _keep_first_answer(tx: TransactionItem, data: dict[str, Any]) -> dict[str, Any]:
    """Store `data` as the attempt's answer unless one is stored already; returns the stored
    one, so concurrent retries under one key all hand out the same answer."""
    stored = TransactionItem.objects.filter(pk=tx.pk, initialize_data__isnull=True).update(
        initialize_data=data
    )
    if not stored:
        first = TransactionItem.objects.values_list("initialize_data", flat=True).get(pk=tx.pk)
        if isinstance(first, dict):
            data = first
    tx.initialize_data = data
    return data


def _replayed_answer(tx: TransactionItem) -> dict[str, Any]:
    if tx.initialize_data is not None:
        return dict(tx.initialize_data)
    if tx.gateway_id == GatewayId.CASH:
        return _cash_answer(tx.amount)
    if tx.status != TransactionStatus.PENDING:
        # Charged before any answer was stored: there is nothing left to pay through it.
        return {"outTradeNo": tx.psp_reference}
    # The first call is still waiting for Alipay, or died before storing the answer: ask
    # again for the same out_trade_no. A failure here leaves the attempt PENDING (the first
    # call may yet succeed; reconciliation settles it otherwise).
    try:
        data = _alipay_answer(tx)
    except AlipayError as exc:
        raise refuse(
            "paymentGateway",
            f"Alipay could not be asked again: {exc.message}; retry with the same key.",
            InitCode.INVALID,
        ) from exc
    return _keep_first_answer(tx, data)


def transaction_initialize(
    *,
    checkout: Checkout,
    gateway_id: str,
    method: str | None = None,
    amount: Decimal | None = None,
    user: User | None = None,
    idempotency_key: str | None = None,
    request_ip: str | None = None,
    customer_ip_address: str | None = None,
) -> InitializeResult:
    """Start a payment attempt for `amount` (default: what is left to pay).

    Alipay: a fresh `out_trade_no`, `time_expire` in PAYMENT_TIMEOUT_MINUTES, and the pay
    URL (PAGE, WAP) or the precreated QR code (QR); earlier open attempts of the checkout
    are closed after commit, so the buyer cannot pay twice. Cash (village-counter only): a
    pending attempt the counter confirms with `cash_payment_confirm`; the checkout may then
    be completed unpaid (see `selectors.checkout_pays_at_counter`).

    The attempt is committed before Alipay is called, so a crash in between leaves a
    PENDING attempt for reconciliation, never a trade we do not know about.

    `idempotency_key` (optional, unique per checkout): a retry with the same key, gateway,
    method and amount (None matches any) gets the same attempt and the same `data` back,
    supersedes nothing and opens no trade. Refused with UNIQUE when the key was used for
    another payment, and with INVALID when its attempt can no longer be paid (failed,
    closed, expired or superseded); a charged attempt is returned as it is.

    The attempt records the buyer's IP: `request_ip`, or `customer_ip_address` when the
    caller is a platform admin (ignored for anyone else).
    """
    key = _check_idempotency_key(idempotency_key)
    ip = _customer_ip(user=user, request_ip=request_ip, claimed=customer_ip_address)
    attempt = _attempt_create(
        checkout=checkout,
        gateway_id=gateway_id,
        method=method,
        amount=amount,
        user=user,
        idempotency_key=key,
        customer_ip_address=ip,
    )
    tx = attempt.transaction
    if attempt.replayed:
        return InitializeResult(tx, attempt.event, _replayed_answer(tx))
    for pk in attempt.superseded:
        _after_commit_close(pk)
    if tx.gateway_id == GatewayId.CASH:
        return InitializeResult(tx, attempt.event, _cash_answer(tx.amount))

    try:
        data = _alipay_answer(tx)
    except AlipayError as exc:
        _attempt_failed(transaction_id=tx.pk, message=str(exc))
        raise refuse(
            "paymentGateway", f"Alipay could not start the payment: {exc.message}", InitCode.INVALID
        ) from exc
    if tx.idempotency_key:
        data = _keep_first_answer(tx, data)
    return InitializeResult(tx, attempt.event, data)


@transaction.atomic
def _attempt_failed(*, transaction_id: int, message: str) -> None:
    tx = _lock(transaction_id)
    if tx.status != TransactionStatus.PENDING:
        return
    tx.status = TransactionStatus.FAILED
    tx.message = message[:512]
    tx.save(update_fields=["status", "message", "modified_at"])
    _event(
        tx, TransactionEventType.CHARGE_FAILURE, amount=tx.amount, key="failure", message=message
    )


def _after_commit_close(transaction_id: int) -> None:
    from marketplace.payments.tasks import close_transaction

    def schedule() -> None:
        try:
            close_transaction.delay(transaction_id)
        except Exception:  # the periodic sweep closes it later anyway
            logger.exception("Could not schedule closing transaction %s", transaction_id)

    transaction.on_commit(schedule)


# --- recording what Alipay says -----------------------------------------------------------


def _charged_total(checkout_id: UUID) -> Decimal:
    return (
        TransactionItem.objects.filter(
            checkout_id=checkout_id, status=TransactionStatus.CHARGED
        ).aggregate(total=Sum("charged_amount"))["total"]
        or ZERO
    )


def _propagate_charge(tx: TransactionItem) -> None:
    """Pass the checkout's running total charged on to checkout and order (tx locked)."""
    from marketplace.checkout.services import checkout_mark_charged
    from marketplace.orders.services import order_mark_charged

    if tx.checkout_id is None:
        return
    # Lock the checkout before summing, so two attempts charged at once both see each
    # other's committed charge (READ COMMITTED re-reads after the lock).
    checkout = Checkout.objects.select_for_update().get(pk=tx.checkout_id)
    total = _charged_total(checkout.pk)
    checkout_mark_charged(checkout_id=checkout.pk, amount=total)
    if checkout.order_id is not None:
        if tx.order_id is None:
            tx.order_id = checkout.order_id
            tx.save(update_fields=["order", "modified_at"])
        order = order_mark_charged(
            order_id=checkout.order_id,
            amount=total,
            returned=_returned_for_cancelled(checkout.order_id),
        )
        if order.charge_status in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED):
            _after_commit_order_paid(str(order.pk))


def _returned_for_cancelled(order_id: UUID | None) -> Decimal:
    """What was refunded for the order's cancelled shop orders: no longer paid for them."""
    from marketplace.orders.models import OrderStatus

    if order_id is None:
        return ZERO
    return (
        Refund.objects.filter(
            shop_order__order_id=order_id,
            shop_order__status=OrderStatus.CANCELED,
            status=RefundStatus.SUCCESS,
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )


def _order_charged_total(order_id: UUID) -> Decimal:
    return (
        TransactionItem.objects.filter(
            Q(order_id=order_id) | Q(checkout__order_id=order_id),
            status=TransactionStatus.CHARGED,
        ).aggregate(total=Sum("charged_amount"))["total"]
        or ZERO
    )


def _order_charge_sync(order_id: UUID) -> Decimal:
    """Recompute the order's charge status from the charges and the refunds of cancelled
    shop orders (after a cancellation or such a refund); returns what its live shop orders
    still owe (0 when nothing, or more than they cost, was paid). Locks the order row."""
    from marketplace.orders.selectors import order_live_total
    from marketplace.orders.services import order_mark_charged

    charged, returned = _order_charged_total(order_id), _returned_for_cancelled(order_id)
    order_mark_charged(order_id=order_id, amount=charged, returned=returned)
    live = order_live_total(order_id=order_id)
    return max((live or ZERO) - (charged - returned), ZERO)


def _after_commit_order_paid(order_id: str) -> None:
    from marketplace.payments.tasks import send_order_paid_notifications

    def schedule() -> None:
        try:
            send_order_paid_notifications.delay(order_id)
        except Exception:  # a broker hiccup must not undo a recorded payment
            logger.exception("Could not schedule the order-paid notifications of %s", order_id)

    transaction.on_commit(schedule)


def _record_paid(
    tx: TransactionItem,
    *,
    paid_amount: Decimal,
    trade_no: str,
    key: str,
    raw: Mapping[str, Any],
    source: str,
    user: User | None = None,
) -> str:
    """Alipay (or the counter) says the attempt is paid; `tx` is locked. Returns what was
    done: "charged", "already" or "held"."""
    if _seen(tx, key):
        return "already"
    if paid_amount != tx.amount:
        # Never accepted: a person decides (refund the trade, or correct the order).
        reason = f"{source} reports ¥{paid_amount} paid, but the attempt is for ¥{tx.amount}."
        logger.error("Payment %s held for review: %s", tx.psp_reference, reason)
        tx.needs_review = True
        tx.review_reason = reason
        tx.save(update_fields=["needs_review", "review_reason", "modified_at"])
        _event(tx, TransactionEventType.INFO, amount=paid_amount, key=key, message=reason, raw=raw)
        return "held"
    if tx.status == TransactionStatus.CHARGED:
        _event(
            tx, TransactionEventType.INFO, key=key, message=f"{source}: already charged.", raw=raw
        )
        return "already"
    if tx.status in (TransactionStatus.CANCELLED, TransactionStatus.FAILED):
        # Money really arrived on an attempt we had given up on: keep it (it is the buyer's
        # money and Alipay has it), but a person must look at the stock it no longer holds.
        tx.needs_review = True
        tx.review_reason = f"Paid after the attempt was {tx.status.lower()}."
    tx.status = TransactionStatus.CHARGED
    tx.charged_amount = paid_amount
    if trade_no:
        tx.psp_trade_no = trade_no
    tx.save()
    _event(
        tx,
        TransactionEventType.CHARGE_SUCCESS,
        amount=paid_amount,
        key=key,
        message=f"Paid ({source}).",
        raw=raw,
        user=user,
    )
    _propagate_charge(tx)
    return "charged"


def _record_closed(tx: TransactionItem, *, key: str, raw: Mapping[str, Any], source: str) -> str:
    if _seen(tx, key):
        return "already"
    if tx.status != TransactionStatus.PENDING:
        _event(tx, TransactionEventType.INFO, key=key, message=f"{source}: trade closed.", raw=raw)
        return "already"
    tx.status = TransactionStatus.CANCELLED
    tx.save(update_fields=["status", "modified_at"])
    _event(tx, TransactionEventType.CANCEL_SUCCESS, key=key, message=f"Closed ({source}).", raw=raw)
    return "closed"


def alipay_notification_handle(*, params: Mapping[str, str]) -> str:
    """Handle one asynchronous notification; returns the exact answer Alipay expects.

    "fail" (logged, nothing written) for a forged, tampered, foreign or unknown
    notification: Alipay retries, and an attacker learns nothing. "success" for every
    authentic one we have recorded, including a replay (a no-op), a refund or close
    notice (never a new payment) and an amount mismatch: that one is held for review and
    never accepted, and answering "fail" would only make Alipay repeat it for a day.
    """
    try:
        note = alipay_gateway().check_notification(params)
    except NotificationRejected as exc:
        logger.warning(
            "Alipay notification rejected: %s (out_trade_no=%s notify_id=%s)",
            exc.reason,
            params.get("out_trade_no"),
            params.get("notify_id"),
        )
        return FAIL
    with transaction.atomic():
        tx = (
            TransactionItem.objects.select_for_update()
            .filter(psp_reference=note.out_trade_no, gateway_id=GatewayId.ALIPAY)
            .first()
        )
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
            _event(
                tx,
                TransactionEventType.INFO,
                amount=note.refund_fee or ZERO,
                key=key,
                message=f"Refund notice {note.out_biz_no}: ¥{note.refund_fee} refunded in total.",
                raw=raw,
            )
        elif note.trade_status.is_paid:
            _record_paid(
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
            _event(tx, TransactionEventType.INFO, key=key, message=note.trade_status, raw=raw)
    return SUCCESS


def transaction_reconcile(*, transaction_id: int) -> str:
    """Ask Alipay about an open attempt that saw no notification, and record the answer
    as a notification would. Returns "charged", "already", "held", "closed" or "waiting"."""
    tx = TransactionItem.objects.filter(pk=transaction_id).first()
    if tx is None or tx.gateway_id != GatewayId.ALIPAY or tx.status != TransactionStatus.PENDING:
        return "already"
    status = alipay_gateway().query(out_trade_no=tx.psp_reference)
    with transaction.atomic():
        tx = _lock(transaction_id)
        raw = {"trade_status": status.trade_status.value, "trade_no": status.trade_no or ""}
        if status.is_paid:
            return _record_paid(
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
        tx = _lock(transaction_id)
        outcome = _record_closed(tx, key="close", raw={}, source="timeout or superseded")
        if outcome == "closed" and tx.checkout_id is not None:
            _release_if_unpaid(tx.checkout_id)
        return outcome


def _release_if_unpaid(checkout_id: UUID) -> None:
    from marketplace.checkout.services import checkout_release_reservations

    still_paying = TransactionItem.objects.filter(
        checkout_id=checkout_id,
        status__in=[TransactionStatus.PENDING, TransactionStatus.CHARGED],
    ).exists()
    if not still_paying:
        checkout_release_reservations(checkout_id=checkout_id)


# --- cash at the counter ------------------------------------------------------------------


def can_take_cash(*, user: User | None) -> bool:
    scopes = role_scopes(user)
    return scopes.is_platform_admin or bool(scopes.operated_shop_ids)


@transaction.atomic
def cash_payment_confirm(*, transaction_id: int, actor: User | None) -> TransactionItem:
    """The counter took the cash for a pending cash attempt: charge it. Idempotent."""
    if not can_take_cash(user=actor):
        raise PermissionRefused("Only a Red Supermarket operator takes cash at the counter.")
    tx = TransactionItem.objects.select_for_update().filter(pk=transaction_id).first()
    if tx is None or tx.gateway_id != GatewayId.CASH:
        raise refuse("id", "No such cash payment.", CashPaymentErrorCode.NOT_FOUND)
    if tx.status not in (TransactionStatus.PENDING, TransactionStatus.CHARGED):
        raise refuse(
            "id", f"This cash payment is {tx.status.lower()}.", CashPaymentErrorCode.INVALID
        )
    _record_paid(
        tx,
        paid_amount=tx.amount,
        trade_no="",
        key="cash:received",
        raw={},
        source="counter",
        user=actor,
    )
    return tx


# --- refunds ------------------------------------------------------------------------------


def can_refund(*, user: User | None, shop_order: ShopOrder) -> bool:
    """The shop's own manager, or a platform admin."""
    return can_manage_shop(user=user, shop=shop_order.shop)


def _default_refund_key(amount: Decimal | None, reason: str) -> str:
    """Without a caller's key, the same amount and reason on the same shop order is the
    same request: what a flaky network retries. A second identical partial refund needs
    its own key (or another reason)."""
    text = f"{amount if amount is not None else 'policy'}|{reason.strip()}"
    return "auto:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _order_transaction(order: Order) -> TransactionItem | None:
    """The first charged Alipay attempt that paid (part of) the order."""
    return _order_trades(order).first()


def _order_trades(order: Order) -> QuerySet[TransactionItem]:
    return TransactionItem.objects.filter(
        Q(order=order) | Q(checkout__order=order),
        gateway_id=GatewayId.ALIPAY,
        status=TransactionStatus.CHARGED,
    ).order_by("created_at", "pk")


def _trade_for_refund(order: Order, amount: Decimal) -> TransactionItem:
    """The charged Alipay trade a refund of `amount` comes out of: the first one with that
    much not yet refunded (nor being refunded). One refund is one `alipay.trade.refund`, so
    it comes out of one trade: an order paid in several Alipay parts is refunded trade by
    trade, and an amount no single trade still holds is refused with AMOUNT_TOO_HIGH
    saying how much one refund can be (shop order lock held)."""
    trades = list(_order_trades(order))
    if not trades:
        raise refuse(
            None,
            "The order was not paid with Alipay; refund cash at the counter.",
            RefundErrorCode.NOT_PAID,
        )
    taken = dict(
        Refund.objects.filter(
            transaction__in=trades, status__in=[RefundStatus.PENDING, RefundStatus.SUCCESS]
        )
        .values("transaction")
        .annotate(total=Sum("amount"))
        .values_list("transaction", "total")
    )
    room = {tx.pk: tx.charged_amount - (taken.get(tx.pk) or ZERO) for tx in trades}
    for tx in trades:
        if room[tx.pk] >= amount:
            return tx
    raise refuse(
        "amount",
        f"This order was paid in {len(trades)} Alipay trades and one refund comes out of one "
        f"trade: at most ¥{max(room.values())} at a time here; refund the rest separately.",
        RefundErrorCode.AMOUNT_TOO_HIGH,
    )


def _policy_amount(shop_order: ShopOrder, now: datetime) -> tuple[Decimal, dict[str, Any]]:
    """What the shop order's cancellation entitles the buyer to: everything, except that
    each tourism line gives back only its tier's percentage. Cancels the bookings, all in
    one call (which frees their capacity; cancelling again answers the same percentage).
    `shop_order.order` must be loaded."""
    from marketplace.bookings.services import booking_cancel_many
    from marketplace.orders.selectors import order_line_hold_keys

    lines = list(shop_order.lines.filter(booking_start_date__isnull=False).order_by("pk"))
    keys = order_line_hold_keys(order=shop_order.order, lines=lines)
    if not keys:
        return shop_order.total_amount, {"bookings": []}
    outcomes = {
        outcome.hold.key: outcome
        for outcome in booking_cancel_many(keys=keys.values(), on_date=now)
    }
    withheld = ZERO
    cancelled: list[dict[str, Any]] = []
    for line in lines:
        if line.pk not in keys:
            continue
        outcome = outcomes[keys[line.pk]]
        refunded = outcome.refund_amount(line.total_price_amount)
        withheld += line.total_price_amount - refunded
        cancelled.append(
            {"key": keys[line.pk], "percent": outcome.refund_percent, "refund": str(refunded)}
        )
    return max(shop_order.total_amount - withheld, ZERO), {"bookings": cancelled}


@transaction.atomic
def _refund_prepare(
    *,
    shop_order: ShopOrder,
    amount: Decimal | None,
    reason: str,
    key: str | Callable[[ShopOrder], str],
    actor: User | None,
    now: datetime,
) -> Refund:
    """The refund under `key` (a callable is asked for the key with the shop order locked),
    or a new PENDING one for `amount`. Shop order row locked first."""
    locked = ShopOrder.objects.select_for_update().select_related("order").get(pk=shop_order.pk)
    if callable(key):
        key = key(locked)
    existing = Refund.objects.filter(shop_order=locked, idempotency_key=key).first()
    if existing is not None:
        return existing
    order = locked.order
    if order.charge_status not in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED):
        raise refuse(
            None, "The order is not paid, so there is nothing to refund.", RefundErrorCode.NOT_PAID
        )
    if _order_transaction(order) is None:
        raise refuse(
            None,
            "The order was not paid with Alipay; refund cash at the counter.",
            RefundErrorCode.NOT_PAID,
        )
    taken = (
        Refund.objects.filter(
            shop_order=locked, status__in=[RefundStatus.PENDING, RefundStatus.SUCCESS]
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    left = locked.total_amount - taken
    details: dict[str, Any] = {}
    if amount is None:
        entitled, details = _policy_amount(locked, now)
        amount = min(entitled - taken, left)
        if amount <= 0:
            raise refuse(
                "amount",
                "The cancellation policy leaves nothing to refund.",
                RefundErrorCode.INVALID,
            )
    amount = _check_amount(Decimal(amount), "amount", RefundErrorCode.INVALID)
    if amount <= 0:
        raise refuse("amount", "A refund must be more than ¥0.", RefundErrorCode.INVALID)
    if amount > left:
        raise refuse(
            "amount",
            f"¥{amount} is more than the ¥{left} left to refund on this shop order.",
            RefundErrorCode.AMOUNT_TOO_HIGH,
        )
    tx = _trade_for_refund(order, amount)
    refund = Refund.objects.create(
        shop_order=locked,
        transaction=tx,
        out_request_no=_new_reference("RF"),
        idempotency_key=key,
        amount=amount,
        currency=locked.currency,
        reason=reason[:256],
        details=details,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    with transaction.atomic():
        _event(
            _lock(tx.pk),
            TransactionEventType.REFUND_REQUEST,
            amount=amount,
            key=f"refund-request:{refund.out_request_no}",
            message=reason,
            user=actor,
        )
    return refund


def shop_order_refund(
    *,
    shop_order: ShopOrder,
    actor: User | None,
    reason: str,
    amount: Decimal | None = None,
    idempotency_key: str | None = None,
) -> Refund:
    """Refund part or all of one shop order through `alipay.trade.refund`.

    `amount` None means "what the cancellation entitles": the shop order's total, with
    tourism lines cut to their cancellation tier (their bookings are cancelled). Never more
    than is left on the shop order. Idempotent per `idempotency_key` (default: the same
    amount and reason): a retry gets the same refund back, and if Alipay's answer was lost
    it sends the same `out_request_no` again, which Alipay refunds at most once.

    Raises PermissionRefused unless `actor` manages the shop or is a platform admin;
    ValidationError (RefundErrorCode) when there is nothing to refund, the amount is too
    high, or Alipay refused (FAILED) or could not be reached (still PENDING).
    """
    key = (idempotency_key or "").strip() or _default_refund_key(amount, reason)
    return _refund_run(shop_order=shop_order, actor=actor, reason=reason, amount=amount, key=key)


def _refund_run(
    *,
    shop_order: ShopOrder,
    actor: User | None,
    reason: str,
    amount: Decimal | None,
    key: str | Callable[[ShopOrder], str],
) -> Refund:
    """`shop_order_refund` with the key given, or chosen under the shop order's lock."""
    if not can_refund(user=actor, shop_order=shop_order):
        raise PermissionRefused("Only the shop's manager or a platform admin refunds its orders.")
    refund = _refund_prepare(
        shop_order=shop_order,
        amount=amount,
        reason=reason,
        key=key,
        actor=actor,
        now=timezone.now(),
    )
    if refund.status == RefundStatus.PENDING:
        refund = refund_send(refund_id=refund.pk)
    if refund.status == RefundStatus.FAILED:
        raise refuse(
            None,
            f"Alipay refused the refund: {refund.failure_message}",
            RefundErrorCode.GATEWAY_REFUSED,
        )
    return refund


def refund_send(*, refund_id: int) -> Refund:
    """Send a PENDING refund to Alipay (again) under its own out_request_no.

    Holds the refund row while Alipay answers, so concurrent retries queue and then find
    it settled. An unreachable Alipay leaves it PENDING and raises GATEWAY_UNAVAILABLE."""
    unavailable: AlipayError | None = None
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("transaction").get(pk=refund_id)
        if refund.status != RefundStatus.PENDING:
            return refund
        tx = refund.transaction
        try:
            result = alipay_gateway().refund(
                out_trade_no=tx.psp_reference,
                out_request_no=refund.out_request_no,
                refund_amount=refund.amount,
                reason=refund.reason,
            )
        except AlipayError as exc:
            if exc.retryable:
                unavailable = exc
            else:
                _refund_settle(refund, ok=False, message=str(exc))
        else:
            _refund_settle(refund, ok=True, message="", raw=asdict(result))
    if unavailable is not None:
        logger.warning("Refund %s outcome unknown: %s", refund.out_request_no, unavailable)
        raise refuse(
            None,
            f"Alipay did not answer ({unavailable.message}); the refund is pending: retry it.",
            RefundErrorCode.GATEWAY_UNAVAILABLE,
        )
    if refund.status == RefundStatus.SUCCESS:
        _order_charge_sync_if_cancelled(refund)
    return refund


def _order_charge_sync_if_cancelled(refund: Refund) -> None:
    """A cancelled part was given back: an order overcharged by it is paid in full again.
    In a transaction of its own, after the refund row's, holding only the order row: inside
    it (refund, transaction, then order) a concurrent cancellation (order, then shop order)
    and refund preparation (shop order, then transaction) could close a deadlock cycle. If
    this step is lost, the next cancellation call of the order recomputes the same."""
    from marketplace.orders.models import OrderStatus

    shop_order = ShopOrder.objects.only("status", "order_id").get(pk=refund.shop_order_id)
    if shop_order.status == OrderStatus.CANCELED:
        with transaction.atomic():
            _order_charge_sync(shop_order.order_id)


def _refund_settle(
    refund: Refund, *, ok: bool, message: str, raw: Mapping[str, Any] | None = None
) -> None:
    """Record Alipay's answer (refund row locked)."""
    from marketplace.orders.models import OrderEventType
    from marketplace.orders.services import order_event_add

    refund.status = RefundStatus.SUCCESS if ok else RefundStatus.FAILED
    refund.failure_message = message[:512]
    refund.completed_at = timezone.now()
    refund.save(update_fields=["status", "failure_message", "completed_at"])
    tx = _lock(refund.transaction_id)
    if ok:
        tx.refunded_amount += refund.amount
        tx.save(update_fields=["refunded_amount", "modified_at"])
    refund.transaction = tx  # callers read the refunded total from the refund
    shop_order = refund.shop_order
    _event(
        tx,
        TransactionEventType.REFUND_SUCCESS if ok else TransactionEventType.REFUND_FAILURE,
        amount=refund.amount,
        key=f"refund:{refund.out_request_no}",
        message=message or refund.reason,
        raw={k: str(v) for k, v in (raw or {}).items()},
        user=refund.requested_by,
    )
    order_event_add(
        order=shop_order.order,
        type=OrderEventType.OTHER,
        user=refund.requested_by,
        shop=shop_order.shop,
        parameters={
            "refund": refund.out_request_no,
            "amount": str(refund.amount),
            "status": refund.status,
            "reason": refund.reason,
        },
    )


# --- cancelling shop orders ---------------------------------------------------------------
#
# The orders domain cancels (stock and booking days back, statuses, events) and knows
# nothing of money; this is where a cancellation is paired with its refund, because orders
# must not import payments. The sequence is safe to repeat: the cancellation commits first
# (with what the counter and open Alipay trades ask for settled in the same transaction),
# then the refund goes to Alipay under a key derived from the shop order, so a retry finds
# the same refund (or, after Alipay refused it, makes the next one).


def counter_payment_days() -> int:
    return int(getattr(settings, "COUNTER_PAYMENT_DAYS", 3))


def cancel_refund_key(shop_order_id: int) -> str:
    """The idempotency key of a cancelled shop order's refund: one per shop order, whoever
    cancels it and however often."""
    return f"cancel:{shop_order_id}"


@dataclass(frozen=True)
class CancelOutcome:
    order: Order
    shop_orders: list[ShopOrder]
    # The Alipay refunds of the cancelled shop orders that had been paid (SUCCESS).
    refunds: list[Refund]


def _cancel_closing_cash(*, order_id: UUID, cancel: Callable[[], Any], why: str) -> Any:
    """Run `cancel()` with the order's open cash attempts locked first (payments' lock
    order: transaction rows before the order row, which `cancel()` locks), and settle what
    the buyer is asked to pay in the same transaction, so the counter can never take money
    for what was cancelled (a confirmation waiting on the lock finds its attempt closed):

    - the order wholly cancelled: its cash attempts are closed, nothing is due;
    - partly cancelled: the charge status is recomputed against the live shop orders, and
      a cash attempt asking for anything else than what they still owe is closed
      ("superseded: <why>") and replaced by one for exactly that (none if nothing is owed).
      Open Alipay trades for more than that are closed after commit, as superseded
      attempts are (`_after_commit_close`): the buyer pays the rest at the counter.

    `durable`: it must not run inside another transaction, since its callers talk to Alipay
    after it commits."""
    from marketplace.orders.models import OrderStatus

    with transaction.atomic(durable=True):
        pending = list(
            TransactionItem.objects.select_for_update(of=("self",))
            .filter(
                Q(order_id=order_id) | Q(checkout__order_id=order_id),
                gateway_id=GatewayId.CASH,
                status=TransactionStatus.PENDING,
            )
            .order_by("pk")
        )
        result = cancel()
        if Order.objects.filter(pk=order_id, status=OrderStatus.CANCELED).exists():
            for tx in pending:
                _cash_attempt_close(
                    tx, "The order was cancelled; nothing is to be paid at the counter."
                )
            return result
        owed = _order_charge_sync(order_id)
        kept = next((tx for tx in pending if tx.amount == owed), None)
        for tx in pending:
            if tx is not kept:
                _cash_attempt_close(
                    tx,
                    f"Superseded: {why}; ¥{owed} is still owed"
                    + (", asked for by a new cash attempt." if owed > 0 else "."),
                )
        if pending and kept is None and owed > 0:
            _cash_attempt_replace(pending[0], order_id=order_id, amount=owed, why=why)
        for pk in TransactionItem.objects.filter(
            Q(order_id=order_id) | Q(checkout__order_id=order_id),
            gateway_id=GatewayId.ALIPAY,
            status=TransactionStatus.PENDING,
            amount__gt=owed,
        ).values_list("pk", flat=True):
            _after_commit_close(pk)
    return result


def _cash_attempt_close(tx: TransactionItem, message: str) -> None:
    """Close an open cash attempt (locked): the counter can no longer take cash for it."""
    tx.status = TransactionStatus.CANCELLED
    tx.save(update_fields=["status", "modified_at"])
    _event(tx, TransactionEventType.CANCEL_SUCCESS, key="order-canceled", message=message)


def _cash_attempt_replace(
    old: TransactionItem, *, order_id: UUID, amount: Decimal, why: str
) -> TransactionItem:
    """A fresh cash attempt for `amount` in place of `old` (closed): the counter confirms
    this one now. It belongs to the same checkout and order, so the counter's list of what
    to collect and the unpaid-counter-order sweep both see it."""
    tx = TransactionItem.objects.create(
        name=old.name,
        gateway_id=GatewayId.CASH,
        method=PaymentMethod.CASH,
        psp_reference=_new_reference("CASH"),
        checkout_id=old.checkout_id,
        order_id=order_id,
        currency=old.currency,
        amount=amount,
        customer_ip_address=old.customer_ip_address,
    )
    _event(
        tx,
        TransactionEventType.CHARGE_REQUEST,
        amount=amount,
        key="request",
        message=f"Cash at the counter: replaces {old.psp_reference} ({why}).",
    )
    return tx


def _refunded_so_far(shop_order: ShopOrder) -> Decimal:
    return (
        Refund.objects.filter(
            shop_order=shop_order, status__in=[RefundStatus.PENDING, RefundStatus.SUCCESS]
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )


def _note_cash_owed(*, shop_order: ShopOrder, amount: Decimal, actor: User | None) -> None:
    """A cancelled shop order paid in cash: Alipay cannot give it back, the counter must.
    Recorded once in the order's history, under the shop order's lock."""
    from marketplace.orders.models import OrderEvent, OrderEventType
    from marketplace.orders.services import order_event_add

    key = cancel_refund_key(shop_order.pk)
    with transaction.atomic():
        locked = ShopOrder.objects.select_for_update().get(pk=shop_order.pk)
        if OrderEvent.objects.filter(
            order_id=locked.order_id, type=OrderEventType.NOTE_ADDED, parameters__refund_due=key
        ).exists():
            return
        order_event_add(
            order=Order(pk=locked.order_id),
            type=OrderEventType.NOTE_ADDED,
            user=actor if actor is not None and actor.is_authenticated else None,
            shop=shop_order.shop,
            parameters={
                "message": f"Cancelled after ¥{amount} was paid at the counter: give it back "
                "in cash.",
                "amount": str(amount),
                "refund_due": key,
            },
        )


def _cancel_refunds(shop_order: ShopOrder) -> list[Refund]:
    """The refunds made under the shop order's cancel keys, oldest first."""
    base = cancel_refund_key(shop_order.pk)
    return list(
        Refund.objects.filter(shop_order=shop_order)
        .filter(Q(idempotency_key=base) | Q(idempotency_key__startswith=f"{base}:"))
        .order_by("pk")
    )


def _cancel_refund_key_now(shop_order: ShopOrder) -> str:
    """The key the cancellation's refund goes under now (shop order locked): the latest
    one's while it is PENDING or SUCCESS (a retry sends or returns that very refund, never
    a second), the next one ("cancel:<id>:2", ":3", …, one more than the FAILED ones) after
    Alipay refused the latest, so asking again is a new request Alipay can still grant."""
    made = _cancel_refunds(shop_order)
    if made and made[-1].status != RefundStatus.FAILED:
        return made[-1].idempotency_key
    failed = sum(1 for refund in made if refund.status == RefundStatus.FAILED)
    base = cancel_refund_key(shop_order.pk)
    return base if not failed else f"{base}:{failed + 1}"


def _refund_cancelled(
    *, order: Order, shop_order: ShopOrder, actor: User | None, reason: str
) -> Refund | None:
    """Refund everything still unrefunded on a cancelled, paid shop order: the shop called
    it off, so no cancellation tier applies. None when nothing was paid or is left.

    Under the cancel keys (`_cancel_refund_key_now`): once the refund exists a retry sends
    that same refund (Alipay pays an out_request_no at most once) instead of computing a
    new amount; once Alipay refused it, a retry asks again under the next key."""
    from marketplace.orders.error_codes import OrderErrorCode

    made = _cancel_refunds(shop_order)
    if made and made[-1].status != RefundStatus.FAILED:
        amount = made[-1].amount
    else:
        if order.charge_status not in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED):
            return None
        amount = shop_order.total_amount - _refunded_so_far(shop_order)
        if amount <= 0:
            return None
        if _order_transaction(order) is None:
            _note_cash_owed(shop_order=shop_order, amount=amount, actor=actor)
            return None
    try:
        return _refund_run(
            shop_order=shop_order,
            actor=actor,
            reason=reason,
            amount=amount,
            key=_cancel_refund_key_now,
        )
    except ValidationError as exc:
        raise refuse(
            None,
            f"The shop order is cancelled, but its refund of ¥{amount} did not go through: "
            f"{' '.join(exc.messages)}",
            OrderErrorCode.PAYMENT_ERROR,
        ) from exc


def shop_order_cancel_and_refund(
    *, actor: User | None, shop_order: ShopOrder, reason: str
) -> CancelOutcome:
    """Cancel a shop order (`orders.services.shop_order_cancel`: same permission, rules and
    idempotency) and refund the buyer the whole amount still unrefunded on it, if paid.

    Call it outside any transaction (enforced: the cancellation's transaction is durable,
    so RuntimeError inside another): it commits before Alipay is asked, so a lost answer
    never undoes a refund Alipay made. A retry is safe at every point: the cancellation is
    a no-op the second time, and the refund is found by its key. An unpaid counter order
    of which this was one part asks at the counter only for what the other parts still
    owe (see `_cancel_closing_cash`).

    Raises what `shop_order_cancel` raises; when the refund fails after the cancellation
    committed, a ValidationError with OrderErrorCode.PAYMENT_ERROR. Calling again then
    sends the same refund if Alipay did not answer (it is refunded at most once), or asks
    Alipay anew under the next cancel key if Alipay refused it (FAILED); while the cause
    lasts (say, the seller's balance) each call is refused again and a person must act.
    A shop order paid in cash gets a note in the order's history instead: the counter
    gives the money back.
    """
    from marketplace.orders.services import shop_order_cancel

    cancelled = _cancel_closing_cash(
        order_id=shop_order.order_id,
        cancel=lambda: shop_order_cancel(actor=actor, shop_order=shop_order, reason=reason),
        why=f"shop order {shop_order.pk} cancelled",
    )
    cancelled.shop = shop_order.shop
    order = Order.objects.get(pk=shop_order.order_id)
    refund = _refund_cancelled(order=order, shop_order=cancelled, actor=actor, reason=reason)
    return CancelOutcome(order=order, shop_orders=[cancelled], refunds=[refund] if refund else [])


def order_cancel_and_refund(*, actor: User | None, order: Order, reason: str) -> CancelOutcome:
    """Cancel every shop order of an order (`orders.services.order_cancel`, platform admins)
    and refund each paid one in full, as `shop_order_cancel_and_refund` does for one.

    Every refund is attempted even if one fails; the first failure is then raised
    (PAYMENT_ERROR), and calling again retries only what is not refunded yet."""
    from marketplace.orders.models import OrderStatus
    from marketplace.orders.services import order_cancel

    _cancel_closing_cash(
        order_id=order.pk,
        cancel=lambda: order_cancel(actor=actor, order=order, reason=reason),
        why=f"order #{order.number} cancelled",
    )
    order = Order.objects.get(pk=order.pk)
    shop_orders = list(
        ShopOrder.objects.filter(order=order, status=OrderStatus.CANCELED)
        .select_related("shop")
        .order_by("pk")
    )
    refunds: list[Refund] = []
    failure: ValidationError | None = None
    for shop_order in shop_orders:
        try:
            refund = _refund_cancelled(
                order=order, shop_order=shop_order, actor=actor, reason=reason
            )
        except ValidationError as exc:
            failure = failure or exc
            continue
        if refund is not None:
            refunds.append(refund)
    if failure is not None:
        raise failure
    return CancelOutcome(order=order, shop_orders=shop_orders, refunds=refunds)


def orders_cancel_unpaid_at_counter(*, now: datetime, limit: int = 200) -> int:
    """Cancel orders placed to be paid in cash at the village counter that nobody paid
    within COUNTER_PAYMENT_DAYS (default 3): their stock and booking days go back on sale
    and their cash attempts are closed. Returns how many orders were cancelled.

    The system acts (`as_system`, no actor): it may cancel only what nobody paid anything
    for, re-checked under the order's lock, so cash confirmed at the counter meanwhile
    wins. Orders of which a shop has handed something over are left alone (for a counter
    order the handover is when the cash is taken, so a person settles those). At most
    `limit` orders per run; the periodic task runs again."""
    from marketplace.orders.models import OrderStatus
    from marketplace.orders.services import order_cancel

    days = counter_payment_days()
    reason = f"Not paid at the counter within {days} days"
    due = list(
        Order.objects.filter(
            status=OrderStatus.UNFULFILLED,
            charge_status=OrderChargeStatus.NONE,
            created_at__lte=now - timedelta(days=days),
            checkout_token__in=TransactionItem.objects.filter(
                gateway_id=GatewayId.CASH, status=TransactionStatus.PENDING
            ).values("checkout_id"),
        )
        .only("pk")
        .order_by("created_at")[:limit]
    )
    cancelled = 0
    for order in due:
        try:
            _cancel_closing_cash(
                order_id=order.pk,
                cancel=partial(
                    order_cancel, actor=None, order=order, reason=reason, as_system=True
                ),
                why="not paid at the counter in time",
            )
        except ValidationError as exc:  # paid or handed over meanwhile: not ours to cancel
            logger.info("Counter order %s left as it is: %s", order.pk, " ".join(exc.messages))
            continue
        cancelled += 1
    return cancelled
