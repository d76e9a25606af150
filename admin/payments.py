"""Payments in the back office: transaction items with their events (platform admins: an
attempt may pay for several shops), and refunds, which each shop's manager and its
township's officers see for their own shop orders.

Everything here is read-only: money moves only through the `marketplace.payments` services
(the two actions below call them), never through a form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from admin.scoping import (
    PLATFORM_ONLY,
    Access,
    ReadOnlyInline,
    ReadOnlyMixin,
    Scope,
    ScopedModelAdmin,
)
from marketplace.payments.alipay.gateway import AlipayError
from marketplace.payments.models import Refund, RefundStatus, TransactionEvent, TransactionItem
from marketplace.payments.notify import transaction_reconcile
from marketplace.payments.refunds import refund_send


class TransactionEventInline(ReadOnlyInline):
    model = TransactionEvent
    scope = PLATFORM_ONLY
    fields = ("created_at", "type", "amount", "psp_reference", "idempotency_key", "message")
    ordering = ("created_at", "pk")


@admin.register(TransactionItem)
class TransactionItemAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = (
        "psp_reference",
        "gateway_id",
        "method",
        "status",
        "amount",
        "charged_amount",
        "refunded_amount",
        "needs_review",
        "created_at",
    )
    list_filter = ("status", "gateway_id", "method", "needs_review")
    # A buyer app's support desk knows its idempotencyKey, not our out_trade_no.
    search_fields = (
        "psp_reference",
        "psp_trade_no",
        "=token",
        "=checkout__token",
        "=idempotency_key",
    )
    # Every field, including idempotency_key, initialize_data and customer_ip_address.
    readonly_fields = [f.name for f in TransactionItem._meta.fields]
    inlines = (TransactionEventInline,)
    actions = ("reconcile_with_alipay",)

    @admin.action(description="Ask Alipay about the selected open attempts")
    def reconcile_with_alipay(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for pk in queryset.values_list("pk", flat=True):
            try:
                outcome = transaction_reconcile(transaction_id=pk)
            except AlipayError as exc:
                self.message_user(request, f"#{pk}: {exc}", messages.WARNING)
                continue
            self.message_user(request, f"#{pk}: {outcome}")


@admin.register(TransactionEvent)
class TransactionEventAdmin(ReadOnlyMixin, ScopedModelAdmin):
    """The audit trail across all attempts (also shown inline on each attempt)."""

    scope = PLATFORM_ONLY
    list_display = ("created_at", "transaction", "type", "amount", "psp_reference", "message")
    list_filter = ("type",)
    search_fields = ("psp_reference", "idempotency_key", "transaction__psp_reference")
    list_select_related = ("transaction",)
    readonly_fields = [f.name for f in TransactionEvent._meta.fields]


@admin.register(Refund)
class RefundAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(shop_path="shop_order__shop", manager=Access.VIEW, officer=Access.VIEW)
    list_display = (
        "out_request_no",
        "shop_order",
        "amount",
        "status",
        "reason",
        "requested_by",
        "created_at",
        "completed_at",
    )
    list_filter = ("status",)
    search_fields = ("out_request_no", "reason", "shop_order__shop__name")
    list_select_related = ("shop_order__shop", "requested_by")
    readonly_fields = [f.name for f in Refund._meta.fields]
    actions = ("send_again",)

    @admin.action(description="Send pending refunds to Alipay again (same out_request_no)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for refund in queryset.filter(status=RefundStatus.PENDING):
            try:
                refund_send(refund_id=refund.pk)
            except ValidationError as exc:
                self.message_user(request, f"{refund.out_request_no}: {exc.messages[0]}")
