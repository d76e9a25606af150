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
from storefront_api.red_supermarket.reads import Filter, history_fields, supermarket_filter

AgencyHistoryQueries: Any = type(
    "AgencyHistoryQueries",
    (graphene.ObjectType,),
    {
        **history_fields(
            type_name="CashWithdrawal",
            node=CashWithdrawal,
            connection=CashWithdrawalCountableConnection,
            model=CashWithdrawalModel,
            visible=withdrawals_visible_to,
            plural="cashWithdrawals",
            what="cash withdrawal",
            staff=require_agency_staff,
            filters={
                "supermarket": supermarket_filter(),
                "status": Filter(graphene.Argument(CashWithdrawalStatusEnum), "status"),
                "business_day": Filter(
                    graphene.Date(description="The day the withdrawal counts against."),
                    "business_day",
                ),
            },
        ),
        **history_fields(
            type_name="TicketBooking",
            node=TicketBooking,
            connection=TicketBookingCountableConnection,
            model=TicketBookingModel,
            visible=tickets_visible_to,
            plural="ticketBookings",
            what="ticket booking",
            staff=require_agency_staff,
            filters={
                "supermarket": supermarket_filter(),
                "status": Filter(graphene.Argument(TicketStatusEnum), "status"),
            },
        ),
    },
)
