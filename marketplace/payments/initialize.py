"""Starting a payment (Saleor's transactionInitialize): a new attempt on a checkout, its
Alipay pay URL or QR code, or a cash attempt the village counter confirms later.

A buyer app's `idempotency_key` names at most one attempt per checkout, so a retried
`transaction_initialize` gets that attempt (and its first answer) back. The checkout row is
locked while the attempt is written; Alipay is asked only after that commits.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.checkout.models import Checkout
from marketplace.checkout.selectors import checkout_totals
from marketplace.core.errors import refuse
from marketplace.payments.alipay.gateway import AlipayError
from marketplace.payments.demo_gateway import AT_INITIALIZE, demo_event_type, demo_settle
from marketplace.payments.error_codes import (
    TransactionInitializeErrorCode,
)
from marketplace.payments.gateways import ALIPAY_METHODS, alipay_gateway, gateway_for
from marketplace.payments.models import (
    GatewayId,
    PaymentMethod,
    TransactionEvent,
    TransactionEventType,
    TransactionItem,
    TransactionStatus,
)
from marketplace.payments.notify import transaction_close_after_commit
from marketplace.payments.records import (
    check_amount,
    event_add,
    new_reference,
    payment_timeout,
    transaction_lock,
)

logger = logging.getLogger("ruralmart.payments")

# Saleor's limit of transaction items per checkout.
MAX_ATTEMPTS_PER_CHECKOUT = 100
InitCode = TransactionInitializeErrorCode


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
            or check_amount(Decimal(amount), "amount", InitCode.INVALID) == earlier.amount
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
    # The checkout row lock queues this behind a running checkout_complete, and makes two
    # retries under one idempotency key take turns: the second sees the first's attempt.
    locked = Checkout.objects.select_for_update().filter(pk=checkout.pk).first()
    if locked is None:
        raise refuse("id", "This checkout does not exist.", InitCode.NOT_FOUND)
    if gateway_id == GatewayId.CASH:
        method = PaymentMethod.CASH
    elif gateway_id == GatewayId.DEMO:
        method = PaymentMethod.DEMO
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
    if method is None or (gateway_id == GatewayId.ALIPAY and method not in ALIPAY_METHODS):
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
    amount = check_amount(Decimal(amount), "amount", InitCode.INVALID)
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
            old = transaction_lock(pk)
            old.status = TransactionStatus.CANCELLED
            old.save(update_fields=["status", "modified_at"])
            event_add(old, TransactionEventType.CANCEL_SUCCESS, message="Superseded.", user=user)

    now = timezone.now()
    is_cash = gateway_id == GatewayId.CASH
    prefix = {GatewayId.CASH: "CASH", GatewayId.DEMO: "DEMO"}.get(GatewayId(gateway_id), "RM")
    tx = TransactionItem.objects.create(
        name=info.name,
        gateway_id=gateway_id,
        method=method,
        psp_reference=new_reference(prefix),
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
    event = event_add(
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
    if tx.gateway_id == GatewayId.DEMO:
        return {"pspReference": tx.psp_reference, "status": tx.status}
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
    gateway_data: Any = None,
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

    The demo gateway (where enabled) takes `gateway_data` as Saleor's dummy payment app
    does: see `demo_gateway`.
    """
    key = _check_idempotency_key(idempotency_key)
    demo_event = (
        demo_event_type(
            gateway_data, allowed=AT_INITIALIZE, field="paymentGateway", code=InitCode.INVALID
        )
        if gateway_id == GatewayId.DEMO
        else None
    )
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
        transaction_close_after_commit(pk)
    if tx.gateway_id == GatewayId.CASH:
        return InitializeResult(tx, attempt.event, _cash_answer(tx.amount))
    if demo_event is not None:
        data = demo_settle(transaction_id=tx.pk, event_type=demo_event)
        if tx.idempotency_key:
            data = _keep_first_answer(tx, data)
        tx.refresh_from_db()
        return InitializeResult(tx, attempt.event, data)

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
    tx = transaction_lock(transaction_id)
    if tx.status != TransactionStatus.PENDING:
        return
    tx.status = TransactionStatus.FAILED
    tx.message = message[:512]
    tx.save(update_fields=["status", "message", "modified_at"])
    event_add(
        tx, TransactionEventType.CHARGE_FAILURE, amount=tx.amount, key="failure", message=message
    )
