"""Saleor's `updateMetadata` for the objects a storefront owns: its checkout (the token
holder, or the owning buyer) and the buyer's own account. Other objects' metadata is not
writable from the storefront and is answered NOT_FOUND, as an object one may not see."""

from __future__ import annotations

from base64 import b64decode
from typing import Any

import graphene
from django.core.exceptions import ValidationError

from marketplace.core.metadata import MetadataErrorCode as DomainMetadataErrorCode
from marketplace.core.metadata import metadata_update
from storefront_api.checkout.resolvers import checkout_for_mutation
from storefront_api.core.enums import domain_enum
from storefront_api.core.errors import PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.core.mutations import (
    ErrorsMutation,
)
from storefront_api.core.types import ObjectWithMetadata

MetadataErrorCode = domain_enum(DomainMetadataErrorCode, name="MetadataErrorCode")


class MetadataError(graphene.ObjectType):
    field = graphene.String(
        description="Name of a field that caused the error. A value of `null` indicates that "
        "the error isn't associated with a particular field."
    )
    message = graphene.String(description="The error message.")
    code = graphene.Field(MetadataErrorCode, required=True, description="The error code.")


class MetadataInput(graphene.InputObjectType):
    key = graphene.String(required=True, description="Key of a metadata item.")
    value = graphene.String(required=True, description="Value of a metadata item.")


def _refuse(message: str, code: DomainMetadataErrorCode, field: str = "id") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code.value)})


def _type_of(global_id: str) -> str:
    try:
        return b64decode(global_id, validate=True).decode().partition(":")[0]
    except (ValueError, UnicodeDecodeError):
        raise _refuse(
            f"Couldn't resolve id: {global_id}.", DomainMetadataErrorCode.GRAPHQL_ERROR
        ) from None


def _writable_object(info: Any, global_id: str) -> Any:
    type_name = _type_of(global_id)
    if type_name == "Checkout":
        try:
            return checkout_for_mutation(info, id=global_id)
        except ValidationError:
            raise _refuse(
                "No checkout of yours has this ID.", DomainMetadataErrorCode.NOT_FOUND
            ) from None
    if type_name == "User":
        user = info.context.user
        if not user.is_authenticated:
            raise PermissionDenied("You need to be logged in to change an account's metadata.")
        if decode_id(global_id, expected_type="User") != user.pk:
            raise PermissionDenied("You can only change your own account's metadata.")
        return user
    raise _refuse(
        f"Metadata of a {type_name or 'this object'} cannot be changed here.",
        DomainMetadataErrorCode.NOT_FOUND,
    )


class UpdateMetadata(ErrorsMutation):
    class Arguments:
        id = graphene.ID(required=True, description="ID or token (for Order and Checkout).")
        input = graphene.List(
            graphene.NonNull(MetadataInput),
            required=True,
            description="Fields required to update the object's metadata.",
        )

    class Meta:
        description = (
            "Updates metadata of an object: the caller's checkout or the caller's own account."
        )

    metadata_errors = graphene.List(
        graphene.NonNull(MetadataError),
        required=True,
        deprecation_reason="Use `errors` field instead.",
    )
    errors = graphene.List(graphene.NonNull(MetadataError), required=True)
    item = graphene.Field(ObjectWithMetadata)

    legacy_errors_field = "metadata_errors"

    error_type = MetadataError
    error_codes = DomainMetadataErrorCode

    @classmethod
    def perform(cls, info: Any, id: str, input: list[Any]) -> UpdateMetadata:
        instance = _writable_object(info, id)
        items = [(entry["key"], entry["value"]) for entry in input]
        return cls(item=metadata_update(instance=instance, items=items))


class MetadataMutations(graphene.ObjectType):
    update_metadata = UpdateMetadata.Field()
