"""Payment mutations. Thin: decode IDs, check the input's shape, call one service, shape
the payload; a service's ValidationError becomes the payload's `errors` unchanged."""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import graphene
from django.core.exceptions import ValidationError
from graphene.utils.str_converters import to_camel_case

from marketplace.accounts.throttling import client_ip
from marketplace.checkout.models import Checkout
from marketplace.checkout.selectors import checkout_get, checkout_totals
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.orders.models import ShopOrder as ShopOrderModel
from marketplace.payments import error_codes
from marketplace.payments.gateways import available_gateways
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.process import transaction_process
from marketplace.payments.refunds import shop_order_refund
from storefront_api.core.errors import PermissionDenied
from storefront_api.core.ids import decode_uuid_id
from storefront_api.order.staff import require_shop_staff, shop_order_from_global_id
from storefront_api.payment.types import (
    JSON,
    PaymentGatewayConfig,
    PaymentGatewayConfigError,
    PaymentGatewayInitializeError,
    PaymentGatewayToInitialize,
    PositiveDecimal,
    Refund,
    ShopOrderRefundError,
    TransactionEvent,
    TransactionFlowStrategyEnum,
    TransactionInitializeError,
    TransactionItem,
    TransactionProcessError,
)


def errors_from(exc: ValidationError, error_type: type, codes: type[Enum]) -> list[Any]:
    """One `error_type` per message, its field in camelCase, its code from `codes`."""
    entries = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    errors = []
    for field, field_errors in entries:
        api_field = None if field in (None, "__all__") else to_camel_case(field)
        for error in field_errors:
            try:
                code = codes(error.code)
            except ValueError:
                code = codes("INVALID")
            errors.append(error_type(field=api_field, message=str(error.message), code=code))
    return errors


def checkout_from_global_id(global_id: str, code: Enum) -> Checkout:
    """The checkout behind "Checkout:<token>"; a malformed or unknown ID is a refusal on
    `id` (NOT_FOUND), never a 500."""
    try:
        type_name, _, raw = b64decode(global_id, validate=True).decode().partition(":")
        token = UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise refuse("id", f"Couldn't resolve id: {global_id}.", code) from None
    checkout = checkout_get(token=token) if type_name == "Checkout" else None
    if checkout is None:
        raise refuse("id", f"Couldn't resolve to a checkout: {global_id}.", code)
    return checkout


def _perform(cls: Any, codes: type[Enum], error_type: type, work: Callable[[], Any]) -> Any:
    try:
        return work()
    except ValidationError as exc:
        return cls(errors=errors_from(exc, error_type, codes))


def _answer(cls: Any, result: Any) -> Any:
    """transactionInitialize's and transactionProcess's payload from the service's result."""
    return cls(
        transaction=result.transaction, transaction_event=result.event, data=result.data, errors=[]
    )


class PaymentGatewayInitialize(graphene.Mutation):
    class Arguments:
        amount = PositiveDecimal(
            description="The amount requested for initializing the payment gateway. If not "
            "provided, what is left to pay on the checkout."
        )
        id = graphene.ID(required=True, description="The ID of the checkout.")
        payment_gateways = graphene.List(
            graphene.NonNull(PaymentGatewayToInitialize),
            description="List of payment gateways to initialize; all available when omitted.",
        )

    class Meta:
        description = "Initializes payment gateways: what each offers for this checkout."

    gateway_configs = graphene.List(graphene.NonNull(PaymentGatewayConfig))
    errors = graphene.List(graphene.NonNull(PaymentGatewayInitializeError), required=True)

    @classmethod
    def mutate(
        cls, root: Any, info: Any, id: str, amount: Decimal | None = None, payment_gateways=None
    ) -> PaymentGatewayInitialize:
        codes = error_codes.PaymentGatewayInitializeErrorCode

        def work() -> PaymentGatewayInitialize:
            checkout = checkout_from_global_id(id, codes.NOT_FOUND)
            left = checkout_totals(checkout=checkout).total - checkout.charged_amount
            offered = {g.id: g for g in available_gateways(channel=checkout.channel)}
            wanted = [g.id for g in payment_gateways] if payment_gateways else list(offered)
            configs = []
            for gateway_id in wanted:
                gateway = offered.get(gateway_id)
                if gateway is None:
                    configs.append(
                        PaymentGatewayConfig(
                            id=gateway_id,
                            data=None,
                            errors=[
                                PaymentGatewayConfigError(
                                    field="id",
                                    message=f"{gateway_id} is not offered in this channel.",
                                    code=error_codes.PaymentGatewayConfigErrorCode.NOT_FOUND,
                                )
                            ],
                        )
                    )
                    continue
                data = {
                    "name": gateway.name,
                    "methods": list(gateway.methods),
                    "amount": str(amount if amount is not None else left),
                    "currency": checkout.currency,
                }
                configs.append(PaymentGatewayConfig(id=gateway_id, data=data, errors=[]))
            return cls(gateway_configs=configs, errors=[])

        return _perform(cls, codes, PaymentGatewayInitializeError, work)


class TransactionInitialize(graphene.Mutation):
    class Arguments:
        action = TransactionFlowStrategyEnum(
            description="Only CHARGE: Alipay and cash take the money at once."
        )
        amount = PositiveDecimal(
            description="The amount to pay; by default what is left to pay on the checkout."
        )
        customer_ip_address = graphene.String(
            description="The buyer's IPv4 or IPv6 address, recorded on the payment attempt. "
            "Taken from the request when omitted; honoured only for platform admins (a "
            "backend paying on the buyer's behalf) and ignored for everyone else."
        )
        id = graphene.ID(required=True, description="The ID of the checkout.")
        idempotency_key = graphene.String(
            description="A key the client makes once per intended payment (at most 128 "
            "characters). Retrying with the same key, gateway, method and amount returns the "
            "same transaction and data instead of opening a second Alipay trade. An empty "
            "string is refused with INVALID; the same key with other input with UNIQUE."
        )
        payment_gateway = PaymentGatewayToInitialize(
            required=True,
            description='The gateway, e.g. {id: "ruralmart.payments.alipay", data: {method: '
            '"PAGE" | "WAP" | "QR"}} or {id: "ruralmart.payments.cash"} in village-counter.',
        )

    class Meta:
        description = (
            "Starts a payment: creates the Alipay trade (a fresh out_trade_no per attempt) and "
            "returns `data.payUrl` (PAGE, WAP) or `data.qrCode` (QR)."
        )

    transaction = graphene.Field(TransactionItem)
    transaction_event = graphene.Field(TransactionEvent)
    data = graphene.Field(JSON)
    errors = graphene.List(graphene.NonNull(TransactionInitializeError), required=True)

    @classmethod
    def mutate(
        cls,
        root: Any,
        info: Any,
        id: str,
        payment_gateway: Any,
        action: Any = None,
        amount: Decimal | None = None,
        idempotency_key: str | None = None,
        customer_ip_address: str | None = None,
    ) -> TransactionInitialize:
        codes = error_codes.TransactionInitializeErrorCode

        def work() -> TransactionInitialize:
            if action is not None and getattr(action, "value", action) != "CHARGE":
                raise refuse(
                    "action", "Only CHARGE is supported: no authorizations.", codes.INVALID
                )
            checkout = checkout_from_global_id(id, codes.NOT_FOUND)
            data = payment_gateway.get("data")
            method = data.get("method") if isinstance(data, dict) else None
            user = info.context.user
            result = transaction_initialize(
                checkout=checkout,
                gateway_id=payment_gateway["id"],
                method=method,
                amount=amount,
                user=user if user.is_authenticated else None,
                idempotency_key=idempotency_key,
                request_ip=client_ip(info.context.META),
                customer_ip_address=customer_ip_address,
                gateway_data=data,
            )
            return _answer(cls, result)

        return _perform(cls, codes, TransactionInitializeError, work)


class TransactionProcess(graphene.Mutation):
    class Arguments:
        customer_ip_address = graphene.String(
            description="Accepted for Saleor's signature; the attempt keeps the IP it was "
            "started from."
        )
        data = graphene.Argument(
            JSON,
            description="For the gateway: the demo gateway takes "
            "{event: {type: CHARGE_SUCCESS | CHARGE_FAILURE}}.",
        )
        id = graphene.ID(description="The ID of the transaction to process.")
        token = graphene.UUID(description="The token of the transaction to process.")

    class Meta:
        description = (
            "Carries on with a waiting payment: settles a demo payment's second step, or asks "
            "Alipay about the trade now (when the buyer is back from the cashier)."
        )

    transaction = graphene.Field(TransactionItem)
    transaction_event = graphene.Field(TransactionEvent)
    data = graphene.Field(JSON)
    errors = graphene.List(graphene.NonNull(TransactionProcessError), required=True)

    @classmethod
    def mutate(
        cls,
        root: Any,
        info: Any,
        id: str | None = None,
        token: UUID | None = None,
        data: Any = None,
        customer_ip_address: str | None = None,
    ) -> TransactionProcess:
        codes = error_codes.TransactionProcessErrorCode

        def work() -> TransactionProcess:
            found = _transaction_token(id=id, token=token, code=codes.NOT_FOUND)
            user = info.context.user
            result = transaction_process(
                token=found, data=data, user=user if user.is_authenticated else None
            )
            return _answer(cls, result)

        return _perform(cls, codes, TransactionProcessError, work)


def _transaction_token(*, id: str | None, token: UUID | None, code: Enum) -> UUID:
    """One of `id` ("TransactionItem:<token>") or `token`, as Saleor takes them."""
    if (id is None) == (token is None):
        raise refuse("id", "Give exactly one of `id` or `token`.", code)
    if token is not None:
        return token
    found = decode_uuid_id(id or "", expected_type="TransactionItem")
    if found is None:
        raise refuse("id", f"Couldn't resolve id: {id}.", code)
    return found


def require_staff(info: Any) -> Any:
    return require_shop_staff(info, who="Refunds are for shop managers and platform admins")


def refund_target(global_id: str) -> ShopOrderModel:
    """The shop order a refund names, refused on `shopOrderId` with RefundErrorCode."""
    return shop_order_from_global_id(
        global_id, field="shopOrderId", codes=error_codes.RefundErrorCode
    )


class ShopOrderRefundMutation(graphene.Mutation):
    class Arguments:
        shop_order_id = graphene.ID(required=True, description="The ShopOrder to refund.")
        amount = PositiveDecimal(
            description="How much to refund. Omitted: what cancelling entitles the buyer to "
            "(tourism lines by their cancellation tiers, which cancels their bookings)."
        )
        reason = graphene.String(required=True, description="Shown to the buyer by Alipay.")
        idempotency_key = graphene.String(
            description="Same key, same refund: a retry gets the first answer. Defaults to "
            "the amount and reason."
        )

    class Meta:
        name = "ShopOrderRefund"
        description = (
            "Ruralmart extension: refund part or all of one shop order through Alipay "
            "(alipay.trade.refund). For the shop's manager or a platform admin."
        )

    refund = graphene.Field(Refund)
    transaction = graphene.Field(TransactionItem)
    errors = graphene.List(graphene.NonNull(ShopOrderRefundError), required=True)

    @classmethod
    def mutate(
        cls,
        root: Any,
        info: Any,
        shop_order_id: str,
        reason: str,
        amount: Decimal | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        user = require_staff(info)

        def work() -> Any:
            shop_order = refund_target(shop_order_id)
            try:
                refund = shop_order_refund(
                    shop_order=shop_order,
                    actor=user,
                    reason=reason,
                    amount=amount,
                    idempotency_key=idempotency_key,
                )
            except PermissionRefused as exc:
                raise PermissionDenied(exc.message) from None
            return cls(refund=refund, transaction=refund.transaction, errors=[])

        return _perform(cls, error_codes.RefundErrorCode, ShopOrderRefundError, work)
