"""Error codes of agency services, raised by its services inside ValidationError
(`marketplace.core.errors.refuse`) and exposed unchanged by the API as AgencyErrorCode."""

from enum import Enum


class AgencyErrorCode(Enum):
    UNKNOWN_ITEM = "unknown_item"
    # An account, meter or card number in the wrong format for the item (or a bad Luhn).
    INVALID_ACCOUNT = "invalid_account"
    # Not a yuan amount with 2 places, zero, negative or outside the item's limits.
    INVALID_AMOUNT = "invalid_amount"
    # An 18-digit resident ID number whose GB 11643 check character is wrong.
    INVALID_ID_NUMBER = "invalid_id_number"
    INVALID_PHONE = "invalid_phone"
    INVALID_PERIOD = "invalid_period"
    DATE_IN_PAST = "date_in_past"
    INVALID_FIELD = "invalid_field"
    REQUIRED = "required"
    # The item is done through another mutation (tickets, cash withdrawal).
    WRONG_FLOW = "wrong_flow"
    # A parcel item (pickup, dispatch): the station's parcel register takes it, through
    # stationParcelLogIn / stationParcelDispatch, not a generic agency order.
    PARCEL_REGISTER = "parcel_register"
    # The same requestId was sent before with a different item, amount or input.
    REQUEST_ID_REUSED = "request_id_reused"
    UNSUPPORTED_PAYMENT_METHOD = "unsupported_payment_method"
    # Alipay refused the payment code (used, expired, or not a code at all).
    PAYMENT_CODE_INVALID = "payment_code_invalid"
    PAYMENT_FAILED = "payment_failed"
    CARD_DAILY_LIMIT = "card_daily_limit"
    STATION_DAILY_LIMIT = "station_daily_limit"
    NOT_ENOUGH_CASH = "not_enough_cash"
    # Cash taken or paid out with the till closed: the counter's own code, same value.
    NO_OPEN_SHIFT = "no_open_shift"
    PROVIDER_REJECTED = "provider_rejected"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    NO_SEATS = "no_seats"
    NOT_REFUNDABLE = "not_refundable"
    # The seat's hold ran out before the ticket was issued: the seat is released.
    HOLD_EXPIRED = "hold_expired"
    INVALID_STATUS = "invalid_status"
    # A task outcome recorded for an order the provider carries out.
    NOT_A_TASK = "not_a_task"
    # The task's outcome was recorded already (done or could not be done).
    TASK_ALREADY_CLOSED = "task_already_closed"
    NOT_FOUND = "not_found"
    NOT_PERMITTED = "not_permitted"
    # Manual review: the order is not (or no longer) waiting for one.
    NOT_IN_REVIEW = "not_in_review"
    ALREADY_RESOLVED = "already_resolved"
    # Asked again before resolving, the provider gave a settled answer other than staff's.
    PROVIDER_DISAGREES = "provider_disagrees"
    INVALID = "invalid"
