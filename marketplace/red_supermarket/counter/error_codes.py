"""Error codes of the counter (lookup, sales, payments, till shifts): one Enum shared by the
services and the API's `CounterErrorCode`."""

from enum import Enum


class CounterErrorCode(Enum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    # The caller does not operate this supermarket (GraphQL answers PermissionDenied).
    NOT_AN_OPERATOR = "not_an_operator"
    BAD_BARCODE = "bad_barcode"
    BAD_CHECK_DIGIT = "bad_check_digit"
    UNKNOWN_ITEM = "unknown_item"
    # Not listed in the supermarket's channel: it has no counter price.
    NOT_FOR_SALE = "not_for_sale"
    INSUFFICIENT_STOCK = "insufficient_stock"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_AMOUNT = "invalid_amount"
    # Cash received is less than the total.
    CASH_SHORT = "cash_short"
    NO_OPEN_SHIFT = "no_open_shift"
    SHIFT_ALREADY_OPEN = "shift_already_open"
    TILL_ALREADY_CLOSED = "till_already_closed"
    MEMBER_NOT_OF_VILLAGE = "member_not_of_village"
    # The buyer's Alipay payment code was already used (or is not one).
    PAYMENT_CODE_USED = "payment_code_used"
    BAD_PAYMENT_CODE = "bad_payment_code"
    PAYMENT_FAILED = "payment_failed"
    # Alipay cannot be reached; the sale stays pending and is polled, never re-charged.
    PAYMENT_UNKNOWN = "payment_unknown"
    # The same requestId was sent with different lines or payment.
    REQUEST_ID_REUSED = "request_id_reused"
    # Poll or cancel on a sale that is already paid, failed or cancelled.
    SALE_FINISHED = "sale_finished"
    QUICK_KEY_TAKEN = "quick_key_taken"
