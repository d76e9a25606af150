"""Payment fields: paymentGatewayInitialize and transactionInitialize (Saleor's), and our
staff extensions shopOrderRefund and shopOrderRefunds."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.core.errors import PermissionRefused
from marketplace.payments import selectors
from marketplace.payments.refunds import can_refund
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.payment.mutations import (
    PaymentGatewayInitialize,
    ShopOrderRefundMutation,
    TransactionInitialize,
    TransactionProcess,
    refund_target,
    require_staff,
)
from storefront_api.payment.types import Refund


class PaymentQueries(graphene.ObjectType):
    shop_order_refunds = graphene.List(
        graphene.NonNull(Refund),
        required=True,
        shop_order_id=graphene.ID(required=True),
        description="Ruralmart extension: a shop order's refunds, for its shop's manager or "
        "a platform admin.",
    )

    @staticmethod
    def resolve_shop_order_refunds(root: Any, info: Any, shop_order_id: str) -> Any:
        user = require_staff(info)
        try:
            shop_order = refund_target(shop_order_id)
        except Exception as exc:  # a ValidationError from the lookup: report it plainly
            raise ApiError(str(getattr(exc, "messages", [exc])[0]), code="NOT_FOUND") from None
        if not can_refund(user=user, shop_order=shop_order):
            raise PermissionDenied(str(PermissionRefused("Not your shop's order.")))
        return list(selectors.refunds_of_shop_order(shop_order=shop_order))


class PaymentMutations(graphene.ObjectType):
    payment_gateway_initialize = PaymentGatewayInitialize.Field()
    transaction_initialize = TransactionInitialize.Field()
    transaction_process = TransactionProcess.Field()
    shop_order_refund = ShopOrderRefundMutation.Field()
