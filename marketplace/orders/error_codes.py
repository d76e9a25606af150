"""Order error codes: Saleor's OrderErrorCode names that the order services raise."""

from enum import Enum


class OrderErrorCode(Enum):
    CANNOT_CANCEL_ORDER = "cannot_cancel_order"
    CANNOT_FULFILL_UNPAID_ORDER = "cannot_fulfill_unpaid_order"
    FULFILL_ORDER_LINE = "fulfill_order_line"
    GRAPHQL_ERROR = "graphql_error"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    # A cancellation was recorded but its refund did not go through. Cancelling again
    # sends the same refund when Alipay did not answer (never a second one), or asks Alipay
    # anew under the next key when it refused; a refusal that persists (the seller's
    # balance, a closed trade) needs a person, and retrying just reports it again.
    PAYMENT_ERROR = "payment_error"
    REQUIRED = "required"
