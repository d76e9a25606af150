from enum import Enum


class ShopErrorCode(Enum):
    GRAPHQL_ERROR = "graphql_error"
    INVALID = "invalid"
    INVALID_TRANSITION = "invalid_transition"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    REQUIRED = "required"
    UNIQUE = "unique"


class HouseholdErrorCode(Enum):
    GRAPHQL_ERROR = "graphql_error"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    REQUIRED = "required"
