"""What every account mutation shares: the `errors` field, turning a service's
ValidationError into AccountError entries, and the logged-in check."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from marketplace.accounts.addresses import AddressType
from marketplace.accounts.error_codes import AccountErrorCode as Code
from marketplace.accounts.models import User
from storefront_api.account.types import AccountError
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.core.mutations import ErrorsMutation, error_code, validation_entries


def account_errors(exc: ValidationError) -> list[AccountError]:
    """One AccountError per message, its field in the API's camelCase."""
    errors = []
    for api_field, error in validation_entries(exc):
        address_type = (error.params or {}).get("address_type")
        errors.append(
            AccountError(
                field=api_field,
                message=str(error.message),
                code=error_code(error, Code, Code.INVALID),
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


class AccountMutation(ErrorsMutation):
    """Subclasses implement `perform(info, **arguments)` and return the payload; a
    ValidationError from the service becomes the payload's `errors`."""

    class Meta:
        abstract = True

    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def errors_from(cls, exc: ValidationError) -> list[AccountError]:
        return account_errors(exc)
