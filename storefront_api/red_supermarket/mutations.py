"""Counter mutations, each thin: refuse callers who operate no supermarket before any
lookup, resolve the IDs, call one counter service, and answer its refusals as `errors`
with `CounterErrorCode`, except `counterOrderCashRefund`, which answers the refund rules'
`RefundErrorCode` (the till's NO_OPEN_SHIFT and NOT_ENOUGH_CASH among them). "You may
not" (another supermarket's operator, an officer, a buyer) is a GraphQL PermissionDenied
error, never an `errors` entry."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import graphene
from django.core.exceptions import ValidationError

from marketplace.accounts.permissions import role_scopes
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.payments.error_codes import RefundErrorCode
from marketplace.payments.models import TransactionItem as TransactionItemModel
from marketplace.red_supermarket.counter import services
from marketplace.red_supermarket.counter.error_codes import CounterErrorCode as DomainCode
from marketplace.red_supermarket.counter.online_cash import (
    counter_order_cash_refund,
    counter_order_cash_take,
)
from marketplace.red_supermarket.counter.selectors import counter_sale_get
from marketplace.red_supermarket.models import (
    CounterSaleStatus,
)
from marketplace.red_supermarket.models import (
    RedSupermarket as RedSupermarketModel,
)
from marketplace.red_supermarket.models import TillShift as TillShiftModel
from storefront_api.core.enums import domain_enum
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id, decode_uuid_id
from storefront_api.core.mutations import (
    ErrorsMutation,
    error_code,
)
from storefront_api.order.staff import shop_order_from_global_id
from storefront_api.payment.types import Refund, ShopOrderRefundError, TransactionItem
from storefront_api.red_supermarket.types import (
    CounterPaymentMethodEnum,
    CounterSale,
    Receipt,
    TillShift,
)

CounterErrorCode = domain_enum(DomainCode, name="CounterErrorCode")


class CounterError(graphene.ObjectType):
    field = graphene.String(description="The argument at fault; null for the whole input.")
    message = graphene.String()
    code = graphene.Field(CounterErrorCode, required=True)


class CounterMutation(ErrorsMutation):
    class Meta:
        abstract = True

    error_type = CounterError
    error_codes = DomainCode


@contextmanager
def refusals_as_permission_denied() -> Iterator[None]:
    try:
        yield
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from None


def require_some_operator(info: Any) -> Any:
    user = info.context.user
    if not user.is_authenticated or not role_scopes(user).operated_shop_ids:
        hint = ": log in." if not user.is_authenticated else "."
        raise PermissionDenied(f"This is for Red Supermarket operators{hint}")
    return user


def pk_of(global_id: str, *, type_name: str, field: str) -> int:
    try:
        return decode_id(global_id, expected_type=type_name, field=field)
    except ApiError as exc:
        raise refuse(field, exc.message, DomainCode.INVALID) from None


def supermarket_of(global_id: str, *, field: str = "supermarket") -> RedSupermarketModel:
    pk = pk_of(global_id, type_name="RedSupermarket", field=field)
    found = RedSupermarketModel.objects.select_related("shop__village").filter(pk=pk).first()
    if found is None:
        raise refuse(field, "No such Red Supermarket.", DomainCode.NOT_FOUND)
    return found


def sale_of(global_id: str) -> Any:
    sale = counter_sale_get(sale_id=pk_of(global_id, type_name="CounterSale", field="id"))
    if sale is None:
        raise refuse("id", "No such counter sale.", DomainCode.NOT_FOUND)
    return sale


class CounterSaleLineInput(graphene.InputObjectType):
    variant_id = graphene.ID(required=True)
    quantity = graphene.Int(required=True)


class CounterPaymentInput(graphene.InputObjectType):
    method = graphene.InputField(CounterPaymentMethodEnum, required=True)
    auth_code = graphene.String(description="ALIPAY_CODE: the buyer's payment code, scanned.")
    cash_received = graphene.String(description='CASH: yuan handed over, e.g. "50.00".')


class CounterSaleCreateInput(graphene.InputObjectType):
    supermarket = graphene.ID(required=True)
    request_id = graphene.String(
        required=True,
        description="Made once per submit and reused on every retry: the same id is the same sale.",
    )
    lines = graphene.List(graphene.NonNull(CounterSaleLineInput), required=True)
    member = graphene.ID(description="A household of the village (会员).")
    payment = graphene.InputField(CounterPaymentInput, required=True)


def _with_failure(cls: Any, sale: Any) -> Any:
    """A FAILED sale is an answer and an error: the page shows both."""
    errors = []
    if sale.status == CounterSaleStatus.FAILED:
        errors.append(
            CounterError(
                field="payment",
                message=sale.failure_reason,
                code=error_code(
                    ValidationError("", code=sale.failure_code),
                    DomainCode,
                    DomainCode.PAYMENT_FAILED,
                ),
            )
        )
    return cls(sale=sale, errors=errors)


class CounterSaleCreate(CounterMutation):
    class Arguments:
        input = CounterSaleCreateInput(required=True)

    class Meta:
        description = (
            "Ruralmart extension: sell over the counter, paid in cash (change computed) or "
            "by Alipay face-to-face (payment code or QR). For the supermarket's operators."
        )

    sale = graphene.Field(CounterSale)
    errors = graphene.List(graphene.NonNull(CounterError), required=True)

    @classmethod
    def perform(cls, info: Any, input: Any) -> CounterSaleCreate:
        user = require_some_operator(info)
        supermarket = supermarket_of(input["supermarket"])
        lines = [
            services.SaleLineInput(
                variant_id=pk_of(line["variant_id"], type_name="ProductVariant", field="lines"),
                quantity=line["quantity"],
            )
            for line in input["lines"]
        ]
        member = input.get("member")
        payment = input["payment"]
        method = payment["method"]
        with refusals_as_permission_denied():
            sale = services.counter_sale_create(
                supermarket=supermarket,
                operator=user,
                request_id=input["request_id"],
                lines=lines,
                payment=services.PaymentInput(
                    method=getattr(method, "value", method),
                    auth_code=payment.get("auth_code") or "",
                    cash_received=payment.get("cash_received"),
                ),
                member_id=pk_of(member, type_name="Household", field="member") if member else None,
            )
        return _with_failure(cls, sale)


class _CounterSaleStep(CounterMutation):
    """Poll or cancel: one sale by ID, one service, the sale back."""

    class Meta:
        abstract = True

    step: Any = None

    @classmethod
    def perform(cls, info: Any, id: str) -> Any:
        user = require_some_operator(info)
        sale = sale_of(id)
        with refusals_as_permission_denied():
            sale = cls.step(sale=sale, operator=user)
        return cls(sale=sale, errors=[])


class CounterSalePoll(_CounterSaleStep):
    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = (
            "Ruralmart extension: ask Alipay where a waiting sale stands (the buyer confirming "
            "on the phone, or scanning the QR); past the timeout it is cancelled."
        )

    sale = graphene.Field(CounterSale)
    errors = graphene.List(graphene.NonNull(CounterError), required=True)
    step = staticmethod(services.counter_sale_poll)


class CounterSaleCancel(_CounterSaleStep):
    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = "Ruralmart extension: give up on a waiting Alipay sale; stock goes back."

    sale = graphene.Field(CounterSale)
    errors = graphene.List(graphene.NonNull(CounterError), required=True)
    step = staticmethod(services.counter_sale_cancel)


class TillShiftOpen(CounterMutation):
    class Arguments:
        supermarket = graphene.ID(required=True)
        float_amount = graphene.String(required=True, description='Yuan, e.g. "200.00".')

    class Meta:
        description = "Ruralmart extension: open the till with a float (备用金)."

    shift = graphene.Field(TillShift)
    errors = graphene.List(graphene.NonNull(CounterError), required=True)

    @classmethod
    def perform(cls, info: Any, supermarket: str, float_amount: str) -> TillShiftOpen:
        user = require_some_operator(info)
        found = supermarket_of(supermarket)
        with refusals_as_permission_denied():
            shift = services.till_shift_open(
                supermarket=found, operator=user, float_amount=float_amount
            )
        return cls(shift=shift, errors=[])


class TillShiftClose(CounterMutation):
    class Arguments:
        id = graphene.ID(required=True)
        counted_amount = graphene.String(required=True, description="The cash counted.")

    class Meta:
        description = (
            "Ruralmart extension: close the till with the cash counted; the variance against "
            "the ledger is recorded and posted once."
        )

    shift = graphene.Field(TillShift)
    errors = graphene.List(graphene.NonNull(CounterError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str, counted_amount: str) -> TillShiftClose:
        user = require_some_operator(info)
        shift = (
            TillShiftModel.objects.select_related("supermarket__shop__village")
            .filter(pk=pk_of(id, type_name="TillShift", field="id"))
            .first()
        )
        if shift is None:
            raise refuse("id", "No such till shift.", DomainCode.NOT_FOUND)
        with refusals_as_permission_denied():
            closed = services.till_shift_close(
                shift=shift, operator=user, counted_amount=counted_amount
            )
        return cls(shift=closed, errors=[])


class CounterOrderCashConfirm(CounterMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The cash TransactionItem of the order.")

    class Meta:
        description = (
            "Ruralmart extension: the operator took the cash for an online order paid at the "
            "counter; the order is charged and the cash is in their till, so their till "
            "shift must be open (NO_OPEN_SHIFT). Idempotent. For operators of a shop in the order."
        )

    transaction = graphene.Field(TransactionItem)
    errors = graphene.List(graphene.NonNull(CounterError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str) -> CounterOrderCashConfirm:
        user = require_some_operator(info)
        token = decode_uuid_id(id, expected_type="TransactionItem")
        tx = TransactionItemModel.objects.filter(token=token).first() if token else None
        if tx is None:
            raise refuse("id", "No such cash payment.", DomainCode.NOT_FOUND)
        with refusals_as_permission_denied():
            confirmed = counter_order_cash_take(tx=tx, operator=user)
        return cls(transaction=confirmed, errors=[])


class CounterOrderCashRefund(ErrorsMutation):
    class Arguments:
        shop_order = graphene.ID(required=True, description="The ShopOrder paid in cash.")
        amount = graphene.String(
            description='Yuan to hand back, e.g. "30.00". Omitted: what cancelling entitles '
            "the buyer to (tourism lines by their cancellation tiers)."
        )
        request_id = graphene.UUID(
            required=True,
            description="Made once per submit and reused on every retry: the same id is the "
            "same refund, and no more cash.",
        )
        reason = graphene.String(description="Why the cash is handed back (on the receipt).")

    class Meta:
        description = (
            "Ruralmart extension: the operator hands back, from the till, cash an online "
            "order was paid with at this counter; a successful refund with its receipt. "
            "The till shift must be open (NO_OPEN_SHIFT) and hold the cash "
            "(NOT_ENOUGH_CASH). For operators of the shop order's Red Supermarket."
        )

    # Refund rules' codes (NOT_PAID, AMOUNT_TOO_HIGH, INVALID) and the till's, one enum.
    error_type = ShopOrderRefundError
    error_codes = RefundErrorCode

    refund = graphene.Field(Refund)
    receipt = graphene.Field(Receipt)
    errors = graphene.List(graphene.NonNull(ShopOrderRefundError), required=True)

    @classmethod
    def perform(
        cls,
        info: Any,
        shop_order: str,
        request_id: Any,
        amount: str | None = None,
        reason: str | None = None,
    ) -> CounterOrderCashRefund:
        user = require_some_operator(info)
        target = shop_order_from_global_id(shop_order, field="shopOrder", codes=RefundErrorCode)
        with refusals_as_permission_denied():
            refund, receipt = counter_order_cash_refund(
                shop_order=target,
                operator=user,
                request_id=request_id,
                amount=amount,
                reason=reason or "",
            )
        return cls(refund=refund, receipt=receipt, errors=[])
