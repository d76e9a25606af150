"""Red Supermarket root fields: `redSupermarkets`, the counter's lookups and receipts, and
the counter mutations. Reads are for the supermarket's operators, its shop's managers and
the officers overseeing its township (receipts) or its operators only (the till's own
lookups); anyone else gets PermissionDenied, not an empty answer."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from marketplace.accounts.permissions import role_scopes
from marketplace.red_supermarket.counter import selectors as counter
from marketplace.red_supermarket.counter.online_cash_orders import (
    can_read_counter_cash_orders,
    counter_cash_orders,
    counter_cash_refundable,
)
from marketplace.red_supermarket.models import RedSupermarket as RedSupermarketModel
from marketplace.red_supermarket.selectors import (
    can_operate_supermarket,
    can_view_supermarket,
    supermarkets_visible_to,
)
from storefront_api.core.connection import connection_args, paginate
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.red_supermarket import mutations
from storefront_api.red_supermarket.types import (
    CounterCashOrderCountableConnection,
    CounterCashRefundable,
    CounterItem,
    CounterMemberCountableConnection,
    QuickKey,
    Receipt,
    ReceiptCountableConnection,
    RedSupermarketCountableConnection,
    quick_key_of,
)


class CounterLookup(graphene.ObjectType):
    """What a scan or a search found; a bad barcode is an `errors` entry, not a failure."""

    items = graphene.List(graphene.NonNull(CounterItem), required=True)
    errors = graphene.List(graphene.NonNull(mutations.CounterError), required=True)


def _staff(info: Any) -> Any:
    user = info.context.user
    if not user.is_authenticated or not role_scopes(user).is_staff_role:
        raise PermissionDenied("This is for Red Supermarket staff: log in.")
    return user


def _supermarket(info: Any, global_id: str, *, operate: bool) -> RedSupermarketModel:
    user = _staff(info)
    pk = decode_id(global_id, expected_type="RedSupermarket", field="supermarket")
    found = RedSupermarketModel.objects.select_related("shop__village").filter(pk=pk).first()
    allowed = found is not None and (
        can_operate_supermarket(user=user, supermarket=found)
        if operate
        else can_view_supermarket(user=user, supermarket=found)
    )
    if not allowed:
        raise PermissionDenied("Not a Red Supermarket of yours.")
    assert found is not None
    return found


class RedSupermarketQueries(graphene.ObjectType):
    red_supermarkets = graphene.Field(
        RedSupermarketCountableConnection,
        description="Ruralmart extension: the Red Supermarkets the caller operates or oversees.",
        **connection_args(),
    )
    counter_product_lookup = graphene.Field(
        CounterLookup,
        supermarket=graphene.ID(required=True),
        barcode=graphene.String(description="An EAN-13 as the scanner reads it."),
        search=graphene.String(description="Words of the name (Chinese search)."),
        required=True,
        description="Ruralmart extension: goods at the counter, by barcode or name. Operators.",
    )
    counter_quick_keys = graphene.List(
        graphene.NonNull(QuickKey),
        supermarket=graphene.ID(required=True),
        required=True,
        description="Ruralmart extension: the supermarket's quick-key grid. Operators.",
    )
    counter_members = graphene.Field(
        CounterMemberCountableConnection,
        supermarket=graphene.ID(required=True),
        search=graphene.String(
            description="The household reference (or part of it), the phone's last 4 digits, "
            "or the family name (one character)."
        ),
        description=(
            "Ruralmart extension: households of the supermarket's village a counter sale may "
            "name as its member, masked unless the caller is entitled. For its operators and "
            "the staff overseeing it."
        ),
        **connection_args(),
    )
    counter_cash_orders = graphene.Field(
        CounterCashOrderCountableConnection,
        supermarket=graphene.ID(required=True),
        search=graphene.String(
            description='The order number (as typed or scanned, "#" allowed) or the cash '
            "attempt's reference."
        ),
        description=(
            "Ruralmart extension: online orders waiting for their cash at this counter (the "
            "pending cash attempts), oldest first, the buyer masked. For the supermarket's "
            "operators and its township's officers."
        ),
        **connection_args(),
    )
    counter_cash_refundable = graphene.Field(
        CounterCashRefundable,
        supermarket=graphene.ID(required=True),
        number=graphene.String(required=True, description='The order number ("#" allowed).'),
        description=(
            "Ruralmart extension: the shop order of this counter's shop in the order numbered "
            "`number`, if its cash was taken into this till, with what may still be handed "
            "back; null otherwise. For the supermarket's operators."
        ),
    )
    receipt = graphene.Field(
        Receipt,
        number=graphene.String(required=True),
        description="Ruralmart extension: one receipt by number (staff of its supermarket).",
    )
    receipts = graphene.Field(
        ReceiptCountableConnection,
        supermarket=graphene.ID(required=True),
        description="Ruralmart extension: a supermarket's receipts, newest first.",
        **connection_args(),
    )

    @staticmethod
    def resolve_red_supermarkets(root: Any, info: Any, **page: Any) -> Any:
        user = _staff(info)
        return paginate(
            supermarkets_visible_to(user=user),
            RedSupermarketCountableConnection,
            connection_name="redSupermarkets",
            **page,
        )

    @staticmethod
    def resolve_counter_product_lookup(
        root: Any,
        info: Any,
        supermarket: str,
        barcode: str | None = None,
        search: str | None = None,
    ) -> CounterLookup:
        found = _supermarket(info, supermarket, operate=True)
        try:
            if barcode is not None:
                items = [counter.counter_item_by_barcode(supermarket=found, barcode=barcode)]
            elif search is not None:
                items = counter.counter_items_search(supermarket=found, text=search)
            else:
                raise ApiError("Give a barcode or a search.", field="barcode")
        except ValidationError as exc:
            return CounterLookup(items=[], errors=mutations.CounterMutation.errors_from(exc))
        return CounterLookup(items=items, errors=[])

    @staticmethod
    def resolve_counter_quick_keys(root: Any, info: Any, supermarket: str) -> list[QuickKey]:
        found = _supermarket(info, supermarket, operate=True)
        return [quick_key_of(k, v) for k, v in counter.counter_quick_keys(supermarket=found)]

    @staticmethod
    def resolve_counter_members(
        root: Any, info: Any, supermarket: str, search: str | None = None, **page: Any
    ) -> Any:
        found = _supermarket(info, supermarket, operate=False)
        return paginate(
            counter.counter_members(supermarket=found, search=search or ""),
            CounterMemberCountableConnection,
            connection_name="counterMembers",
            **page,
        )

    @staticmethod
    def resolve_counter_cash_orders(
        root: Any, info: Any, supermarket: str, search: str | None = None, **page: Any
    ) -> Any:
        found = _supermarket(info, supermarket, operate=False)
        if not can_read_counter_cash_orders(user=info.context.user, supermarket=found):
            raise PermissionDenied("Online cash orders are for this counter's operators.")
        return paginate(
            counter_cash_orders(supermarket=found, search=search or ""),
            CounterCashOrderCountableConnection,
            connection_name="counterCashOrders",
            **page,
        )

    @staticmethod
    def resolve_counter_cash_refundable(root: Any, info: Any, supermarket: str, number: str) -> Any:
        # Operators only: they alone hand cash back, and the answer names a buyer.
        found = _supermarket(info, supermarket, operate=True)
        return counter_cash_refundable(supermarket=found, number=number)

    @staticmethod
    def resolve_receipt(root: Any, info: Any, number: str) -> Any:
        user = _staff(info)
        found = counter.receipt_by_number(number=number)
        if found is None:
            return None
        if not can_view_supermarket(user=user, supermarket=found.supermarket):
            raise PermissionDenied("Not a receipt of your Red Supermarket.")
        return found

    @staticmethod
    def resolve_receipts(root: Any, info: Any, supermarket: str, **page: Any) -> Any:
        found = _supermarket(info, supermarket, operate=False)
        return paginate(
            counter.receipts_of(supermarket=found),
            ReceiptCountableConnection,
            connection_name="receipts",
            **page,
        )


class RedSupermarketMutations(graphene.ObjectType):
    counter_sale_create = mutations.CounterSaleCreate.Field()
    counter_sale_poll = mutations.CounterSalePoll.Field()
    counter_sale_cancel = mutations.CounterSaleCancel.Field()
    till_shift_open = mutations.TillShiftOpen.Field()
    till_shift_close = mutations.TillShiftClose.Field()
    counter_order_cash_confirm = mutations.CounterOrderCashConfirm.Field()
    counter_order_cash_refund = mutations.CounterOrderCashRefund.Field()
