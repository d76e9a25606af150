"""Record sources for reconciliation: who we compare with, and how each side is read.

A source pairs `theirs(day)` (a provider's statement, Alipay's bill) with `ours(day)` (our
agency orders, withdrawals and tickets, our Alipay charges). Sources register by name, so
another package (the counter's Alipay sales) plugs its own in with `register_record_source`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Protocol

from django.utils import timezone

from marketplace.agency.models import (
    AgencyOrder,
    CashWithdrawal,
    ItemFlow,
    OrderStatus,
    TicketBooking,
    TicketStatus,
)
from marketplace.agency.providers.http import adapter_for

# Statuses meaning "the money moved": what a statement or bill lists.
SETTLED = "SUCCESS"


@dataclass(frozen=True)
class Record:
    external_id: str
    amount: Decimal
    status: str
    supermarket_id: int | None = None


class RecordSource(Protocol):
    name: str

    def theirs(self, *, day: date) -> dict[str, Record]: ...

    def ours(self, *, day: date) -> dict[str, Record]: ...


RECORD_SOURCES: dict[str, Callable[[], RecordSource]] = {}


def register_record_source(name: str, factory: Callable[[], RecordSource]) -> None:
    RECORD_SOURCES[name] = factory


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


class ProviderStatementSource:
    """A provider's daily statement against our orders, withdrawals and tickets with it."""

    def __init__(self, provider_code: str) -> None:
        self.provider_code = provider_code
        self.name = f"provider:{provider_code}"

    def theirs(self, *, day: date) -> dict[str, Record]:
        lines = adapter_for(self.provider_code).statement(day=day)
        return {
            line.request_id: Record(line.request_id, line.amount, line.status) for line in lines
        }

    def ours(self, *, day: date) -> dict[str, Record]:
        start, end = day_bounds(day)
        found: dict[str, Record] = {}
        orders = AgencyOrder.objects.filter(
            item__provider__code=self.provider_code,
            created_at__gte=start,
            created_at__lt=end,
        ).exclude(item__flow=ItemFlow.TASK)
        # Alipay orders whose payment never came in were never sent to the provider.
        orders = orders.exclude(status__in=(OrderStatus.PAYING, OrderStatus.NOT_PAID))
        for row in orders.values("request_id", "amount", "status", "supermarket_id"):
            found[row["request_id"]] = Record(
                row["request_id"], row["amount"], row["status"], row["supermarket_id"]
            )
        withdrawals = CashWithdrawal.objects.filter(
            item__provider__code=self.provider_code, created_at__gte=start, created_at__lt=end
        )
        for row in withdrawals.values("request_id", "amount", "status", "supermarket_id"):
            found[row["request_id"]] = Record(
                row["request_id"], row["amount"], row["status"], row["supermarket_id"]
            )
        tickets = TicketBooking.objects.filter(
            item__provider__code=self.provider_code,
            issued_at__gte=start,
            issued_at__lt=end,
        )
        for ticket in tickets.values("request_id", "price", "status", "supermarket_id"):
            status = SETTLED if ticket["status"] == TicketStatus.ISSUED else ticket["status"]
            found[ticket["request_id"]] = Record(
                ticket["request_id"], ticket["price"], status, ticket["supermarket_id"]
            )
        return found


for _code in ("utility", "telecom", "insurance", "tickets", "acquirer"):
    register_record_source(f"provider:{_code}", partial(ProviderStatementSource, _code))
