"""Logistics error codes: one Enum shared by the pricing selectors, the zone and rate
services and (when exposed) the GraphQL error types."""

from enum import Enum


class DeliveryErrorCode(Enum):
    # Why a method cannot be priced for a destination (a quote's refusal).
    UNKNOWN_DIVISION = "unknown_division"  # the address names no division we know
    NO_RATE_FOR_ZONE = "no_rate_for_zone"  # no zone of the shop, or no rate of the method there
    NOT_SERVED = "not_served"  # the method says it does not deliver to the zone
    # Bad input to zones and rates.
    INVALID_PREFIX = "invalid_prefix"
    DUPLICATE_PREFIX = "duplicate_prefix"
    OTHER_SHOP = "other_shop"
    NOT_RATED_METHOD = "not_rated_method"
    INVALID = "invalid"


_REFUSAL_REASONS = {
    DeliveryErrorCode.UNKNOWN_DIVISION: (
        "the address names no province, city or county we can place, so no rate applies."
    ),
    DeliveryErrorCode.NO_RATE_FOR_ZONE: "the shop has no rate for this method to that region.",
    DeliveryErrorCode.NOT_SERVED: "the shop does not deliver this way to that region.",
}


def refusal_reason(code: DeliveryErrorCode) -> str:
    """Why a method cannot deliver, in words a buyer reads (the code says it to programs)."""
    return _REFUSAL_REASONS.get(code, "it cannot be priced for that address.")
