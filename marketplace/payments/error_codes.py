"""Error codes of the payments domain, raised by the services inside `ValidationError`
and exposed unchanged as the GraphQL error-code enums.

The first two are Saleor's enums, value for value; `RefundErrorCode` belongs to our
`shopOrderRefund` extension.
"""

from __future__ import annotations

from enum import Enum


class TransactionInitializeErrorCode(Enum):
    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    UNIQUE = "UNIQUE"
    CHECKOUT_COMPLETION_IN_PROGRESS = "CHECKOUT_COMPLETION_IN_PROGRESS"


class TransactionProcessErrorCode(Enum):
    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    TRANSACTION_ALREADY_PROCESSED = "TRANSACTION_ALREADY_PROCESSED"
    MISSING_PAYMENT_APP_RELATION = "MISSING_PAYMENT_APP_RELATION"
    MISSING_PAYMENT_APP = "MISSING_PAYMENT_APP"
    CHECKOUT_COMPLETION_IN_PROGRESS = "CHECKOUT_COMPLETION_IN_PROGRESS"


class PaymentGatewayInitializeErrorCode(Enum):
    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"


class PaymentGatewayConfigErrorCode(Enum):
    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"


class RefundErrorCode(Enum):
    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    # The shop order's order is not (fully) paid, or not through the gateway refunding it.
    NOT_PAID = "NOT_PAID"
    # More than is left to refund on this shop order.
    AMOUNT_TOO_HIGH = "AMOUNT_TOO_HIGH"
    # Alipay refused the refund; the message carries its reason.
    GATEWAY_REFUSED = "GATEWAY_REFUSED"
    # Alipay could not be reached or answered nonsense: the refund stays PENDING and a
    # retry with the same idempotency key sends the same out_request_no.
    GATEWAY_UNAVAILABLE = "GATEWAY_UNAVAILABLE"
    # A cash refund at the counter: the supermarket's till is closed, or holds less cash
    # than the refund hands back.
    NO_OPEN_SHIFT = "NO_OPEN_SHIFT"
    NOT_ENOUGH_CASH = "NOT_ENOUGH_CASH"


class CashPaymentErrorCode(Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
