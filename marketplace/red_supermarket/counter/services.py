"""Counter sales and till shifts: the writes.

A sale is written in one transaction with its lines and its stock held or taken, so an
error leaves nothing behind. Cash sales finish there (stock taken, ledger posted, receipt
issued). Alipay sales commit PENDING first, then ask Alipay, then finish in a second
transaction: no database lock is held while the network is slow, and a crash in between
leaves a PENDING sale that `counter_sale_poll` resolves by asking Alipay, never by paying
again. `request_id` (UNIQUE) makes a retried submit return the sale already made.

Locks, in order: the open till shift (cash sales and closing take it, so a close counts
every cash sale), the sale row, then the warehouse's stock rows in pk order.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.catalog.models import ProductVariant, ProductVariantChannelListing
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.core.fingerprint import request_fingerprint
from marketplace.organisations.models import Household
from marketplace.organisations.privacy import mask_name
from marketplace.payments.alipay.gateway import (
    AlipayError,
    AlipayGateway,
    VerifiedNotification,
    gateway_from_settings,
)
from marketplace.payments.alipay.protocol import TradeState
from marketplace.red_supermarket.counter import alipay_face_to_face as f2f
from marketplace.red_supermarket.counter import ledger
from marketplace.red_supermarket.counter.error_codes import CounterErrorCode
from marketplace.red_supermarket.counter.stock import (
    counter_stock_hold,
    counter_stock_lock,
    counter_stock_release,
    counter_stock_take,
)
from marketplace.red_supermarket.models import (
    CounterPaymentMethod,
    CounterSale,
    CounterSaleLine,
    CounterSaleStatus,
    ReceiptKind,
    RedSupermarket,
    TillShift,
    TillShiftStatus,
)
from marketplace.red_supermarket.receipts import receipt_issue, receipt_line
from marketplace.red_supermarket.selectors import can_operate_supermarket

logger = logging.getLogger("ruralmart.counter")
CENT = Decimal("0.01")
MAX_LINE_QUANTITY = 999
MAX_LINES = 100
MAX_CASH = Decimal("100000.00")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def counter_channel_slug() -> str:
    return str(getattr(settings, "RED_SUPERMARKET_COUNTER_CHANNEL", "village-counter"))


def alipay_timeout() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "COUNTER_ALIPAY_TIMEOUT_SECONDS", 60)))


@dataclass(frozen=True)
class SaleLineInput:
    variant_id: int
    quantity: int


@dataclass(frozen=True)
class PaymentInput:
    method: str
    auth_code: str = ""
    cash_received: Any = None


def require_operator(*, user: User | None, supermarket: RedSupermarket) -> User:
    if user is None or not can_operate_supermarket(user=user, supermarket=supermarket):
        raise PermissionRefused(f"Only the operators of {supermarket.name} work its counter.")
    return user


def parse_cash(value: Any, *, field: str) -> Decimal:
    """A yuan amount typed at the till: at most 2 places, never negative, never a float."""
    if isinstance(value, (bool, float)) or value is None or str(value).strip() == "":
        raise refuse(field, "Enter an amount in yuan.", CounterErrorCode.INVALID_AMOUNT)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise refuse(
            field, f"{value!r} is not an amount.", CounterErrorCode.INVALID_AMOUNT
        ) from None
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount < 0 or amount > MAX_CASH:
        raise refuse(
            field, f"{value} is not an amount in yuan (2 places).", CounterErrorCode.INVALID_AMOUNT
        )
    return amount.quantize(CENT)


# --- sales ----------------------------------------------------------------------------------


def _fingerprint(
    supermarket: RedSupermarket,
    lines: Sequence[SaleLineInput],
    payment: PaymentInput,
    member_id: int | None,
) -> str:
    return request_fingerprint(
        supermarket.pk,
        sorted((line.variant_id, line.quantity) for line in lines),
        payment.method,
        payment.auth_code,
        str(payment.cash_received),
        member_id,
    )


def _merged(lines: Sequence[SaleLineInput]) -> list[SaleLineInput]:
    if not lines:
        raise refuse("lines", "Add at least one item.", CounterErrorCode.REQUIRED)
    if len(lines) > MAX_LINES:
        raise refuse("lines", f"At most {MAX_LINES} lines.", CounterErrorCode.INVALID_QUANTITY)
    merged: dict[int, int] = {}
    for line in lines:
        if not isinstance(line.quantity, int) or line.quantity < 1:
            raise refuse(
                "lines", "Quantities are whole numbers from 1.", CounterErrorCode.INVALID_QUANTITY
            )
        merged[line.variant_id] = merged.get(line.variant_id, 0) + line.quantity
        if merged[line.variant_id] > MAX_LINE_QUANTITY:
            raise refuse(
                "lines",
                f"At most {MAX_LINE_QUANTITY} of one item.",
                CounterErrorCode.INVALID_QUANTITY,
            )
    return [SaleLineInput(variant_id=v, quantity=q) for v, q in merged.items()]


def _priced_variants(*, shop_id: int, variant_ids: list[int]) -> dict[int, ProductVariant]:
    """The shop's variants with their counter price (`counter_price`, None when unlisted),
    in one query whatever the number of lines."""
    price = ProductVariantChannelListing.objects.filter(
        variant=OuterRef("pk"), channel__slug=counter_channel_slug()
    ).values("price_amount")[:1]
    rows = (
        ProductVariant.objects.filter(pk__in=variant_ids, product__shop_id=shop_id)
        .select_related("product")
        .annotate(counter_price=Subquery(price))
    )
    return {v.pk: v for v in rows}


def _check_payment(payment: PaymentInput) -> tuple[str, Decimal | None, str]:
    if payment.method not in CounterPaymentMethod.values:
        raise refuse(
            "payment", f"Unknown payment method {payment.method!r}.", CounterErrorCode.INVALID
        )
    received = None
    auth_code = ""
    if payment.method == CounterPaymentMethod.CASH:
        received = parse_cash(payment.cash_received, field="cash_received")
    elif payment.method == CounterPaymentMethod.ALIPAY_CODE:
        auth_code = (payment.auth_code or "").strip()
        if not f2f.is_payment_code(auth_code):
            raise refuse(
                "auth_code",
                "付款码应为 16–24 位数字 / scan the buyer's Alipay payment code.",
                CounterErrorCode.BAD_PAYMENT_CODE,
            )
        if CounterSale.objects.filter(auth_code=auth_code).exists():
            raise refuse(
                "auth_code",
                "付款码已使用 / this payment code was already used; ask for a fresh one.",
                CounterErrorCode.PAYMENT_CODE_USED,
            )
    return payment.method, received, auth_code


def counter_sale_create(
    *,
    supermarket: RedSupermarket,
    operator: User | None,
    request_id: str,
    lines: Sequence[SaleLineInput],
    payment: PaymentInput,
    member_id: int | None = None,
    gateway: AlipayGateway | None = None,
) -> CounterSale:
    """Sell `lines` at `supermarket`, or return the sale `request_id` already made.

    Cash: paid and finished on return. Alipay: PAID, PENDING (the buyer must confirm, or
    must scan the QR: poll it) or FAILED with `failure_code` (the stock given back)."""
    user = require_operator(user=operator, supermarket=supermarket)
    request_id = (request_id or "").strip()
    if not _REQUEST_ID_RE.match(request_id):
        raise refuse(
            "request_id",
            "A request id of 8 to 64 letters or digits is needed.",
            CounterErrorCode.INVALID,
        )
    fingerprint = _fingerprint(supermarket, lines, payment, member_id)
    existing = CounterSale.objects.filter(request_id=request_id).first()
    if existing is not None:
        return _same_request(existing, fingerprint)
    merged = _merged(lines)
    method, received, auth_code = _check_payment(payment)
    try:
        sale = _sale_write(
            supermarket=supermarket,
            operator=user,
            request_id=request_id,
            fingerprint=fingerprint,
            lines=merged,
            method=method,
            cash_received=received,
            auth_code=auth_code,
            member_id=member_id,
        )
    except IntegrityError:
        # Lost the race to a retry of the same submit (request_id), or the payment code was
        # used meanwhile by another sale (auth_code): the winner stands.
        existing = CounterSale.objects.filter(request_id=request_id).first()
        if existing is not None:
            return _same_request(existing, fingerprint)
        raise refuse(
            "auth_code",
            "付款码已使用 / payment code already used.",
            CounterErrorCode.PAYMENT_CODE_USED,
        ) from None
    if method == CounterPaymentMethod.CASH:
        return sale
    return _ask_alipay(sale, gateway=gateway or _default_gateway())


def _same_request(sale: CounterSale, fingerprint: str) -> CounterSale:
    if sale.fingerprint != fingerprint:
        raise refuse(
            "request_id",
            "This request id was used for another sale.",
            CounterErrorCode.REQUEST_ID_REUSED,
        )
    return sale


def _default_gateway() -> AlipayGateway:
    return gateway_from_settings()


@transaction.atomic
def _sale_write(
    *,
    supermarket: RedSupermarket,
    operator: User,
    request_id: str,
    fingerprint: str,
    lines: list[SaleLineInput],
    method: str,
    cash_received: Decimal | None,
    auth_code: str,
    member_id: int | None,
) -> CounterSale:
    now = timezone.now()
    member = None
    if member_id is not None:
        member = Household.objects.filter(pk=member_id).first()
        if member is None or member.village_id != supermarket.shop.village_id:
            raise refuse(
                "member",
                "The member is not a household of this village.",
                CounterErrorCode.MEMBER_NOT_OF_VILLAGE,
            )
    shift = till_shift_lock_open(supermarket=supermarket)
    if method == CounterPaymentMethod.CASH and shift is None:
        raise refuse(
            "payment",
            "开钱箱后才能收现金 / open the till before taking cash.",
            CounterErrorCode.NO_OPEN_SHIFT,
        )
    variants = _priced_variants(
        shop_id=supermarket.shop_id, variant_ids=[line.variant_id for line in lines]
    )
    missing = [line.variant_id for line in lines if line.variant_id not in variants]
    if missing:
        raise refuse("lines", "这家超市没有这件商品 / unknown item.", CounterErrorCode.UNKNOWN_ITEM)
    unpriced = [v for v in variants.values() if getattr(v, "counter_price", None) is None]
    if unpriced:
        raise refuse(
            "lines",
            f"未在柜台定价 / not for sale at the counter: {unpriced[0].product.name}.",
            CounterErrorCode.NOT_FOR_SALE,
        )
    wanted = [(variants[line.variant_id], line.quantity) for line in lines]
    stocks = counter_stock_lock(warehouse_id=supermarket.warehouse_id, wanted=wanted, now=now)
    total = sum(
        (Decimal(v.counter_price) * n for v, n in wanted),  # type: ignore[attr-defined]
        Decimal("0.00"),
    ).quantize(CENT)
    if total <= 0:
        raise refuse("lines", "The sale totals nothing.", CounterErrorCode.INVALID_AMOUNT)
    is_cash = method == CounterPaymentMethod.CASH
    if is_cash and cash_received is not None and cash_received < total:
        raise refuse(
            "cash_received",
            f"收款 {cash_received} 少于应收 {total} / cash received is less than the total.",
            CounterErrorCode.CASH_SHORT,
        )
    sale = CounterSale.objects.create(
        supermarket=supermarket,
        shift=shift,
        request_id=request_id,
        fingerprint=fingerprint,
        operator=operator,
        member=member,
        payment_method=method,
        total=total,
        cash_received=cash_received,
        change_given=(cash_received - total) if is_cash and cash_received is not None else None,
        auth_code=auth_code or None,
        out_trade_no=None if is_cash else f"RSC{supermarket.pk}{request_id.replace('-', '')[:40]}",
        status=CounterSaleStatus.PAID if is_cash else CounterSaleStatus.PENDING,
        paid_at=now if is_cash else None,
        finished_at=now if is_cash else None,
    )
    sale_lines = CounterSaleLine.objects.bulk_create(
        [
            CounterSaleLine(
                sale=sale,
                variant=v,
                stock=stocks.get(v.pk),
                product_name=v.product.name,
                variant_name=v.name,
                barcode=v.barcode or "",
                quantity=n,
                unit_price=Decimal(v.counter_price).quantize(CENT),  # type: ignore[attr-defined]
                total_price=(Decimal(v.counter_price) * n).quantize(CENT),  # type: ignore[attr-defined]
            )
            for v, n in wanted
        ]
    )
    per_stock = _per_stock(sale_lines)
    if is_cash:
        counter_stock_take(per_stock=per_stock, held=False)
        _finish_paid(sale, sale_lines)
    else:
        counter_stock_hold(per_stock=per_stock)
    return sale


def _per_stock(lines: Sequence[CounterSaleLine]) -> dict[int, int]:
    per: dict[int, int] = {}
    for line in lines:
        if line.stock_id is not None:
            per[line.stock_id] = per.get(line.stock_id, 0) + line.quantity
    return per


def member_on_receipt(member: Household) -> str:
    """张** HT00000012: the masked head of household and the public reference."""
    return f"{mask_name(member.head_name)} {member.reference}".strip()


def _finish_paid(sale: CounterSale, lines: Sequence[CounterSaleLine]) -> None:
    """Post and print a sale that is paid (inside the caller's transaction)."""
    is_cash = sale.payment_method == CounterPaymentMethod.CASH
    village = sale.supermarket.shop.village
    ledger.post_counter_sale(
        sale_id=sale.pk, village=village, total=sale.total, cash=is_cash, actor=sale.operator
    )
    details: dict[str, str] = (
        {"received": str(sale.cash_received), "change": str(sale.change_given)}
        if is_cash
        else {"alipay_trade_no": sale.alipay_trade_no, "out_trade_no": sale.out_trade_no or ""}
    )
    if sale.member is not None:
        # Paper leaves the station: the member is printed masked whoever rings the sale up.
        details["member"] = member_on_receipt(sale.member)
    receipt_issue(
        supermarket=sale.supermarket,
        kind=ReceiptKind.COUNTER_SALE,
        reference=sale.receipt_reference,
        lines=[
            {
                "name": f"{line.product_name} {line.variant_name}".strip(),
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "amount": str(line.total_price),
            }
            for line in lines
        ],
        total=sale.total,
        payment_method=sale.payment_method,
        payment_details=details,
        operator=sale.operator,
        at=sale.paid_at,
    )


def _subject(sale: CounterSale) -> str:
    return f"{sale.supermarket.name} 柜台销售"


def _ask_alipay(sale: CounterSale, *, gateway: AlipayGateway) -> CounterSale:
    assert sale.out_trade_no
    if sale.payment_method == CounterPaymentMethod.ALIPAY_QR:
        try:
            qr = gateway.precreate(
                out_trade_no=sale.out_trade_no,
                total_amount=sale.total,
                subject=_subject(sale),
                time_expire=timezone.now() + alipay_timeout(),
            )
        except AlipayError as exc:
            if exc.retryable:
                return sale  # polled: the query tells whether the trade exists
            return _fail(sale, code=CounterErrorCode.PAYMENT_FAILED, reason=exc.message)
        CounterSale.objects.filter(pk=sale.pk).update(qr_code=qr)
        sale.qr_code = qr
        return sale
    result = f2f.trade_pay(
        gateway,
        out_trade_no=sale.out_trade_no,
        auth_code=sale.auth_code or "",
        total_amount=sale.total,
        subject=_subject(sale),
    )
    if result.state is f2f.CodePayState.PAID:
        return _mark_paid(sale, trade_no=result.trade_no)
    if result.state is f2f.CodePayState.REFUSED:
        code = (
            CounterErrorCode.PAYMENT_CODE_USED
            if result.sub_code in f2f.AUTH_CODE_REFUSALS
            else CounterErrorCode.PAYMENT_FAILED
        )
        return _fail(sale, code=code, reason=result.message or result.sub_code)
    return sale


@transaction.atomic
def _mark_paid(sale: CounterSale, *, trade_no: str) -> CounterSale:
    locked = (
        CounterSale.objects.select_for_update()
        .select_related("supermarket__shop__village", "operator")
        .get(pk=sale.pk)
    )
    if locked.status != CounterSaleStatus.PENDING:
        return locked
    lines = list(locked.lines.all())
    counter_stock_take(per_stock=_per_stock(lines), held=True)
    now = timezone.now()
    locked.status = CounterSaleStatus.PAID
    locked.alipay_trade_no = trade_no
    locked.paid_at = locked.finished_at = now
    locked.save(update_fields=["status", "alipay_trade_no", "paid_at", "finished_at"])
    _finish_paid(locked, lines)
    return locked


@transaction.atomic
def _fail(
    sale: CounterSale,
    *,
    code: CounterErrorCode,
    reason: str,
    status: str = CounterSaleStatus.FAILED,
) -> CounterSale:
    locked = CounterSale.objects.select_for_update().get(pk=sale.pk)
    if locked.status != CounterSaleStatus.PENDING:
        return locked
    counter_stock_release(per_stock=_per_stock(list(locked.lines.all())))
    locked.status = status
    locked.failure_code = code.value
    locked.failure_reason = reason[:255]
    locked.finished_at = timezone.now()
    locked.save(update_fields=["status", "failure_code", "failure_reason", "finished_at"])
    return locked


def _lock_pending(sale_pk: int, *, wait: bool) -> CounterSale | None:
    """The sale, row-locked, if it is still PENDING. With `wait=False` a sale another caller
    is settling right now counts as not ours to touch (None). Only the sale's row is
    locked (`of`): locking the joined supermarket too would make every other sale of that
    supermarket look busy to a skip-locked sweeper."""
    return (
        CounterSale.objects.select_for_update(skip_locked=not wait, of=("self",))
        .select_related("supermarket__shop__village", "operator")
        .filter(pk=sale_pk, status=CounterSaleStatus.PENDING)
        .first()
    )


def _settle_with_alipay(
    sale: CounterSale, *, gateway: AlipayGateway, give_up_reason: str | None
) -> CounterSale:
    """Ask Alipay about a PENDING sale the caller holds locked: paid → finished; closed →
    failed; still waiting → cancelled at Alipay when `give_up_reason` is given, else left
    as it is. An unanswered query leaves it PENDING: nothing is cancelled blind.

    The caller keeps the sale's row lock across these Alipay calls, on purpose: a cancel
    that raced a query answering "paid" could refund the buyer at Alipay while the sale is
    finished here. Holding one sale row costs nothing else, and a poller that finds it
    locked skips it."""
    assert sale.out_trade_no
    try:
        status = gateway.query(out_trade_no=sale.out_trade_no)
    except AlipayError:
        return sale
    if status.is_paid:
        return _mark_paid(sale, trade_no=status.trade_no or "")
    if status.trade_status == "TRADE_CLOSED":
        return _fail(sale, code=CounterErrorCode.PAYMENT_FAILED, reason="交易已关闭 / trade closed")
    if give_up_reason is None:
        return sale
    return _cancel_at_alipay(sale, gateway=gateway, reason=give_up_reason)


def counter_sale_poll(
    *, sale: CounterSale, operator: User | None, gateway: AlipayGateway | None = None
) -> CounterSale:
    """Ask Alipay about a PENDING sale: paid → finished; still waiting past the timeout
    (COUNTER_ALIPAY_TIMEOUT_SECONDS) → cancelled at Alipay and the stock given back."""
    require_operator(user=operator, supermarket=sale.supermarket)
    if sale.status != CounterSaleStatus.PENDING:
        return sale
    with transaction.atomic():
        locked = _lock_pending(sale.pk, wait=False)
        if locked is None:
            # Settled already, or the stale-sale sweep is on it: the page polls again.
            return CounterSale.objects.get(pk=sale.pk)
        timed_out = timezone.now() - locked.created_at > alipay_timeout()
        return _settle_with_alipay(
            locked,
            gateway=gateway or _default_gateway(),
            give_up_reason="超时未支付 / timed out" if timed_out else None,
        )


def counter_sale_notified(
    *, out_trade_no: str, trade_no: str, total_amount: Decimal, is_paid: bool, is_closed: bool
) -> CounterSale | None:
    """Act on Alipay's verified notification for a counter trade (the QR's notify_url): paid
    → finished by the same path as a poll; closed → failed, the stock given back. None when
    `out_trade_no` is no counter sale's. Idempotent: a replay finds the sale finished."""
    sale = CounterSale.objects.filter(out_trade_no=out_trade_no).first()
    if sale is None or sale.status != CounterSaleStatus.PENDING:
        return sale
    if is_paid:
        if total_amount != sale.total:
            # Never finish a sale on an amount it was not sold for; the poll's query or
            # the operator's cancel settles it, and a person looks at the log.
            logger.error(
                "Counter sale %s notified paid %s for a total of %s: not finished",
                sale.pk,
                total_amount,
                sale.total,
            )
            return sale
        return _mark_paid(sale, trade_no=trade_no)
    if is_closed:
        return _fail(sale, code=CounterErrorCode.PAYMENT_FAILED, reason="交易已关闭 / trade closed")
    return sale


def _cancel_at_alipay(sale: CounterSale, *, gateway: AlipayGateway, reason: str) -> CounterSale:
    assert sale.out_trade_no
    try:
        f2f.trade_cancel(gateway, out_trade_no=sale.out_trade_no)
    except AlipayError as exc:
        raise refuse(
            None,
            f"支付宝暂时无法撤销，请稍后再试 / Alipay did not confirm the cancel: {exc.message}",
            CounterErrorCode.PAYMENT_UNKNOWN,
        ) from None
    return _fail(
        sale,
        code=CounterErrorCode.PAYMENT_FAILED,
        reason=reason,
        status=CounterSaleStatus.CANCELLED,
    )


def counter_sale_cancel(
    *, sale: CounterSale, operator: User | None, gateway: AlipayGateway | None = None
) -> CounterSale:
    """The operator gives up on a PENDING sale (the buyer walked away): Alipay's trade is
    cancelled (closed, or refunded should the buyer have paid meanwhile), stock given back."""
    require_operator(user=operator, supermarket=sale.supermarket)
    with transaction.atomic():
        # Waits for a poll or the sweep holding the sale, then sees what they decided.
        locked = _lock_pending(sale.pk, wait=True)
        if locked is None:
            current = CounterSale.objects.get(pk=sale.pk).status
            raise refuse(
                "id", f"This sale is already {current.lower()}.", CounterErrorCode.SALE_FINISHED
            )
        return _cancel_at_alipay(
            locked, gateway=gateway or _default_gateway(), reason="操作员撤销 / cancelled"
        )


def stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "COUNTER_STALE_PENDING_SECONDS", 120)))


def stale_pending_sale_ids(*, now: Any = None, limit: int = 200) -> list[int]:
    """PENDING Alipay sales older than COUNTER_STALE_PENDING_SECONDS (the sweep's work
    list): their page was closed, or lost its connection, before the buyer decided."""
    cutoff = (now or timezone.now()) - stale_after()
    return list(
        CounterSale.objects.filter(status=CounterSaleStatus.PENDING, created_at__lte=cutoff)
        .exclude(payment_method=CounterPaymentMethod.CASH)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def counter_sale_settle_stale(
    *, sale_pk: int, gateway: AlipayGateway | None = None
) -> CounterSale | None:
    """Settle one stale PENDING sale with nobody at the till: paid at Alipay → finished;
    otherwise cancelled at Alipay and its held stock released. None when the sale is not
    this call's to settle (settled already, or another sweeper or poll holds it). Alipay
    not answering leaves it PENDING for the next sweep."""
    try:
        with transaction.atomic():
            locked = _lock_pending(sale_pk, wait=False)
            if locked is None or timezone.now() - locked.created_at < stale_after():
                return None
            return _settle_with_alipay(
                locked,
                gateway=gateway or _default_gateway(),
                give_up_reason="页面关闭后超时 / timed out with no one at the till",
            )
    except ValidationError:
        # Only the cancel refuses (Alipay did not confirm it); nothing was written.
        return None


# --- till shifts ----------------------------------------------------------------------------


def till_shift_lock_open(*, supermarket: RedSupermarket) -> TillShift | None:
    """The supermarket's open till shift, locked FOR UPDATE (inside the caller's
    transaction), or None when the till is closed. Whoever takes or pays out cash holds it,
    so a close waits for them and counts their cash (counter sales, agency services)."""
    return (
        TillShift.objects.select_for_update()
        .filter(supermarket=supermarket, status=TillShiftStatus.OPEN)
        .first()
    )


@transaction.atomic
def till_shift_open(
    *, supermarket: RedSupermarket, operator: User | None, float_amount: Any
) -> TillShift:
    user = require_operator(user=operator, supermarket=supermarket)
    amount = parse_cash(float_amount, field="float_amount")
    try:
        with transaction.atomic():
            shift = TillShift.objects.create(
                supermarket=supermarket,
                opened_by=user,
                opened_at=timezone.now(),
                float_amount=amount,
            )
    except IntegrityError:
        raise refuse(
            "supermarket",
            "钱箱已经开着 / a till shift is already open here.",
            CounterErrorCode.SHIFT_ALREADY_OPEN,
        ) from None
    ledger.post_till_float(
        shift_id=shift.pk, village=supermarket.shop.village, amount=amount, actor=user
    )
    return shift


@transaction.atomic
def till_shift_close(*, shift: TillShift, operator: User | None, counted_amount: Any) -> TillShift:
    """Count the till: expected is what CASH_TILL received since the shift opened; the
    variance is recorded and posted once with the float handed back (never more than was
    counted, see counter.ledger), and a receipt printed for the operator."""
    user = require_operator(user=operator, supermarket=shift.supermarket)
    counted = parse_cash(counted_amount, field="counted_amount")
    locked = (
        TillShift.objects.select_for_update()
        .select_related("supermarket__shop__village")
        .get(pk=shift.pk)
    )
    if locked.status == TillShiftStatus.CLOSED:
        raise refuse(
            "id",
            "这一班已经结账 / this till shift is already closed.",
            CounterErrorCode.TILL_ALREADY_CLOSED,
        )
    village = locked.supermarket.shop.village
    expected = ledger.till_cash_since(village=village, since=locked.opened_at)
    locked.status = TillShiftStatus.CLOSED
    locked.closed_by = user
    locked.closed_at = timezone.now()
    locked.counted_amount = counted
    locked.expected_amount = expected
    locked.variance = counted - expected
    locked.save(
        update_fields=[
            "status",
            "closed_by",
            "closed_at",
            "counted_amount",
            "expected_amount",
            "variance",
        ]
    )
    float_returned = ledger.post_till_close(
        shift_id=locked.pk,
        village=village,
        float_amount=locked.float_amount,
        counted=counted,
        variance=locked.variance,
        actor=user,
    )
    receipt_issue(
        supermarket=locked.supermarket,
        kind=ReceiptKind.TILL_CLOSE,
        reference=f"till-shift:{locked.pk}",
        lines=[
            receipt_line("备用金 float", locked.float_amount),
            receipt_line("应有现金 expected", expected),
            receipt_line("清点现金 counted", counted),
            receipt_line("差额 variance", locked.variance),
            # What the operator puts back in the collective's safe: less than the float
            # when payouts took more cash than the shift took in.
            receipt_line("交回备用金 float returned", float_returned),
        ],
        total=counted,
        payment_method="CASH",
        payment_details={
            "expected": str(expected),
            "variance": str(locked.variance),
            "float_returned": str(float_returned),
        },
        operator=user,
        at=locked.closed_at,
    )
    return locked


def counter_sale_notification(note: VerifiedNotification) -> bool:
    """The payments notify handler's hook (registered at start-up): True when `note` is a
    counter sale's trade, now acted on; False for anyone else's."""
    sale = counter_sale_notified(
        out_trade_no=note.out_trade_no,
        trade_no=note.trade_no,
        total_amount=note.total_amount,
        is_paid=note.trade_status.is_paid,
        is_closed=note.trade_status is TradeState.TRADE_CLOSED,
    )
    return sale is not None
