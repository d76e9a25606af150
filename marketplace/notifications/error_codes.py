"""Error codes of the notification service, shared by its services and the GraphQL layer."""

from enum import Enum


class NotificationErrorCode(Enum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    REQUIRED = "required"
    UNKNOWN_TEMPLATE = "unknown_template"
    MISSING_PARAMETER = "missing_parameter"
    NO_ADDRESS = "no_address"
    INVALID_PHONE = "invalid_phone"
    INVALID_EMAIL = "invalid_email"
    NOT_YOURS = "not_yours"
    TOO_MANY_IDS = "too_many_ids"
