"""The carrier arithmetic, as pure functions (no database): chargeable weight and the price
of one parcel under one rate. `logistics.selectors.delivery_quotes` feeds it.

Rounding rule, the carriers' own: weights only ever round *up* to a whole gram (so a parcel
is never charged below what it weighs), extra weight is charged per *started* step, and
prices are sums of two-place yuan amounts, so they are exact and need no rounding; the
result is quantized to fen for the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ParcelItem:
    """One cart line as the carrier sees it: per-unit weight and size, and how many."""

    quantity: int
    weight_grams: int | None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None


def _ceil_int(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def actual_grams(items: Iterable[ParcelItem]) -> int:
    """The parcel's weight; a line without a weight weighs nothing (tourism, vouchers)."""
    return sum((item.weight_grams or 0) * item.quantity for item in items)


def volumetric_grams(items: Iterable[ParcelItem], *, divisor: int) -> int:
    """L × W × H (cm³) / divisor gives kilograms; summed over the parcel's units, in grams,
    rounded up. Units without a size add no volume."""
    volume = sum(
        (
            item.length_cm * item.width_cm * item.height_cm * item.quantity
            for item in items
            if item.length_cm is not None and item.width_cm is not None and item.height_cm
        ),
        Decimal(0),
    )
    return _ceil_int(volume * 1000 / divisor)


def chargeable_grams(items: Iterable[ParcelItem], *, divisor: int) -> int:
    """The larger of the actual and the volumetric weight, as carriers charge."""
    items = list(items)
    return max(actual_grams(items), volumetric_grams(items, divisor=divisor))


def rate_price(
    *,
    grams: int,
    first_weight_grams: int,
    first_price: Decimal,
    step_grams: int,
    step_price: Decimal,
    surcharge: Decimal = ZERO,
) -> Decimal:
    """首重 covers the first `first_weight_grams` (and an empty parcel); each started
    `step_grams` beyond adds `step_price` (续重); the zone's remote surcharge comes on top."""
    extra = max(0, grams - first_weight_grams)
    steps = -(-extra // step_grams)  # ceiling division: a started step is a whole step
    return (first_price + step_price * steps + surcharge).quantize(CENT)
