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
from marketplace.agency.ledger import post_cash_payment, reverse_posting
from marketplace.agency.models import (
    OPEN_ORDER_STATUSES,
    AgencyOrder,
    ItemFlow,
    OrderStatus,
    PaymentMethod,
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
from marketplace.red_supermarket.models import ReceiptKind, RedSupermarket
from marketplace.red_supermarket.receipts import receipt_issue
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


def _check_payment_method(value: str) -> str:
    if value not in PaymentMethod.values:
        raise refuse(
            "payment_method",
            f"{value!r}: agency services are paid in cash at the counter.",
            AgencyErrorCode.UNSUPPORTED_PAYMENT_METHOD,
        )
    return value


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
    adapter: ProviderAdapter | None = None,
) -> AgencyOrder:
    """Take the villager's cash for `item_code` and carry the service out (see module doc).
    Returns the order as it stands after the provider's synchronous answer."""
    require_operator(user=operator, supermarket=supermarket)
    request_id = check_request_id(request_id)
    item = service_item_get(code=item_code)
    if item.flow in (ItemFlow.TICKET, ItemFlow.WITHDRAWAL):
        raise refuse(
            "item",
            f"{item.name} has its own mutations (tickets, cash withdrawal).",
            AgencyErrorCode.WRONG_FLOW,
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
    method = _check_payment_method(payment_method)
    order, created = _order_open(
        supermarket=supermarket,
        operator=operator,
        request_id=request_id,
        fingerprint=fingerprint,
        item=item,
        fields=cleaned,
        amount=value,
        payment_method=method,
    )
    if not created:
        if not _same_request(order, fingerprint=fingerprint):
            raise refuse_reused("agency order")
        return order
    if item.flow == ItemFlow.TASK:
        return order
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
) -> tuple[AgencyOrder, bool]:
    fee = fee_for(item=item, amount=amount)
    commission = fee + provider_commission_for(item=item, amount=amount)
    is_task = item.flow == ItemFlow.TASK
    if amount + fee > 0:
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
                status=OrderStatus.TASK_OPEN if is_task else OrderStatus.SUBMITTING,
                operator=operator,
                # If this process dies before the provider answers, the sweep asks later.
                next_query_at=None
                if is_task
                else timezone.now()
                + timedelta(seconds=2 * settings.AGENCY_PROVIDER_TIMEOUT_SECONDS + 5),
            )
    except IntegrityError:
        # Another press with the same request id committed first: that one stands.
        return AgencyOrder.objects.get(request_id=request_id), False
    total = amount + fee
    if total > 0:
        post_cash_payment(
            key=payment_key(order),
            supermarket=supermarket,
            amount=amount,
            fee=fee,
            commission=commission,
            memo=f"{item.name} {order.account}",
            actor=operator,
        )
    lines = [{"name": item.name, "quantity": 1, "unit_price": str(amount), "amount": str(amount)}]
    if fee:
        lines.append({"name": "手续费", "quantity": 1, "unit_price": str(fee), "amount": str(fee)})
    receipt_issue(
        supermarket=supermarket,
        kind=ReceiptKind.AGENCY_ORDER,
        reference=f"agency-order:{order.pk}",
        lines=lines,
        total=total,
        payment_method=payment_method,
        operator=operator,
        payment_details={"account": order.account, "request_id": request_id},
    )
    return order, True


def _adapter(order: AgencyOrder, adapter: ProviderAdapter | None) -> ProviderAdapter:
    if adapter is not None:
        return adapter
    assert order.item.provider is not None
    return adapter_for(order.item.provider.code)


def agency_order_submit(
    *, order: AgencyOrder, adapter: ProviderAdapter | None = None
) -> AgencyOrder:
    """Send a SUBMITTING order to its provider, once. Only the creator calls this."""
    outcome = submit_outcome(
        _adapter(order, adapter),
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
    order already settled is returned unchanged, whoever asks and however often."""
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
        lines=[
            {
                "name": f"退款 {order.item.name}",
                "quantity": 1,
                "unit_price": str(total),
                "amount": str(total),
            }
        ],
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
    outcome = query_outcome(_adapter(order, adapter), request_id=order.request_id)
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
    """The operator's "check again" button (and the page's polling): query an open order
    now and record the answer if it is final. It leaves the schedule alone: however often
    the page asks a slow provider, it neither spends the backoff's attempts (which would
    send the order to MANUAL_REVIEW within seconds) nor queues more query tasks."""
    require_operator(user=user, supermarket=order.supermarket)
    return agency_order_query(order_pk=order.pk, adapter=adapter, counts_as_attempt=False)


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
    """Record how a government-service or parcel task went, with the operator's note."""
    require_operator(user=user, supermarket=order.supermarket)
    locked = AgencyOrder.objects.select_for_update().get(pk=order.pk)
    if locked.status not in TASK_STATUSES or status not in TASK_STATUSES:
        raise refuse("status", "Only tasks take a task status.", AgencyErrorCode.INVALID_STATUS)
    if locked.status != OrderStatus.TASK_OPEN and status != locked.status:
        raise refuse("status", "The task is already closed.", AgencyErrorCode.INVALID_STATUS)
    locked.status = status
    locked.operator_note = note.strip()[:2000]
    if status != OrderStatus.TASK_OPEN:
        locked.resolved_at = locked.resolved_at or timezone.now()
    locked.save(update_fields=["status", "operator_note", "resolved_at"])
    return locked
