"""accountUpdate: names and default addresses of the logged-in user."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.accounts import services
from marketplace.accounts.throttling import client_ip
from storefront_api.account.mutations.address import check_skip_validation
from storefront_api.account.mutations.base import AccountMutation, require_user
from storefront_api.account.types import AccountError, AccountInput, User, address_input_to_data


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


class AccountRequestDeletion(AccountMutation):
    class Arguments:
        channel = graphene.String(
            description="Slug of a channel which will be used to notify users. Accepted; the "
            "e-mail is the same in every channel."
        )
        redirect_url = graphene.String(
            required=True,
            description="URL of a view where users should be redirected to delete their "
            "account; `email` and `token` are added to its query string.",
        )

    class Meta:
        description = "E-mail the logged-in user a link that confirms deleting their account."

    account_errors = graphene.List(
        graphene.NonNull(AccountError),
        required=True,
        deprecation_reason="Use `errors` field instead.",
    )
    legacy_errors_field = "account_errors"

    @classmethod
    def perform(
        cls, info: Any, redirect_url: str, channel: str | None = None
    ) -> AccountRequestDeletion:
        user = require_user(info)
        services.account_deletion_request(
            user=user, redirect_url=redirect_url, ip=client_ip(info.context.META)
        )
        return cls(errors=[])
