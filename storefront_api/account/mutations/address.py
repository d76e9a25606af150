"""The logged-in user's address book. Addresses are looked up through their owner, so
another user's address answers NOT_FOUND, exactly like a missing one."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from marketplace.accounts import services
from marketplace.accounts.addresses import AddressType
from marketplace.accounts.error_codes import AccountErrorCode as Code
from storefront_api.account.mutations.base import (
    AccountMutation,
    decode_address_id,
    require_user,
)
from storefront_api.account.types import (
    Address,
    AddressInput,
    AddressTypeEnum,
    User,
    address_input_to_data,
)


def check_skip_validation(value: Any) -> None:
    if value.get("skip_validation"):
        raise ValidationError(
            {
                "skip_validation": ValidationError(
                    "Address validation cannot be skipped.", code=Code.INVALID.value
                )
            }
        )


def _address_type(value: Any) -> AddressType | None:
    if value is None:
        return None
    return value if isinstance(value, AddressType) else AddressType(getattr(value, "value", value))


class AccountAddressCreate(AccountMutation):
    class Arguments:
        input = AddressInput(required=True, description="Fields required to create address.")
        type = AddressTypeEnum(
            required=False,
            description="A type of address. If provided, the new address will be "
            "automatically assigned as the customer's default address of that type.",
        )

    class Meta:
        description = "Create a new address for the logged-in user."

    user = graphene.Field(User, description="A user instance for which the address was created.")
    address = graphene.Field(Address)

    @classmethod
    def perform(cls, info: Any, input: Any, type: Any = None) -> AccountAddressCreate:
        user = require_user(info)
        check_skip_validation(input)
        updated, address = services.address_create(
            user=user, data=address_input_to_data(input), address_type=_address_type(type)
        )
        return cls(user=updated, address=address)


class AccountAddressUpdate(AccountMutation):
    class Arguments:
        id = graphene.ID(required=True, description="ID of the address to update.")
        input = AddressInput(required=True, description="Fields required to update the address.")

    class Meta:
        description = (
            "Update one of the logged-in user's addresses; omitted fields keep their values."
        )

    user = graphene.Field(User, description="A user object for which the address was edited.")
    address = graphene.Field(Address)

    @classmethod
    def perform(cls, info: Any, id: str, input: Any) -> AccountAddressUpdate:
        user = require_user(info)
        check_skip_validation(input)
        address = services.address_update(
            user=user, address_id=decode_address_id(id), data=address_input_to_data(input)
        )
        return cls(user=user, address=address)


class AccountAddressDelete(AccountMutation):
    class Arguments:
        id = graphene.ID(required=True, description="ID of the address to delete.")

    class Meta:
        description = "Delete one of the logged-in user's addresses."

    user = graphene.Field(User, description="A user instance for which the address was deleted.")
    address = graphene.Field(Address)

    @classmethod
    def perform(cls, info: Any, id: str) -> AccountAddressDelete:
        user = require_user(info)
        updated, address = services.address_delete(user=user, address_id=decode_address_id(id))
        return cls(user=updated, address=address)


class AccountSetDefaultAddress(AccountMutation):
    class Arguments:
        id = graphene.ID(required=True, description="ID of the address to set as default.")
        type = AddressTypeEnum(required=True, description="The type of address.")

    class Meta:
        description = "Make one of the logged-in user's addresses their default of a type."

    user = graphene.Field(User, description="An updated user instance.")

    @classmethod
    def perform(cls, info: Any, id: str, type: Any) -> AccountSetDefaultAddress:
        user = require_user(info)
        address_type = _address_type(type)
        assert address_type is not None  # the argument is required by the schema
        updated = services.address_set_default(
            user=user, address_id=decode_address_id(id), address_type=address_type
        )
        return cls(user=updated)
