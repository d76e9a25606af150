"""Celery tasks of agency services, each a thin call into a service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from marketplace.agency.orders import (
    agency_order_alipay_refund,
    agency_order_payment_check,
    agency_order_query,
    alipay_refunds_due,
    open_orders_due,
    paying_orders_due,
)
from marketplace.agency.reconciliation import reconciliation_run
from marketplace.agency.tickets import expired_hold_ids, ticket_hold_release_expired
from marketplace.agency.withdrawals import cash_withdrawal_query, open_withdrawals_due


@shared_task(name="agency.query_order")
def query_order_task(order_id: int) -> str:
    return agency_order_query(order_pk=order_id).status


@shared_task(name="agency.query_withdrawal")
def query_withdrawal_task(withdrawal_id: int) -> str:
    return cash_withdrawal_query(withdrawal_pk=withdrawal_id).status


@shared_task(name="agency.sweep_unknown")
def sweep_unknown_task() -> int:
    """Query every open order and withdrawal whose next query is due: the safety net
    behind the per-order tasks (a lost message, a worker restart). Also settles Alipay
    payments left PAYING, and retries Alipay refunds not confirmed yet."""
    orders, withdrawals = open_orders_due(), open_withdrawals_due()
    paying, refunds = paying_orders_due(), alipay_refunds_due()
    for pk in orders:
        agency_order_query(order_pk=pk)
    for pk in withdrawals:
        cash_withdrawal_query(withdrawal_pk=pk)
    for pk in paying:
        agency_order_payment_check(order_pk=pk, give_up=True)
    for pk in refunds:
        agency_order_alipay_refund(order_pk=pk)
    return len(orders) + len(withdrawals) + len(paying) + len(refunds)


@shared_task(name="agency.reconcile_yesterday")
def reconcile_yesterday_task() -> int:
    runs = reconciliation_run(day=timezone.localdate() - timedelta(days=1))
    return sum(run.new_items_count for run in runs)


@shared_task(name="agency.release_expired_ticket_holds")
def release_expired_ticket_holds_task() -> int:
    """Give back the seats of holds that ran out unpaid; returns how many were released."""
    released = 0
    for pk in expired_hold_ids():
        booking = ticket_hold_release_expired(booking_pk=pk)
        if booking is not None and booking.status == "CANCELLED":
            released += 1
    return released
