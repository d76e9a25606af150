"""Agency root fields (Ruralmart extensions): the catalogue, orders, ticket search and
reconciliation items, and the agency mutations. Staff-only data is refused to anyone
without a staff role, never silently emptied."""

from __future__ import annotations

from datetime import date
from typing import Any

import graphene
from django.core.exceptions import ValidationError

from marketplace.agency import tickets
from marketplace.agency.catalogue import service_items
from marketplace.agency.models import AgencyOrder as AgencyOrderModel
from marketplace.agency.reconciliation import reconciliation_items_visible_to
from marketplace.agency.selectors import agency_orders_visible_to
from marketplace.core.errors import PermissionRefused
from storefront_api.agency import mutations
from storefront_api.agency.mutations import require_agency_staff, supermarket_from_id
from storefront_api.agency.types import (
    AgencyOrder,
    AgencyOrderCountableConnection,
    AgencyOrderStatusEnum,
    AgencyServiceCategoryEnum,
    AgencyServiceItemCountableConnection,
    ReconciliationItemCountableConnection,
    TicketTrip,
)
from storefront_api.core.connection import connection_args, paginate
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.core.mutations import error_message, validation_entries


def _value(enum_member: Any) -> Any:
    return getattr(enum_member, "value", enum_member)


class AgencyQueries(graphene.ObjectType):
    agency_service_items = graphene.Field(
        AgencyServiceItemCountableConnection,
        category=graphene.Argument(AgencyServiceCategoryEnum),
        description="Ruralmart extension: the agency services (代办) a Red Supermarket offers.",
        **connection_args(),
    )
    agency_order = graphene.Field(
        AgencyOrder,
        id=graphene.ID(required=True),
        description="Ruralmart extension: an agency order of a supermarket in your scope.",
    )
    agency_orders = graphene.Field(
        AgencyOrderCountableConnection,
        supermarket=graphene.ID(description="One RedSupermarket (global ID)."),
        status=graphene.Argument(AgencyOrderStatusEnum),
        description="Ruralmart extension: agency orders in your scope, newest first.",
        **connection_args(),
    )
    ticket_search = graphene.List(
        graphene.NonNull(TicketTrip),
        required=True,
        supermarket=graphene.ID(required=True),
        item=graphene.String(required=True, description="ticket-bus, ticket-train or ticket-air."),
        origin=graphene.String(required=True),
        destination=graphene.String(required=True),
        date=graphene.Date(required=True),
        description="Ruralmart extension: seats on offer from the ticket provider.",
    )
    reconciliation_items = graphene.Field(
        ReconciliationItemCountableConnection,
        supermarket=graphene.ID(),
        date=graphene.Date(),
        source=graphene.String(),
        cleared=graphene.Boolean(),
        description="Ruralmart extension: reconciliation differences in your scope.",
        **connection_args(),
    )

    @staticmethod
    def resolve_agency_service_items(
        root: Any, info: Any, category: Any = None, **page: Any
    ) -> Any:
        items = service_items(category=_value(category))
        return paginate(
            items,
            AgencyServiceItemCountableConnection,
            connection_name="agencyServiceItems",
            **page,
        )

    @staticmethod
    def resolve_agency_order(root: Any, info: Any, id: str) -> Any:
        require_agency_staff(info)
        pk = decode_id(id, expected_type="AgencyOrder")
        order = AgencyOrderModel.objects.filter(pk=pk).first()
        if order is None:
            return None
        if not agency_orders_visible_to(user=info.context.user).filter(pk=pk).exists():
            raise PermissionDenied("That agency order belongs to another Red Supermarket.")
        return order

    @staticmethod
    def resolve_agency_orders(
        root: Any, info: Any, supermarket: str | None = None, status: Any = None, **page: Any
    ) -> Any:
        require_agency_staff(info)
        orders = agency_orders_visible_to(user=info.context.user)
        if supermarket:
            orders = orders.filter(supermarket=supermarket_from_id(info, supermarket))
        if status is not None:
            orders = orders.filter(status=_value(status))
        return paginate(
            orders, AgencyOrderCountableConnection, connection_name="agencyOrders", **page
        )

    @staticmethod
    def resolve_ticket_search(
        root: Any, info: Any, supermarket: str, item: str, origin: str, destination: str, date: date
    ) -> Any:
        require_agency_staff(info)
        market = supermarket_from_id(info, supermarket)
        try:
            offers = tickets.ticket_search(
                supermarket=market,
                user=info.context.user,
                item_code=item,
                origin=origin,
                destination=destination,
                day=date,
            )
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from None
        except ValidationError as exc:
            field, error = next(validation_entries(exc))
            raise ApiError(
                error_message(error), code=str(error.code).upper(), field=field
            ) from None
        return [TicketTrip.from_offer(offer) for offer in offers]

    @staticmethod
    def resolve_reconciliation_items(
        root: Any,
        info: Any,
        supermarket: str | None = None,
        date: date | None = None,
        source: str | None = None,
        cleared: bool | None = None,
        **page: Any,
    ) -> Any:
        require_agency_staff(info)
        items = reconciliation_items_visible_to(user=info.context.user)
        if supermarket:
            items = items.filter(supermarket=supermarket_from_id(info, supermarket))
        if date is not None:
            items = items.filter(business_day=date)
        if source:
            items = items.filter(source=source)
        if cleared is not None:
            items = items.filter(cleared=cleared)
        return paginate(
            items,
            ReconciliationItemCountableConnection,
            connection_name="reconciliationItems",
            **page,
        )


class AgencyMutations(graphene.ObjectType):
    agency_order_create = mutations.AgencyOrderCreate.Field()
    agency_order_refresh = mutations.AgencyOrderRefresh.Field()
    agency_manual_review_resolve = mutations.AgencyManualReviewResolve.Field()
    agency_task_update = mutations.AgencyTaskUpdate.Field()
    cash_withdrawal_create = mutations.CashWithdrawalCreate.Field()
    ticket_book = mutations.TicketBook.Field()
    ticket_issue = mutations.TicketIssue.Field()
    ticket_refund = mutations.TicketRefund.Field()
    reconciliation_run = mutations.ReconciliationRunMutation.Field()
    reconciliation_item_clear = mutations.ReconciliationItemClear.Field()
    agency_reconciliation_run = mutations.AgencyReconciliationRun.Field()
