"""Checkout error codes: Saleor's CheckoutErrorCode names, raised by the checkout services
inside `ValidationError` and exposed unchanged by the GraphQL layer."""

from enum import Enum


class CheckoutErrorCode(Enum):
    BILLING_ADDRESS_NOT_SET = "billing_address_not_set"
    CHANNEL_INACTIVE = "channel_inactive"
    CHECKOUT_NOT_FULLY_PAID = "checkout_not_fully_paid"
    DELIVERY_METHOD_NOT_APPLICABLE = "delivery_method_not_applicable"
    EMAIL_NOT_SET = "email_not_set"
    GRAPHQL_ERROR = "graphql_error"
    INSUFFICIENT_STOCK = "insufficient_stock"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    NO_LINES = "no_lines"
    PRODUCT_NOT_PUBLISHED = "product_not_published"
    PRODUCT_UNAVAILABLE_FOR_PURCHASE = "product_unavailable_for_purchase"
    QUANTITY_GREATER_THAN_LIMIT = "quantity_greater_than_limit"
    REQUIRED = "required"
    SHIPPING_ADDRESS_NOT_SET = "shipping_address_not_set"
    SHIPPING_METHOD_NOT_SET = "shipping_method_not_set"
    SHIPPING_NOT_REQUIRED = "shipping_not_required"
    UNAVAILABLE_VARIANT_IN_CHANNEL = "unavailable_variant_in_channel"
    VOUCHER_NOT_APPLICABLE = "voucher_not_applicable"
    ZERO_QUANTITY = "zero_quantity"
