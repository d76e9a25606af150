"""Numbers typed into the register and a distribution: shares, rates and percentages, as
Decimals, refused with a coded error when they are not what they claim to be."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from collective_econ.error_codes import DistributionErrorCode
from marketplace.core.errors import refuse


def parse_decimal(
    value: Any,
    *,
    field: str,
    places: int,
    low: Decimal,
    high: Decimal,
    code: DistributionErrorCode = DistributionErrorCode.INVALID_AMOUNT,
    what: str = "number",
) -> Decimal:
    """A Decimal in [low, high] with at most `places` decimals; floats are refused so a
    binary fraction never enters the books."""
    if isinstance(value, (bool, float)) or value is None:
        raise refuse(field, f"{value!r} is not a {what}.", code)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise refuse(field, f"{value!r} is not a {what}.", code) from None
    quantum = Decimal(1).scaleb(-places)
    if not number.is_finite() or number != number.quantize(quantum):
        raise refuse(field, f"{value!r} is not a {what} with at most {places} decimals.", code)
    if not (low <= number <= high):
        raise refuse(field, f"{value!r}: a {what} between {low} and {high} is needed.", code)
    return number.quantize(quantum)


def parse_percent(value: Any, *, field: str) -> Decimal:
    return parse_decimal(
        value,
        field=field,
        places=2,
        low=Decimal(0),
        high=Decimal(100),
        code=DistributionErrorCode.INVALID_PERCENT,
        what="percentage",
    )


def parse_shares(value: Any, *, field: str = "shares") -> Decimal:
    return parse_decimal(
        value, field=field, places=4, low=Decimal(0), high=Decimal("99999999"), what="share count"
    )


def parse_rate(value: Any, *, field: str = "rate") -> Decimal:
    return parse_decimal(value, field=field, places=6, low=Decimal(0), high=Decimal(1), what="rate")
