"""Read-only root fields for the counter's history: counter sales and till shifts, each by
ID and as a filtered connection. Scoped like every Red Supermarket read: operators and shop
managers see their own, township and county officers their area, platform admins all;
anyone without a staff role is refused rather than shown an empty page."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import Model, QuerySet

from marketplace.red_supermarket.counter.selectors import (
    counter_sales_visible_to,
    till_shifts_visible_to,
)
from marketplace.red_supermarket.models import CounterSale as CounterSaleModel
from marketplace.red_supermarket.models import TillShift as TillShiftModel
from storefront_api.core.connection import CountableConnection, connection_args, paginate
from storefront_api.core.errors import PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.red_supermarket.schema import _staff, _supermarket
from storefront_api.red_supermarket.types import (
    CounterPaymentMethodEnum,
    CounterSale,
    CounterSaleCountableConnection,
    CounterSaleStatusEnum,
    TillShift,
    TillShiftCountableConnection,
    TillShiftStatusEnum,
)


def enum_value(member: Any) -> Any:
    return getattr(member, "value", member)


def visible_node(visible: QuerySet[Any], model: type[Model], global_id: str, type_name: str) -> Any:
    """One row by global ID: None when it does not exist, PermissionDenied when it exists
    outside the caller's scope (staff learn nothing about other supermarkets' rows)."""
    pk = decode_id(global_id, expected_type=type_name)
    if not model._default_manager.filter(pk=pk).exists():
        return None
    row = visible.filter(pk=pk).first()
    if row is None:
        raise PermissionDenied(f"That {type_name} belongs to another Red Supermarket.")
    return row


def filtered_page(
    rows: QuerySet[Any],
    connection_type: type[CountableConnection],
    *,
    connection_name: str,
    filters: dict[str, Any],
    page: dict[str, Any],
) -> CountableConnection:
    """`rows` narrowed by the filters given (None means "any") and paginated."""
    given = {name: enum_value(value) for name, value in filters.items() if value is not None}
    return paginate(rows.filter(**given), connection_type, connection_name=connection_name, **page)


class CounterHistoryQueries(graphene.ObjectType):
    counter_sale = graphene.Field(
        CounterSale,
        id=graphene.ID(required=True),
        description="Ruralmart extension: one counter sale of a supermarket in your scope.",
    )
    counter_sales = graphene.Field(
        CounterSaleCountableConnection,
        supermarket=graphene.ID(description="One RedSupermarket (global ID)."),
        status=graphene.Argument(CounterSaleStatusEnum),
        payment_method=graphene.Argument(CounterPaymentMethodEnum),
        shift=graphene.ID(description="Only the sales rung up in this TillShift."),
        description="Ruralmart extension: counter sales in your scope, newest first.",
        **connection_args(),
    )
    till_shift = graphene.Field(
        TillShift,
        id=graphene.ID(required=True),
        description="Ruralmart extension: one till shift of a supermarket in your scope.",
    )
    till_shifts = graphene.Field(
        TillShiftCountableConnection,
        supermarket=graphene.ID(description="One RedSupermarket (global ID)."),
        status=graphene.Argument(TillShiftStatusEnum),
        description="Ruralmart extension: till shifts in your scope, newest first.",
        **connection_args(),
    )

    @staticmethod
    def resolve_counter_sale(root: Any, info: Any, id: str) -> Any:
        user = _staff(info)
        return visible_node(
            counter_sales_visible_to(user=user), CounterSaleModel, id, "CounterSale"
        )

    @staticmethod
    def resolve_counter_sales(
        root: Any,
        info: Any,
        supermarket: str | None = None,
        status: Any = None,
        payment_method: Any = None,
        shift: str | None = None,
        **page: Any,
    ) -> Any:
        user = _staff(info)
        return filtered_page(
            counter_sales_visible_to(user=user),
            CounterSaleCountableConnection,
            connection_name="counterSales",
            filters={
                "supermarket": _supermarket(info, supermarket, operate=False)
                if supermarket
                else None,
                "status": status,
                "payment_method": payment_method,
                "shift_id": decode_id(shift, expected_type="TillShift", field="shift")
                if shift
                else None,
            },
            page=page,
        )

    @staticmethod
    def resolve_till_shift(root: Any, info: Any, id: str) -> Any:
        user = _staff(info)
        return visible_node(till_shifts_visible_to(user=user), TillShiftModel, id, "TillShift")

    @staticmethod
    def resolve_till_shifts(
        root: Any, info: Any, supermarket: str | None = None, status: Any = None, **page: Any
    ) -> Any:
        user = _staff(info)
        return filtered_page(
            till_shifts_visible_to(user=user),
            TillShiftCountableConnection,
            connection_name="tillShifts",
            filters={
                "supermarket": _supermarket(info, supermarket, operate=False)
                if supermarket
                else None,
                "status": status,
            },
            page=page,
        )
