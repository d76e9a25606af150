"""Read-only root fields for the counter's history: counter sales and till shifts, each by
ID and as a filtered connection. Scoped like every Red Supermarket read: operators and shop
managers see their own, township and county officers their area, platform admins all;
anyone without a staff role is refused rather than shown an empty page.

`history_fields` builds such a pair of fields from a selector; the agency's withdrawals
and tickets use it too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


def _as_given(info: Any, value: Any) -> Any:
    return getattr(value, "value", value)  # graphene enums arrive as members


@dataclass(frozen=True)
class Filter:
    """A connection argument narrowing the rows: `column` equals the argument's value as
    `to_value` turns it into one (and refuses what the caller may not name)."""

    argument: Any
    column: str
    to_value: Callable[[Any, Any], Any] = _as_given


def supermarket_filter() -> Filter:
    return Filter(
        graphene.ID(description="One RedSupermarket (global ID)."),
        "supermarket",
        lambda info, global_id: _supermarket(info, global_id, operate=False),
    )


def history_fields(
    *,
    type_name: str,
    node: type[graphene.ObjectType],
    connection: type[CountableConnection],
    model: type[Model],
    visible: Callable[..., QuerySet[Any]],
    plural: str,
    what: str,
    filters: dict[str, Filter],
    staff: Callable[[Any], Any] = _staff,
) -> dict[str, graphene.Field]:
    """`<type>(id)` and `<plural>(filters, first/after...)` over `visible(user=...)`. By ID,
    a row that does not exist is null and one outside the caller's scope is refused, so
    staff learn nothing about other supermarkets' rows."""

    def resolve_one(root: Any, info: Any, id: str) -> Any:
        user = staff(info)
        pk = decode_id(id, expected_type=type_name)
        if not model._default_manager.filter(pk=pk).exists():
            return None
        row = visible(user=user).filter(pk=pk).first()
        if row is None:
            raise PermissionDenied(f"That {type_name} belongs to another Red Supermarket.")
        return row

    def resolve_page(root: Any, info: Any, **arguments: Any) -> Any:
        rows = visible(user=staff(info))
        for name, narrowing in filters.items():
            value = arguments.pop(name, None)
            if value is not None:
                rows = rows.filter(**{narrowing.column: narrowing.to_value(info, value)})
        return paginate(rows, connection, connection_name=plural, **arguments)

    single = type_name[0].lower() + type_name[1:]
    return {
        single: graphene.Field(
            node,
            id=graphene.ID(required=True),
            resolver=resolve_one,
            description=f"Ruralmart extension: one {what} of a supermarket in your scope.",
        ),
        plural: graphene.Field(
            connection,
            resolver=resolve_page,
            description=f"Ruralmart extension: {what}s in your scope, newest first.",
            **{name: narrowing.argument for name, narrowing in filters.items()},
            **connection_args(),
        ),
    }


CounterHistoryQueries: Any = type(
    "CounterHistoryQueries",
    (graphene.ObjectType,),
    {
        **history_fields(
            type_name="CounterSale",
            node=CounterSale,
            connection=CounterSaleCountableConnection,
            model=CounterSaleModel,
            visible=counter_sales_visible_to,
            plural="counterSales",
            what="counter sale",
            filters={
                "supermarket": supermarket_filter(),
                "status": Filter(graphene.Argument(CounterSaleStatusEnum), "status"),
                "payment_method": Filter(
                    graphene.Argument(CounterPaymentMethodEnum), "payment_method"
                ),
                "shift": Filter(
                    graphene.ID(description="Only the sales rung up in this TillShift."),
                    "shift_id",
                    lambda info, gid: decode_id(gid, expected_type="TillShift", field="shift"),
                ),
            },
        ),
        **history_fields(
            type_name="TillShift",
            node=TillShift,
            connection=TillShiftCountableConnection,
            model=TillShiftModel,
            visible=till_shifts_visible_to,
            plural="tillShifts",
            what="till shift",
            filters={
                "supermarket": supermarket_filter(),
                "status": Filter(graphene.Argument(TillShiftStatusEnum), "status"),
            },
        ),
    },
)
