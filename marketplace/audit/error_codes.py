"""Error codes of personal-data requests and the audit log, raised by the services inside
ValidationError (see marketplace.core.errors.refuse) and exposed unchanged by the API."""

from enum import Enum


class DataRequestErrorCode(Enum):
    REQUIRED = "required"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    # Neither households, nor a village, nor a township: a request must name what it reads.
    EMPTY_SCOPE = "empty_scope"
    # Households together with a village or township: one kind of scope per request.
    AMBIGUOUS_SCOPE = "ambiguous_scope"
    # The data period ends before it starts.
    PERIOD_REVERSED = "period_reversed"
    # The data period reaches past today: there is no such data to read yet.
    PERIOD_IN_FUTURE = "period_in_future"
    # The grant's expiry is not in the future, or lies too far ahead.
    INVALID_EXPIRY = "invalid_expiry"
    EXPIRED = "expired"
    INVALID_TRANSITION = "invalid_transition"
    LETTER_REQUIRED = "letter_required"
    # Not a PDF, JPEG or PNG by its first bytes, or not readable as sent.
    INVALID_LETTER = "invalid_letter"
    LETTER_TOO_LARGE = "letter_too_large"
    # The officer would decide on their own request.
    OWN_REQUEST = "own_request"
    # The officer does not oversee every household in the request's scope.
    NOT_OVERSEER = "not_overseer"


class AuditErrorCode(Enum):
    INVALID = "invalid"
    # A search range whose end comes before its start.
    RANGE_REVERSED = "range_reversed"
    RANGE_IN_FUTURE = "range_in_future"
