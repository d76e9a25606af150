"""Batch loaders for transaction events and shop-order refunds."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Sum

from marketplace.payments.models import Refund, RefundStatus, TransactionEvent
from storefront_api.core.dataloaders import DataLoader, grouped


class EventsByTransactionLoader(DataLoader[int, list[TransactionEvent]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[TransactionEvent]]:
        rows = TransactionEvent.objects.filter(transaction_id__in=keys).order_by("created_at", "pk")
        return grouped(keys, rows, lambda e: e.transaction_id)


class RefundsByShopOrderLoader(DataLoader[int, list[Refund]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[Refund]]:
        rows = Refund.objects.filter(shop_order_id__in=keys).order_by("created_at", "pk")
        return grouped(keys, rows, lambda r: r.shop_order_id)


class PendingRefundTotalByTransactionLoader(DataLoader[int, Decimal]):
    def batch_load(self, keys: Sequence[int]) -> list[Decimal]:
        rows = (
            Refund.objects.filter(transaction_id__in=keys, status=RefundStatus.PENDING)
            .values("transaction_id")
            .annotate(total=Sum("amount"))
        )
        totals = {row["transaction_id"]: row["total"] for row in rows}
        return [totals.get(key, Decimal("0.00")) for key in keys]
