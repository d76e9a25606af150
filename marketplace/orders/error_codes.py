"""Order error codes: Saleor's OrderErrorCode names that the order services raise."""

from enum import Enum


class OrderErrorCode(Enum):
    CANNOT_CANCEL_ORDER = "cannot_cancel_order"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
