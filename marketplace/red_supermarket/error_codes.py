"""Error codes of the Red Supermarket, shared by its services and the API's error type."""

from enum import Enum


class RedSupermarketErrorCode(Enum):
    NOT_FOUND = "not_found"
    # The caller does not operate this supermarket (nor administers the platform).
    NOT_AN_OPERATOR = "not_an_operator"
    # Its warehouse or station belongs to another shop or village.
    WRONG_SHOP = "wrong_shop"
    ALREADY_EXISTS = "already_exists"
    INACTIVE = "inactive"
    REQUIRED = "required"
