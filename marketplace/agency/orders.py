"""Agency orders: paid at the counter, carried out by a provider, resolved exactly once.

The life of an order:
1. `agency_order_create` writes the order, the cash posting and the receipt in one
   transaction, keyed by the client's request id (UNIQUE): a second press or a retry
   returns that order and pays nothing again.
2. It is then submitted once. ACCEPTED with SUCCESS settles it; REJECTED fails it (the
   posting is reversed and an AGENCY_REFUND receipt hands the cash back); PROCESSING waits
   for the callback; a timeout or a lost answer makes it UNKNOWN. An UNKNOWN order is
   never sent again: it is queried with backoff (task + beat sweep) until the provider
   says SUCCESS or FAILED, or it goes to MANUAL_REVIEW after AGENCY_QUERY_MAX_ATTEMPTS.
3. Every resolution runs under the order's row lock and only from an open status, so a
   replayed callback, a query and a callback racing each other change it once.

Paid by Alipay payment code instead of cash, step 1 writes the order PAYING with nothing
posted and asks Alipay (`alipay.trade.pay`, the counter's face-to-face adapter). Only once
Alipay confirms the payment (at once, or by a later query while the villager types the
password) is the payment posted (to ALIPAY_CLEARING, not the till), the receipt printed,
and the order submitted, by whoever moved it from PAYING to SUBMITTING. A refused, closed
or timed-out payment ends NOT_PAID with nothing to undo. A FAILED order paid by Alipay is
refunded at Alipay (`alipay.trade.refund`, one out_request_no per order, so retries never
refund twice); a refund Alipay did not confirm is retried by the beat sweep.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.agency.catalogue import service_item_get
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.ledger import post_payment, reverse_posting
from marketplace.agency.models import (
    OPEN_ORDER_STATUSES,
    AgencyOrder,
    ItemFlow,
    OrderStatus,
    PaymentMethod,
    ServiceCategory,
    ServiceItem,
)
from marketplace.agency.outcomes import UNKNOWN, query_outcome, submit_outcome
from marketplace.agency.providers.base import OrderRequest, ProviderAdapter, ProviderStatus
from marketplace.agency.providers.http import adapter_for
from marketplace.agency.requests import check_request_id, refuse_reused
from marketplace.agency.till import require_open_till
from marketplace.agency.validation import (
    check_amount,
    check_fields,
    fee_for,
    parse_amount,
    provider_commission_for,
)
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.core.fingerprint import request_fingerprint
from marketplace.payments.alipay.gateway import AlipayError, AlipayGateway, gateway_from_settings
from marketplace.red_supermarket.counter import alipay_face_to_face as f2f
from marketplace.red_supermarket.counter.services import alipay_timeout, stale_after
from marketplace.red_supermarket.models import ReceiptKind, RedSupermarket
from marketplace.red_supermarket.receipts import receipt_issue, receipt_line
from marketplace.red_supermarket.selectors import can_operate_supermarket

logger = logging.getLogger("ruralmart.agency")
QUERY_ORDER_TASK = "agency.query_order"

# The input field that names what is paid for, in the order the items use them.
ACCOUNT_FIELDS = ("account", "phone", "card_number", "id_number", "waybill")
RESOLVABLE = (*OPEN_ORDER_STATUSES, OrderStatus.MANUAL_REVIEW)
TASK_STATUSES = (OrderStatus.TASK_OPEN, OrderStatus.TASK_DONE, OrderStatus.TASK_REJECTED)


def payment_key(order: AgencyOrder) -> str:
    return f"agency-order:{order.pk}"


def require_operator(*, user: User, supermarket: RedSupermarket) -> None:
    if not can_operate_supermarket(user=user, supermarket=supermarket):
        raise PermissionRefused(f"You do not operate {supermarket.name}.")


def query_backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s … capped at an hour: quick for a blip, patient for an outage."""
    return timedelta(seconds=min(10 * 2 ** max(attempts, 0), 3600))


def _check_payment(value: str, *, item: ServiceItem, auth_code: str) -> tuple[str, str]:
    """The payment method and, for Alipay, the payment code as scanned."""
    if value not in PaymentMethod.values:
        raise refuse(
            "payment_method",
            f"{value!r}: agency services are paid in cash or by Alipay payment code.",
            AgencyErrorCode.UNSUPPORTED_PAYMENT_METHOD,
        )
    if value == PaymentMethod.CASH:
        return value, ""
    if item.flow == ItemFlow.TASK:
        raise refuse(
            "payment_method",
            "Tasks done by hand are not paid by Alipay.",
            AgencyErrorCode.UNSUPPORTED_PAYMENT_METHOD,
        )
    code = (auth_code or "").strip()
    if not f2f.is_payment_code(code):
        raise refuse(
            "auth_code",
            "扫描顾客的支付宝付款码 / scan the villager's Alipay payment code.",
            AgencyErrorCode.PAYMENT_CODE_INVALID,
        )
    return value, code


def _order_fingerprint(
    *,
    supermarket: RedSupermarket,
    item: ServiceItem,
    fields: dict[str, str],
    amount: Decimal,
    payment_method: str,
) -> str:
    return request_fingerprint(supermarket.pk, item.pk, fields, str(amount), payment_method)


def _same_request(order: AgencyOrder, *, fingerprint: str) -> bool:
    # The whole cleaned request, not just item and amount: after a network drop the
    # operator may retype another villager's account under the pending request id.
    return order.request_fingerprint == fingerprint


def agency_order_create(
    *,
    supermarket: RedSupermarket,
    operator: User,
    request_id: str,
    item_code: str,
    fields: Any,
    amount: Any,
    payment_method: str = PaymentMethod.CASH,
    auth_code: str = "",
    adapter: ProviderAdapter | None = None,
    gateway: AlipayGateway | None = None,
) -> AgencyOrder:
    """Take the villager's payment for `item_code` and carry the service out (see module
    doc). Returns the order as it stands after the provider's synchronous answer (or, paid
    by Alipay, PAYING while the villager confirms, or NOT_PAID)."""
    require_operator(user=operator, supermarket=supermarket)
    request_id = check_request_id(request_id)
    item = service_item_get(code=item_code)
    if item.flow in (ItemFlow.TICKET, ItemFlow.WITHDRAWAL):
        raise refuse(
            "item",
            f"{item.name} has its own mutations (tickets, cash withdrawal).",
            AgencyErrorCode.WRONG_FLOW,
        )
    if item.category == ServiceCategory.PARCEL:
        # One parcel register (logistics): its pickup codes, shelf room and dispatch fee in
        # the till. An agency order beside it would be a second, unreconciled record.
        raise refuse(
            "item",
            f"{item.name}: use the station's parcel register "
            "(stationParcelLogIn / stationParcelDispatch).",
            AgencyErrorCode.PARCEL_REGISTER,
        )
    value = parse_amount(amount)
    cleaned = check_fields(item=item, raw=fields)
    fingerprint = _order_fingerprint(
        supermarket=supermarket,
        item=item,
        fields=cleaned,
        amount=value,
        payment_method=payment_method,
    )
    existing = AgencyOrder.objects.filter(request_id=request_id).first()
    if existing is not None:
        if not _same_request(existing, fingerprint=fingerprint):
            raise refuse_reused("agency order")
        return existing
    if item.flow == ItemFlow.TASK:
        if value != 0:
            check_amount(item=item, amount=value)
    else:
        check_amount(item=item, amount=value)
    method, code = _check_payment(payment_method, item=item, auth_code=auth_code)
    order, created = _order_open(
        supermarket=supermarket,
        operator=operator,
        request_id=request_id,
        fingerprint=fingerprint,
        item=item,
        fields=cleaned,
        amount=value,
        payment_method=method,
        auth_code=code,
    )
    if not created:
        if not _same_request(order, fingerprint=fingerprint):
            raise refuse_reused("agency order")
        return order
    if item.flow == ItemFlow.TASK:
        return order
    if order.status == OrderStatus.PAYING:
        return _take_code_payment(
            order, gateway=gateway or gateway_from_settings(), adapter=adapter
        )
    return agency_order_submit(order=order, adapter=adapter)


@transaction.atomic
def _order_open(
    *,
    supermarket: RedSupermarket,
    operator: User,
    request_id: str,
    fingerprint: str,
    item: ServiceItem,
    fields: dict[str, str],
    amount: Decimal,
    payment_method: str,
    auth_code: str = "",
) -> tuple[AgencyOrder, bool]:
    fee = fee_for(item=item, amount=amount)
    commission = fee + provider_commission_for(item=item, amount=amount)
    is_task = item.flow == ItemFlow.TASK
    by_alipay = payment_method == PaymentMethod.ALIPAY_CODE
    if is_task:
        status, next_query_at = OrderStatus.TASK_OPEN, None
    elif by_alipay:
        # Left PAYING (the page closed), the beat sweep settles it with Alipay.
        status, next_query_at = OrderStatus.PAYING, timezone.now() + stale_after()
    else:
        # If this process dies before the provider answers, the sweep asks later.
        status = OrderStatus.SUBMITTING
        next_query_at = timezone.now() + _submit_grace()
    if not by_alipay and amount + fee > 0:
        # Cash goes into the till: only while a shift is open to count it.
        require_open_till(supermarket=supermarket)
    try:
        with transaction.atomic():
            order = AgencyOrder.objects.create(
                request_id=request_id,
                request_fingerprint=fingerprint,
                supermarket=supermarket,
                item=item,
                fields=fields,
                account=next((fields[name] for name in ACCOUNT_FIELDS if fields.get(name)), ""),
                amount=amount,
                fee=fee,
                commission=commission,
                payment_method=payment_method,
                status=status,
                operator=operator,
                next_query_at=next_query_at,
                auth_code=auth_code if by_alipay else None,
                out_trade_no=f"RSA{supermarket.pk}{request_id}"[:64] if by_alipay else None,
            )
    except IntegrityError:
        # Another press with the same request id committed first: that one stands.
        twin = AgencyOrder.objects.filter(request_id=request_id).first()
        if twin is None:
            # Not a twin: the payment code was used by another order meanwhile.
            raise refuse(
                "auth_code",
                "付款码已使用 / payment code already used.",
                AgencyErrorCode.PAYMENT_CODE_INVALID,
            ) from None
        return twin, False
    if not by_alipay:
        _record_payment(order)
    return order, True


def _submit_grace() -> timedelta:
    return timedelta(seconds=2 * settings.AGENCY_PROVIDER_TIMEOUT_SECONDS + 5)


def _record_payment(order: AgencyOrder) -> None:
    """Post the villager's payment and print the receipt (inside the caller's transaction),
    once the money is in: at once for cash, on Alipay's confirmation for a payment code."""
    by_alipay = order.payment_method == PaymentMethod.ALIPAY_CODE
    item, amount, fee = order.item, order.amount, order.fee
    total = amount + fee
    if total > 0:
        post_payment(
            key=payment_key(order),
            supermarket=order.supermarket,
            amount=amount,
            fee=fee,
            commission=order.commission,
            memo=f"{item.name} {order.account}",
            actor=order.operator,
            by_alipay=by_alipay,
        )
    lines = [receipt_line(item.name, amount)]
    if fee:
        lines.append(receipt_line("手续费", fee))
    details = {"account": order.account, "request_id": order.request_id}
    if by_alipay:
        details["alipay_trade_no"] = order.alipay_trade_no
    receipt_issue(
        supermarket=order.supermarket,
        kind=ReceiptKind.AGENCY_ORDER,
        reference=f"agency-order:{order.pk}",
        lines=lines,
        total=total,
        payment_method=order.payment_method,
        operator=order.operator,
        payment_details=details,
    )


# --- Alipay payment code ------------------------------------------------------------------


def _lock_paying(order_pk: int, *, wait: bool) -> AgencyOrder | None:
    return (
        AgencyOrder.objects.select_for_update(skip_locked=not wait, of=("self",))
        .select_related("item__provider", "supermarket__shop__village", "operator")
        .filter(pk=order_pk, status=OrderStatus.PAYING)
        .first()
    )


def _mark_paid(order: AgencyOrder, *, trade_no: str) -> None:
    """PAYING → SUBMITTING with the payment posted (the caller holds the row lock); the
    caller then submits, being the one who moved it."""
    now = timezone.now()
    order.status, order.alipay_trade_no, order.paid_at = OrderStatus.SUBMITTING, trade_no, now
    order.next_query_at = now + _submit_grace()
    order.save(update_fields=["status", "alipay_trade_no", "paid_at", "next_query_at"])
    _record_payment(order)


def _mark_not_paid(order: AgencyOrder, *, reason: str) -> None:
    order.status, order.failure_reason = OrderStatus.NOT_PAID, reason[:255]
    order.resolved_at, order.next_query_at = timezone.now(), None
    order.save(update_fields=["status", "failure_reason", "resolved_at", "next_query_at"])


def _take_code_payment(
    order: AgencyOrder, *, gateway: AlipayGateway, adapter: ProviderAdapter | None
) -> AgencyOrder:
    assert order.out_trade_no
    result = f2f.trade_pay(
        gateway,
        out_trade_no=order.out_trade_no,
        auth_code=order.auth_code or "",
        total_amount=order.amount + order.fee,
        subject=f"{order.supermarket.name} {order.item.name}",
    )
    if result.state in (f2f.CodePayState.USER_PAYING, f2f.CodePayState.UNKNOWN):
        return order  # the operator's refresh, or the sweep, asks Alipay how it ended
    with transaction.atomic():
        locked = _lock_paying(order.pk, wait=True)
        if locked is None:
            return AgencyOrder.objects.get(pk=order.pk)
        if result.state is f2f.CodePayState.REFUSED:
            _mark_not_paid(locked, reason=result.message or result.sub_code or "refused")
            return locked
        _mark_paid(locked, trade_no=result.trade_no)
    return agency_order_submit(order=locked, adapter=adapter)


def agency_order_payment_check(
    *,
    order_pk: int,
    give_up: bool = False,
    gateway: AlipayGateway | None = None,
    adapter: ProviderAdapter | None = None,
) -> AgencyOrder:
    """Ask Alipay how a PAYING order's payment stands: paid → posted and submitted; closed →
    NOT_PAID; still waiting → cancelled at Alipay and NOT_PAID when `give_up` (or past
    COUNTER_ALIPAY_TIMEOUT_SECONDS), else left PAYING.

    The row lock is held across the Alipay calls, as for counter sales, so a cancel never
    races a query that found the payment in; a caller finding the row locked leaves it."""
    gateway = gateway or gateway_from_settings()
    with transaction.atomic():
        order = _lock_paying(order_pk, wait=False)
        if order is None:
            return AgencyOrder.objects.get(pk=order_pk)
        assert order.out_trade_no
        try:
            trade = gateway.query(out_trade_no=order.out_trade_no)
        except AlipayError:
            return order
        if trade.is_paid:
            _mark_paid(order, trade_no=trade.trade_no or "")
        elif trade.trade_status == "TRADE_CLOSED":
            _mark_not_paid(order, reason="交易已关闭 / trade closed")
            return order
        elif give_up or timezone.now() - order.created_at > alipay_timeout():
            try:
                f2f.trade_cancel(gateway, out_trade_no=order.out_trade_no)
            except AlipayError:
                return order  # not confirmed: asked again on the next check
            _mark_not_paid(order, reason="超时未支付 / timed out")
            return order
        else:
            return order
    return agency_order_submit(order=order, adapter=adapter)


def agency_order_alipay_refund(
    *, order_pk: int, gateway: AlipayGateway | None = None
) -> AgencyOrder:
    """Refund a FAILED order paid by Alipay at Alipay. Idempotent: one out_request_no per
    order, and the order remembers Alipay's confirmation; an unconfirmed refund is left
    for the sweep to try again with the same number."""
    order = AgencyOrder.objects.get(pk=order_pk)
    if not refund_due(order):
        return order
    assert order.out_trade_no
    try:
        (gateway or gateway_from_settings()).refund(
            out_trade_no=order.out_trade_no,
            out_request_no=f"agency-refund-{order.pk}",
            refund_amount=order.amount + order.fee,
            reason="代办失败退款 / agency service failed",
        )
    except AlipayError as exc:
        logger.warning("Alipay refund of agency order %s not confirmed: %s", order.pk, exc)
        return order
    AgencyOrder.objects.filter(pk=order.pk, alipay_refunded_at__isnull=True).update(
        alipay_refunded_at=timezone.now()
    )
    order.refresh_from_db()
    return order


def refund_due(order: AgencyOrder) -> bool:
    return (
        order.status == OrderStatus.FAILED
        and order.paid_at is not None
        and order.alipay_refunded_at is None
    )


def provider_adapter(order: AgencyOrder, adapter: ProviderAdapter | None) -> ProviderAdapter:
    if adapter is not None:
        return adapter
    assert order.item.provider is not None
    return adapter_for(order.item.provider.code)


def agency_order_submit(
    *, order: AgencyOrder, adapter: ProviderAdapter | None = None
) -> AgencyOrder:
    """Send a SUBMITTING order to its provider, once. Only the creator calls this."""
    outcome = submit_outcome(
        provider_adapter(order, adapter),
        OrderRequest(
            request_id=order.request_id,
            item_code=order.item.code,
            account=order.account,
            amount=order.amount,
            fields=order.fields,
        ),
    )
    if outcome.settled:
        return agency_order_resolve(
            order_pk=order.pk,
            status=outcome.status,
            provider_order_no=outcome.provider_order_no,
            reason=outcome.reason,
        )
    if outcome.status == UNKNOWN:
        # The request may have arrived: from here on only a query may tell.
        return _mark_unknown(order_pk=order.pk, note=outcome.reason)
    with transaction.atomic():
        locked = AgencyOrder.objects.select_for_update().get(pk=order.pk)
        if locked.status == OrderStatus.SUBMITTING:
            locked.status = OrderStatus.PROCESSING
            locked.provider_order_no = outcome.provider_order_no
            locked.next_query_at = timezone.now() + query_backoff(0)
            locked.save(update_fields=["status", "provider_order_no", "next_query_at"])
        return locked


def _mark_unknown(*, order_pk: int, note: str) -> AgencyOrder:
    with transaction.atomic():
        order = AgencyOrder.objects.select_for_update().get(pk=order_pk)
        if order.status in (OrderStatus.SUBMITTING, OrderStatus.PROCESSING):
            order.status = OrderStatus.UNKNOWN
            order.failure_reason = note[:255]
            order.next_query_at = timezone.now() + query_backoff(0)
            order.save(update_fields=["status", "failure_reason", "next_query_at"])
            schedule_query(QUERY_ORDER_TASK, order.pk, countdown=query_backoff(0))
        return order


def schedule_query(task_name: str, pk: int, *, countdown: timedelta) -> None:
    """Queue the query task by name after commit (the tasks module imports this one)."""

    def send() -> None:
        try:
            current_app.send_task(task_name, args=[pk], countdown=countdown.total_seconds())
        except Exception:
            logger.exception("could not queue %s for %s; the beat sweep will", task_name, pk)

    # Tasks run eagerly without a broker: a countdown would turn into a wait in the request.
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(send)


def agency_order_resolve(
    *,
    order_pk: int,
    status: str,
    provider_order_no: str = "",
    reason: str = "",
    actor: User | None = None,
) -> AgencyOrder:
    """Settle an open order to SUCCESS or FAILED (refunding the villager). Idempotent: an
    order already settled is returned unchanged, whoever asks and however often. A FAILED
    order paid by Alipay is then refunded at Alipay (retried by later calls until done)."""
    order = _resolve(
        order_pk=order_pk,
        status=status,
        provider_order_no=provider_order_no,
        reason=reason,
        actor=actor,
    )
    if refund_due(order):
        return agency_order_alipay_refund(order_pk=order.pk)
    return order


def _resolve(
    *, order_pk: int, status: str, provider_order_no: str, reason: str, actor: User | None
) -> AgencyOrder:
    with transaction.atomic():
        order = (
            AgencyOrder.objects.select_for_update(of=("self",))
            .select_related("item", "supermarket__shop__village")
            .get(pk=order_pk)
        )
        if order.status not in RESOLVABLE:
            return order
        now = timezone.now()
        if provider_order_no:
            order.provider_order_no = provider_order_no
        if status == ProviderStatus.SUCCESS:
            order.status = OrderStatus.SUCCESS
        else:
            order.status = OrderStatus.FAILED
            order.failure_reason = (reason or "failed at the provider")[:255]
            _refund_to_villager(order=order, actor=actor or order.operator)
        order.resolved_at, order.next_query_at = now, None
        order.save(
            update_fields=[
                "status",
                "provider_order_no",
                "failure_reason",
                "resolved_at",
                "next_query_at",
            ]
        )
        return order


def _refund_to_villager(*, order: AgencyOrder, actor: User) -> None:
    total = order.amount + order.fee
    if total <= 0:
        return
    reverse_posting(key=payment_key(order), memo=f"Refund of {order.request_id}", actor=actor)
    receipt_issue(
        supermarket=order.supermarket,
        kind=ReceiptKind.AGENCY_REFUND,
        reference=f"agency-order:{order.pk}",
        lines=[receipt_line(f"退款 {order.item.name}", total)],
        total=total,
        payment_method=order.payment_method,
        operator=actor,
        payment_details={"reason": order.failure_reason, "request_id": order.request_id},
    )


def agency_order_query(
    *, order_pk: int, adapter: ProviderAdapter | None = None, counts_as_attempt: bool = True
) -> AgencyOrder:
    """Ask the provider how an open order ended, and act on the answer. NOT_FOUND means the
    request never arrived: nothing was paid there, so the villager is refunded. A query
    that `counts_as_attempt` (the task and the sweep) and finds it still open spends one
    of the backoff's attempts and queues the next."""
    order = AgencyOrder.objects.select_related("item__provider").get(pk=order_pk)
    if order.status not in OPEN_ORDER_STATUSES:
        return order
    outcome = query_outcome(provider_adapter(order, adapter), request_id=order.request_id)
    if outcome.settled:
        return agency_order_resolve(
            order_pk=order.pk,
            status=outcome.status,
            provider_order_no=outcome.provider_order_no,
            reason=outcome.reason,
        )
    if not counts_as_attempt:
        return order
    return _query_again_later(order_pk=order.pk)


def _query_again_later(*, order_pk: int) -> AgencyOrder:
    with transaction.atomic():
        order = AgencyOrder.objects.select_for_update().get(pk=order_pk)
        if order.status not in OPEN_ORDER_STATUSES:
            return order
        order.query_attempts += 1
        if order.query_attempts >= settings.AGENCY_QUERY_MAX_ATTEMPTS:
            order.status, order.next_query_at = OrderStatus.MANUAL_REVIEW, None
        else:
            order.next_query_at = timezone.now() + query_backoff(order.query_attempts)
            schedule_query(
                QUERY_ORDER_TASK, order.pk, countdown=query_backoff(order.query_attempts)
            )
        order.save(update_fields=["status", "query_attempts", "next_query_at"])
        return order


def agency_order_refresh(
    *, order: AgencyOrder, user: User, adapter: ProviderAdapter | None = None
) -> AgencyOrder:
    """The operator's "check again" button (and the page's polling): ask Alipay about a
    PAYING order; query an open one now and record the answer if it is final. It leaves
    the schedule alone: however often the page asks a slow provider, it neither spends the
    backoff's attempts (which would send the order to MANUAL_REVIEW within seconds) nor
    queues more query tasks."""
    require_operator(user=user, supermarket=order.supermarket)
    if order.status == OrderStatus.PAYING:
        return agency_order_payment_check(order_pk=order.pk, adapter=adapter)
    return agency_order_query(order_pk=order.pk, adapter=adapter, counts_as_attempt=False)


def paying_orders_due(*, now: Any = None) -> list[int]:
    """PAYING orders left past COUNTER_STALE_PENDING_SECONDS (the sweep settles them)."""
    return list(
        AgencyOrder.objects.filter(
            status=OrderStatus.PAYING, next_query_at__lte=now or timezone.now()
        )
        .order_by("next_query_at")
        .values_list("pk", flat=True)[:200]
    )


def alipay_refunds_due() -> list[int]:
    """FAILED orders paid by Alipay whose refund Alipay has not confirmed yet."""
    return list(
        AgencyOrder.objects.filter(
            status=OrderStatus.FAILED, paid_at__isnull=False, alipay_refunded_at__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )


def open_orders_due(*, now: Any = None) -> list[int]:
    """Open orders whose next query is due (the beat sweep's work list)."""
    moment = now or timezone.now()
    return list(
        AgencyOrder.objects.filter(status__in=OPEN_ORDER_STATUSES, next_query_at__lte=moment)
        .order_by("next_query_at")
        .values_list("pk", flat=True)[:200]
    )


@transaction.atomic
def agency_task_update(*, order: AgencyOrder, user: User, status: str, note: str) -> AgencyOrder:
    """Record how a government-service task went (done, or could not be done), with the
    operator's note. Once closed a task stays as recorded: the same outcome again is a
    retried submit and changes nothing."""
    require_operator(user=user, supermarket=order.supermarket)
    locked = AgencyOrder.objects.select_for_update().get(pk=order.pk)
    if locked.status not in TASK_STATUSES:
        raise refuse("id", "This order is not a task.", AgencyErrorCode.NOT_A_TASK)
    if status not in TASK_STATUSES:
        raise refuse("status", "A task is open, done or rejected.", AgencyErrorCode.INVALID_STATUS)
    if locked.status != OrderStatus.TASK_OPEN:
        if status == locked.status:
            return locked
        raise refuse("status", "The task is already closed.", AgencyErrorCode.TASK_ALREADY_CLOSED)
    locked.status = status
    locked.operator_note = note.strip()[:2000]
    if status != OrderStatus.TASK_OPEN:
        locked.resolved_at = locked.resolved_at or timezone.now()
    locked.save(update_fields=["status", "operator_note", "resolved_at"])
    return locked
