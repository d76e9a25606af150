"""Read-only root fields for cash withdrawals and ticket bookings, by ID and as filtered
connections, scoped like agency orders: the supermarket's staff, its township's and
county's officers, platform admins; everyone else refused. Card numbers and passengers'
identities stay masked for all but the supermarket's own operators (see types)."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.agency.models import CashWithdrawal as CashWithdrawalModel
from marketplace.agency.models import TicketBooking as TicketBookingModel
from marketplace.agency.selectors import tickets_visible_to, withdrawals_visible_to
from storefront_api.agency.mutations import require_agency_staff
from storefront_api.agency.types import (
    CashWithdrawal,
    CashWithdrawalCountableConnection,
    CashWithdrawalStatusEnum,
    TicketBooking,
    TicketBookingCountableConnection,
    TicketStatusEnum,
)
from storefront_api.core.connection import connection_args
from storefront_api.red_supermarket.reads import filtered_page, visible_node
from storefront_api.red_supermarket.schema import _supermarket


class AgencyHistoryQueries(graphene.ObjectType):
    cash_withdrawal = graphene.Field(
        CashWithdrawal,
        id=graphene.ID(required=True),
        description="Ruralmart extension: one cash withdrawal of a supermarket in your scope.",
    )
    cash_withdrawals = graphene.Field(
        CashWithdrawalCountableConnection,
        supermarket=graphene.ID(description="One RedSupermarket (global ID)."),
        status=graphene.Argument(CashWithdrawalStatusEnum),
        business_day=graphene.Date(description="The day the withdrawal counts against."),
        description="Ruralmart extension: cash withdrawals (助农取款) in your scope, newest first.",
        **connection_args(),
    )
    ticket_booking = graphene.Field(
        TicketBooking,
        id=graphene.ID(required=True),
        description="Ruralmart extension: one ticket booking of a supermarket in your scope.",
    )
    ticket_bookings = graphene.Field(
        TicketBookingCountableConnection,
        supermarket=graphene.ID(description="One RedSupermarket (global ID)."),
        status=graphene.Argument(TicketStatusEnum),
        description="Ruralmart extension: ticket bookings in your scope, newest first.",
        **connection_args(),
    )

    @staticmethod
    def resolve_cash_withdrawal(root: Any, info: Any, id: str) -> Any:
        user = require_agency_staff(info)
        return visible_node(
            withdrawals_visible_to(user=user), CashWithdrawalModel, id, "CashWithdrawal"
        )

    @staticmethod
    def resolve_cash_withdrawals(
        root: Any,
        info: Any,
        supermarket: str | None = None,
        status: Any = None,
        business_day: Any = None,
        **page: Any,
    ) -> Any:
        user = require_agency_staff(info)
        return filtered_page(
            withdrawals_visible_to(user=user),
            CashWithdrawalCountableConnection,
            connection_name="cashWithdrawals",
            filters={
                "supermarket": _supermarket(info, supermarket, operate=False)
                if supermarket
                else None,
                "status": status,
                "business_day": business_day,
            },
            page=page,
        )

    @staticmethod
    def resolve_ticket_booking(root: Any, info: Any, id: str) -> Any:
        user = require_agency_staff(info)
        return visible_node(tickets_visible_to(user=user), TicketBookingModel, id, "TicketBooking")

    @staticmethod
    def resolve_ticket_bookings(
        root: Any, info: Any, supermarket: str | None = None, status: Any = None, **page: Any
    ) -> Any:
        user = require_agency_staff(info)
        return filtered_page(
            tickets_visible_to(user=user),
            TicketBookingCountableConnection,
            connection_name="ticketBookings",
            filters={
                "supermarket": _supermarket(info, supermarket, operate=False)
                if supermarket
                else None,
                "status": status,
            },
            page=page,
        )
