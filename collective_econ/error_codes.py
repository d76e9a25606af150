"""Error codes of the collective economy, raised by its services inside ValidationError
(see marketplace.core.errors.refuse) and, later, exposed unchanged by the API."""

from enum import Enum


class LedgerErrorCode(Enum):
    # Not a number, not 2 decimal places, negative where a positive amount is asked for.
    INVALID_AMOUNT = "invalid_amount"
    UNKNOWN_ACCOUNT = "unknown_account"
    INVALID_CURRENCY = "invalid_currency"
    # A manual entry whose legs do not sum to zero, or with fewer than two legs.
    UNBALANCED = "unbalanced"
    ALREADY_REVERSED = "already_reversed"
    CANNOT_REVERSE_REVERSAL = "cannot_reverse_reversal"
    INVALID_KEY = "invalid_key"
    NOT_FOUND = "not_found"


class SettlementErrorCode(Enum):
    # The line's shop order is not paid, fulfilled and past its refund window.
    NOT_DUE = "not_due"
    NOT_SETTLED = "not_settled"
    INVALID_AMOUNT = "invalid_amount"
    # The fee schedule or a commission is outside [0, 1].
    INVALID_RATE = "invalid_rate"
    # A clawback larger than what is left of the line after earlier clawbacks.
    EXCEEDS_SETTLED = "exceeds_settled"
