"""Saleor's payment types (TransactionItem, TransactionEvent, PaymentGateway, …), their
enums and scalars, and our `ShopOrderRefund` extension.

`PaymentGateway` is also what the checkout's `availablePaymentGateways` returns: resolve it
with `marketplace.payments.gateways.available_gateways(channel=...)`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import graphene
from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode
from graphql.utilities import value_from_ast_untyped

from marketplace.payments import error_codes
from marketplace.payments.models import Refund as RefundModel
from marketplace.payments.models import (
    RefundStatus,
    TransactionEventType,
    TransactionStatus,
)
from marketplace.payments.models import (
    TransactionEvent as TransactionEventModel,
)
from marketplace.payments.models import (
    TransactionItem as TransactionItemModel,
)
from storefront_api.core.dataloaders import get_loader, then
from storefront_api.core.enums import api_enum_of_names, domain_enum
from storefront_api.core.types import Money, ObjectWithMetadata
from storefront_api.payment.dataloaders import (
    EventsByTransactionLoader,
    PendingRefundTotalByTransactionLoader,
)

# --- scalars ------------------------------------------------------------------------------


class JSON(graphene.Scalar):
    """Saleor's JSON scalar: any JSON value, passed through as is (not a string)."""

    @staticmethod
    def serialize(value: Any) -> Any:
        return value

    @staticmethod
    def parse_value(value: Any) -> Any:
        return value

    @staticmethod
    def parse_literal(ast: ValueNode, _variables: Any = None) -> Any:
        return value_from_ast_untyped(ast, _variables)


class PositiveDecimal(graphene.Scalar):
    """Saleor's PositiveDecimal: a decimal number ≥ 0."""

    @staticmethod
    def serialize(value: Any) -> float:
        return float(value)

    @staticmethod
    def parse_value(value: Any) -> Decimal:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"PositiveDecimal cannot represent {value!r}.") from None
        if not number.is_finite() or number < 0:
            raise ValueError(f"PositiveDecimal cannot represent {value!r}.")
        return number

    @staticmethod
    def parse_literal(ast: ValueNode, _variables: Any = None) -> Decimal | None:
        if isinstance(ast, IntValueNode | FloatValueNode | StringValueNode):
            try:
                return PositiveDecimal.parse_value(ast.value)
            except ValueError:
                return None
        return None


# --- enums --------------------------------------------------------------------------------

TransactionEventTypeEnum = domain_enum(TransactionEventType, name="TransactionEventTypeEnum")


TransactionActionEnum = api_enum_of_names("TransactionActionEnum", ("CHARGE", "REFUND", "CANCEL"))


TransactionFlowStrategyEnum = api_enum_of_names(
    "TransactionFlowStrategyEnum", ("AUTHORIZATION", "CHARGE")
)


TransactionInitializeErrorCode = domain_enum(
    error_codes.TransactionInitializeErrorCode, name="TransactionInitializeErrorCode"
)
PaymentGatewayInitializeErrorCode = domain_enum(
    error_codes.PaymentGatewayInitializeErrorCode, name="PaymentGatewayInitializeErrorCode"
)
PaymentGatewayConfigErrorCode = domain_enum(
    error_codes.PaymentGatewayConfigErrorCode, name="PaymentGatewayConfigErrorCode"
)
ShopOrderRefundErrorCode = domain_enum(error_codes.RefundErrorCode, name="ShopOrderRefundErrorCode")
TransactionProcessErrorCode = domain_enum(
    error_codes.TransactionProcessErrorCode, name="TransactionProcessErrorCode"
)
RefundStatusEnum = domain_enum(RefundStatus, name="ShopOrderRefundStatusEnum")


# --- errors -------------------------------------------------------------------------------


class TransactionInitializeError(graphene.ObjectType):
    field = graphene.String(
        description="Name of a field that caused the error. A value of `null` indicates "
        "that the error isn't associated with a particular field."
    )
    message = graphene.String(description="The error message.")
    code = TransactionInitializeErrorCode(required=True, description="The error code.")


class TransactionProcessError(graphene.ObjectType):
    field = graphene.String(
        description="Name of a field that caused the error. A value of `null` indicates "
        "that the error isn't associated with a particular field."
    )
    message = graphene.String(description="The error message.")
    code = TransactionProcessErrorCode(required=True, description="The error code.")


class PaymentGatewayInitializeError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = PaymentGatewayInitializeErrorCode(required=True)


class PaymentGatewayConfigError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = PaymentGatewayConfigErrorCode(required=True)


class ShopOrderRefundError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = ShopOrderRefundErrorCode(required=True)


# --- gateways -----------------------------------------------------------------------------


class GatewayConfigLine(graphene.ObjectType):
    field = graphene.String(required=True, description="Gateway config key.")
    value = graphene.String(description="Gateway config value for key.")


class PaymentGateway(graphene.ObjectType):
    """Available payment gateway backend with configuration necessary to setup client."""

    name = graphene.String(required=True, description="Payment gateway name.")
    id = graphene.ID(required=True, description="Payment gateway ID.")
    config = graphene.List(
        graphene.NonNull(GatewayConfigLine),
        required=True,
        description="Payment gateway client configuration.",
    )
    currencies = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Payment gateway supported currencies.",
    )


class PaymentGatewayConfig(graphene.ObjectType):
    id = graphene.String(required=True)
    data = graphene.Field(JSON)
    errors = graphene.List(graphene.NonNull(PaymentGatewayConfigError))


class PaymentGatewayToInitialize(graphene.InputObjectType):
    id = graphene.String(required=True, description="The identifier of the payment gateway app.")
    data = graphene.Field(JSON, description="The data that will be passed to the gateway.")


# --- transactions -------------------------------------------------------------------------


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    return Money.of(amount, currency)


class TransactionEvent(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node,)

    created_at = graphene.DateTime(required=True)
    psp_reference = graphene.String(required=True)
    message = graphene.String(required=True)
    external_url = graphene.String(required=True)
    amount = graphene.Field(Money, required=True)
    type = graphene.Field(TransactionEventTypeEnum)
    idempotency_key = graphene.String()

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, TransactionEventModel)

    @staticmethod
    def resolve_type(root: TransactionEventModel, info: Any) -> str:
        return root.type

    @staticmethod
    def resolve_external_url(root: TransactionEventModel, info: Any) -> str:
        return ""

    @staticmethod
    def resolve_amount(root: TransactionEventModel, info: Any) -> dict[str, Any]:
        return _money(root.amount, root.currency)

    @staticmethod
    def resolve_idempotency_key(root: TransactionEventModel, info: Any) -> str | None:
        return root.idempotency_key or None


class TransactionItem(graphene.ObjectType):
    """One payment attempt (an Alipay trade, or cash promised at the counter)."""

    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    token = graphene.UUID(required=True)
    created_at = graphene.DateTime(required=True)
    modified_at = graphene.DateTime(required=True)
    actions = graphene.List(
        graphene.NonNull(TransactionActionEnum),
        required=True,
        description="List of actions that can be performed in the current state of a payment.",
    )
    authorized_amount = graphene.Field(Money, required=True)
    authorize_pending_amount = graphene.Field(Money, required=True)
    refunded_amount = graphene.Field(Money, required=True)
    refund_pending_amount = graphene.Field(Money, required=True)
    canceled_amount = graphene.Field(Money, required=True)
    cancel_pending_amount = graphene.Field(Money, required=True)
    charged_amount = graphene.Field(Money, required=True)
    charge_pending_amount = graphene.Field(Money, required=True)
    name = graphene.String(required=True)
    message = graphene.String(required=True)
    psp_reference = graphene.String(required=True)
    events = graphene.List(graphene.NonNull(TransactionEvent), required=True)
    external_url = graphene.String(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, TransactionItemModel)

    @staticmethod
    def resolve_id(root: TransactionItemModel, info: Any) -> str:
        # As in Saleor, a transaction's global ID carries its token, not its row number.
        return str(root.token)

    @staticmethod
    def resolve_actions(root: TransactionItemModel, info: Any) -> list[str]:
        if root.status == TransactionStatus.CHARGED and root.refunded_amount < root.charged_amount:
            return ["REFUND"]
        if root.status == TransactionStatus.PENDING:
            return ["CANCEL"]
        return []

    @staticmethod
    def resolve_authorized_amount(root: TransactionItemModel, info: Any) -> dict[str, Any]:
        return _money(root.authorized_amount, root.currency)

    @staticmethod
    def resolve_authorize_pending_amount(root: TransactionItemModel, info: Any) -> dict[str, Any]:
        return _money(Decimal("0.00"), root.currency)

    @staticmethod
    def resolve_refunded_amount(root: TransactionItemModel, info: Any) -> dict[str, Any]:
        return _money(root.refunded_amount, root.currency)

    @staticmethod
    def resolve_refund_pending_amount(root: TransactionItemModel, info: Any) -> Any:
        currency = root.currency
        return then(
            get_loader(info.context, PendingRefundTotalByTransactionLoader).load(root.pk),
            lambda pending: _money(pending, currency),
        )

    @staticmethod
    def resolve_canceled_amount(root: TransactionItemModel, info: Any) -> dict[str, Any]:
        cancelled = root.amount if root.status == TransactionStatus.CANCELLED else Decimal("0.00")
        return _money(cancelled, root.currency)

    @staticmethod
    def resolve_cancel_pending_amount(root: TransactionItemModel, info: Any) -> dict[str, Any]:
        return _money(Decimal("0.00"), root.currency)

    @staticmethod
    def resolve_charged_amount(root: TransactionItemModel, info: Any) -> dict[str, Any]:
        return _money(root.charged_amount, root.currency)

    @staticmethod
    def resolve_charge_pending_amount(root: TransactionItemModel, info: Any) -> dict[str, Any]:
        return _money(root.charge_pending_amount, root.currency)

    @staticmethod
    def resolve_events(root: TransactionItemModel, info: Any) -> Any:
        return get_loader(info.context, EventsByTransactionLoader).load(root.pk)

    @staticmethod
    def resolve_external_url(root: TransactionItemModel, info: Any) -> str:
        return ""


class Refund(graphene.ObjectType):
    """Ruralmart extension: money given back for one shop order, through Alipay or in cash
    at the Red Supermarket counter that took it."""

    class Meta:
        name = "ShopOrderRefundItem"
        interfaces = (graphene.relay.Node,)

    out_request_no = graphene.String(
        required=True,
        description="The refund's own number: Alipay's out_request_no, reused on every "
        "retry, or the reference printed on a cash refund's receipt.",
    )
    amount = graphene.Field(Money, required=True)
    status = graphene.Field(RefundStatusEnum, required=True)
    reason = graphene.String(required=True)
    failure_message = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    completed_at = graphene.DateTime()
    percent_by_booking = graphene.List(
        graphene.NonNull(graphene.Int),
        required=True,
        description="For tourism lines: the cancellation tier percentage applied to each.",
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, RefundModel)

    @staticmethod
    def resolve_amount(root: Any, info: Any) -> dict[str, Any]:
        return _money(root.amount, root.currency)

    @staticmethod
    def resolve_status(root: Any, info: Any) -> str:
        return root.status

    @staticmethod
    def resolve_percent_by_booking(root: Any, info: Any) -> list[int]:
        return [int(b["percent"]) for b in (root.details or {}).get("bookings", [])]
