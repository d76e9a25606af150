from enum import Enum


class ProductErrorCode(Enum):
    """Saleor's ProductErrorCode names that we raise, plus none of our own yet."""

    ALREADY_EXISTS = "already_exists"
    DUPLICATED_INPUT_ITEM = "duplicated_input_item"
    GRAPHQL_ERROR = "graphql_error"
    INVALID = "invalid"
    INVALID_PRICE = "invalid_price"
    NOT_FOUND = "not_found"
    NOT_PRODUCTS_VARIANT = "not_products_variant"
    PRODUCT_NOT_ASSIGNED_TO_CHANNEL = "product_not_assigned_to_channel"
    REQUIRED = "required"
    UNIQUE = "unique"
