"""What every account mutation shares: the `errors` field, turning a service's
ValidationError into AccountError entries, and the logged-in check."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError
from graphene.utils.str_converters import to_camel_case

from marketplace.accounts.addresses import AddressType
from marketplace.accounts.error_codes import AccountErrorCode as Code
from marketplace.accounts.models import User
from storefront_api.account.types import AccountError
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id


def account_errors(exc: ValidationError) -> list[AccountError]:
    """One AccountError per message, its field in the API's camelCase."""
    entries = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    errors = []
    for field, field_errors in entries:
        api_field = None if field in (None, "__all__") else to_camel_case(field)
        for error in field_errors:
            try:
                code = Code(error.code)
            except ValueError:
                code = Code.INVALID
            address_type = (error.params or {}).get("address_type")
            errors.append(
                AccountError(
                    field=api_field,
                    message=str(error.message),
                    code=code,
                    address_type=AddressType(address_type) if address_type else None,
                )
            )
    return errors


def error(field: str | None, message: str, code: Code) -> list[AccountError]:
    return [AccountError(field=field, message=message, code=code)]


def require_user(info: Any) -> User:
    """The logged-in caller; anonymous callers get a top-level permission error, as in
    Saleor."""
    user = info.context.user
    if not user.is_authenticated:
        raise PermissionDenied(
            "You need to be logged in: send `Authorization: Bearer <token>` from tokenCreate."
        )
    return user


def decode_address_id(global_id: str) -> int:
    """The pk in an Address ID; a malformed or foreign-type ID raises ValidationError so the
    mutation reports it in `errors` rather than failing the whole request."""
    try:
        return decode_id(global_id, expected_type="Address")
    except ApiError as exc:
        raise ValidationError(
            {"id": ValidationError(exc.message, code=Code.GRAPHQL_ERROR.value)}
        ) from None


class AccountMutation(graphene.Mutation):
    """Subclasses implement `perform(info, **arguments)` and return the payload; a
    ValidationError from the service becomes the payload's `errors`."""

    class Meta:
        abstract = True

    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def mutate(cls, root: Any, info: Any, **arguments: Any) -> Any:
        try:
            # Each subclass defines `perform` with its own arguments (so no base signature).
            payload = getattr(cls, "perform")(info, **arguments)  # noqa: B009
        except ValidationError as exc:
            return cls(errors=account_errors(exc))
        if payload.errors is None:
            payload.errors = []
        return payload
