"""Order error codes: Saleor's OrderErrorCode names that the order services raise."""

from enum import Enum


class OrderErrorCode(Enum):
    CANNOT_CANCEL_ORDER = "cannot_cancel_order"
    CANNOT_FULFILL_UNPAID_ORDER = "cannot_fulfill_unpaid_order"
    FULFILL_ORDER_LINE = "fulfill_order_line"
    GRAPHQL_ERROR = "graphql_error"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    # A cancellation was recorded but its refund did not go through (retry to finish it).
    PAYMENT_ERROR = "payment_error"
    REQUIRED = "required"
