"""accountUpdate: names and default addresses of the logged-in user."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.accounts import services
from storefront_api.account.mutations.address import check_skip_validation
from storefront_api.account.mutations.base import AccountMutation, require_user
from storefront_api.account.types import AccountInput, User, address_input_to_data


class AccountUpdate(AccountMutation):
    class Arguments:
        input = AccountInput(required=True, description="Fields required to update the user.")

    class Meta:
        description = (
            "Update the logged-in user's names; given default addresses are added to the "
            "address book as the new defaults."
        )

    user = graphene.Field(User)

    @classmethod
    def perform(cls, info: Any, input: Any) -> AccountUpdate:
        user = require_user(info)
        addresses = {}
        for key in ("default_shipping_address", "default_billing_address"):
            value = input.get(key)
            if value is not None:
                check_skip_validation(value)
                addresses[key] = address_input_to_data(value)
        updated = services.account_update(
            user=user,
            first_name=input.get("first_name"),
            last_name=input.get("last_name"),
            **addresses,
        )
        return cls(user=updated)
