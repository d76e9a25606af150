"""What the order mutations share: Saleor's OrderErrorCode and the entries it labels."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from marketplace.orders.error_codes import OrderErrorCode as DomainOrderErrorCode
from storefront_api.core.enums import domain_enum
from storefront_api.core.mutations import error_code, error_message, validation_entries

OrderErrorCode = domain_enum(DomainOrderErrorCode, name="OrderErrorCode")


def order_error_entries(exc: ValidationError) -> list[tuple[str | None, str, Any]]:
    """(field, message, OrderErrorCode) for each refusal in `exc`."""
    return [
        (
            field,
            error_message(error),
            error_code(error, DomainOrderErrorCode, DomainOrderErrorCode.INVALID),
        )
        for field, error in validation_entries(exc)
    ]
