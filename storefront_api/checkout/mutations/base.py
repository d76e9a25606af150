"""What the checkout mutations share: CheckoutError entries from the services'
ValidationErrors, the checkout `id`/`token`/`checkoutId` arguments, and parsing of the line
and address inputs into what the services take (refusing bad input as `errors`)."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from marketplace.accounts.addresses import AddressType, address_clean
from marketplace.checkout.error_codes import CheckoutErrorCode as Code
from marketplace.checkout.services import BookingInput, CheckoutLineInput, CheckoutLineUpdateInput
from storefront_api.account.types import address_input_to_data
from storefront_api.checkout.types import CheckoutError
from storefront_api.core.ids import decode_int_id, to_global_id
from storefront_api.core.mutations import (
    ErrorsMutation,
    error_code,
    error_message,
    validation_entries,
)


def checkout_errors(exc: ValidationError) -> list[CheckoutError]:
    """One CheckoutError per message; variant and line pks in `params` become global IDs."""
    errors = []
    for api_field, error in validation_entries(exc):
        params = error.params or {}
        address_type = params.get("address_type")
        errors.append(
            CheckoutError(
                field=api_field,
                message=error_message(error),
                code=error_code(error, Code, Code.INVALID),
                variants=[to_global_id("ProductVariant", pk) for pk in params.get("variants", [])]
                or None,
                lines=[to_global_id("CheckoutLine", pk) for pk in params.get("lines", [])] or None,
                address_type=AddressType(address_type) if address_type else None,
            )
        )
    return errors


def refuse(field: str | None, message: str, code: Code) -> ValidationError:
    return ValidationError({field or "__all__": ValidationError(message, code=code.value)})


class CheckoutIdArguments:
    """Saleor's ways of naming the checkout, inherited by each mutation's `Arguments`:
    `id` (global ID `base64("Checkout:<token>")`), `token`, deprecated `checkoutId`."""

    id = graphene.ID(description="The checkout's ID.")
    token = graphene.UUID(description="Checkout token.", deprecation_reason="Use `id`.")
    checkout_id = graphene.ID(description="The checkout's ID.", deprecation_reason="Use `id`.")


def checkout_ids(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": arguments.get("id"),
        "token": arguments.get("token"),
        "checkout_id": arguments.get("checkout_id"),
    }


class CheckoutMutation(ErrorsMutation):
    class Meta:
        abstract = True

    errors = graphene.List(graphene.NonNull(CheckoutError), required=True)

    @classmethod
    def errors_from(cls, exc: ValidationError) -> list[CheckoutError]:
        return checkout_errors(exc)


# --- input parsing ----------------------------------------------------------------------------


def decode_pk(global_id: str | None, *, expected_type: str, field: str) -> int:
    pk = decode_int_id(global_id or "", expected_type=expected_type)
    if pk is None:
        raise refuse(
            field, f"Couldn't resolve to a {expected_type}: {global_id}", Code.GRAPHQL_ERROR
        )
    return pk


def booking_input(value: Any) -> BookingInput | None:
    if not value:
        return None
    return BookingInput(
        start_date=value["start_date"], end_date=value["end_date"], guests=value["guests"]
    )


def line_inputs(lines: list[Any]) -> list[CheckoutLineInput]:
    return [
        CheckoutLineInput(
            variant_id=decode_pk(
                item["variant_id"], expected_type="ProductVariant", field="variantId"
            ),
            quantity=item["quantity"],
            booking=booking_input(item.get("booking")),
        )
        for item in lines
    ]


def line_update_inputs(lines: list[Any]) -> list[CheckoutLineUpdateInput]:
    parsed = []
    for item in lines:
        if item.get("quantity") is None:
            raise refuse("quantity", "Give the new quantity (0 removes the line).", Code.REQUIRED)
        line_id, variant_id = item.get("line_id"), item.get("variant_id")
        if line_id is not None and variant_id is not None:
            # As in Saleor: otherwise `variantId` would be ignored without being checked.
            raise refuse(
                "lineId",
                "Argument 'lineId' cannot be combined with 'variantId'.",
                Code.GRAPHQL_ERROR,
            )
        parsed.append(
            CheckoutLineUpdateInput(
                quantity=item["quantity"],
                line_id=decode_pk(line_id, expected_type="CheckoutLine", field="lineId")
                if line_id
                else None,
                variant_id=decode_pk(variant_id, expected_type="ProductVariant", field="variantId")
                if variant_id and not line_id
                else None,
                booking=booking_input(item.get("booking")),
            )
        )
    return parsed


def clean_address(value: Any, address_type: AddressType) -> dict[str, Any]:
    """Validate an AddressInput with the accounts rule table; refusals carry `addressType`.
    Validation is never skipped (nor relaxed by `validationRules`)."""
    if value.get("skip_validation"):
        raise ValidationError(
            {
                "skip_validation": ValidationError(
                    "Address validation cannot be skipped.",
                    code=Code.INVALID.value,
                    params={"address_type": address_type.value},
                )
            }
        )
    try:
        return address_clean(data=address_input_to_data(value))
    except ValidationError as exc:
        raise ValidationError(
            {
                field: [
                    ValidationError(
                        str(error.message).replace("%", "%%"),
                        code=error.code,
                        params={"address_type": address_type.value},
                    )
                    for error in errors
                ]
                for field, errors in exc.error_dict.items()
            }
        ) from None
