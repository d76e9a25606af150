"""Reads of agency business, scoped by who asks."""

from __future__ import annotations

from django.db.models import QuerySet

from marketplace.accounts.models import User
from marketplace.agency.models import AgencyOrder, CashWithdrawal, TicketBooking
from marketplace.red_supermarket.selectors import supermarkets_visible_to


def agency_orders_visible_to(*, user: User | None) -> QuerySet[AgencyOrder]:
    return AgencyOrder.objects.filter(
        supermarket__in=supermarkets_visible_to(user=user).values("pk")
    ).order_by("-created_at", "-pk")


def withdrawals_visible_to(*, user: User | None) -> QuerySet[CashWithdrawal]:
    return CashWithdrawal.objects.filter(
        supermarket__in=supermarkets_visible_to(user=user).values("pk")
    ).order_by("-created_at", "-pk")


def tickets_visible_to(*, user: User | None) -> QuerySet[TicketBooking]:
    return TicketBooking.objects.filter(
        supermarket__in=supermarkets_visible_to(user=user).values("pk")
    ).order_by("-created_at", "-pk")
