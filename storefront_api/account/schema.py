"""Account queries and mutations (tokenCreate, accountRegister, me, addresses, …)."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.accounts.addresses import rules_for
from storefront_api.account.mutations.account import AccountRequestDeletion, AccountUpdate
from storefront_api.account.mutations.address import (
    AccountAddressCreate,
    AccountAddressDelete,
    AccountAddressUpdate,
    AccountSetDefaultAddress,
)
from storefront_api.account.mutations.auth import (
    AccountRegister,
    ConfirmAccount,
    CreateToken,
    PasswordChange,
    RefreshToken,
    RequestPasswordReset,
    SetPassword,
    VerifyToken,
)
from storefront_api.account.types import AddressValidationData, User
from storefront_api.core.errors import ApiError
from storefront_api.core.types import CountryCode


class AccountQueries(graphene.ObjectType):
    me = graphene.Field(User, description="Return the currently authenticated user.")
    address_validation_rules = graphene.Field(
        AddressValidationData,
        description="Address validation rules: the ones the server enforces.",
        country_code=graphene.Argument(
            CountryCode, required=True, description="Two-letter ISO 3166-1 country code."
        ),
        country_area=graphene.String(
            description="Designation for geographical administrative areas."
        ),
        city=graphene.String(description="City or a town name."),
        city_area=graphene.String(description="Sublocality like a district."),
    )

    @staticmethod
    def resolve_me(root: Any, info: Any) -> Any:
        user = info.context.user
        return user if user.is_authenticated else None

    @staticmethod
    def resolve_address_validation_rules(
        root: Any, info: Any, country_code: Any, **_narrowing: Any
    ) -> AddressValidationData:
        code = str(getattr(country_code, "value", country_code))
        rules = rules_for(code)
        if rules is None:
            raise ApiError(
                f"No address rules for {code}: Ruralmart delivers within China (CN) only.",
                code="INVALID",
                field="countryCode",
            )
        return AddressValidationData.of(rules)


class AccountMutations(graphene.ObjectType):
    account_register = AccountRegister.Field()
    confirm_account = ConfirmAccount.Field()
    token_create = CreateToken.Field()
    token_refresh = RefreshToken.Field()
    token_verify = VerifyToken.Field()
    request_password_reset = RequestPasswordReset.Field()
    set_password = SetPassword.Field()
    password_change = PasswordChange.Field()
    account_update = AccountUpdate.Field()
    account_request_deletion = AccountRequestDeletion.Field()
    account_address_create = AccountAddressCreate.Field()
    account_address_update = AccountAddressUpdate.Field()
    account_address_delete = AccountAddressDelete.Field()
    account_set_default_address = AccountSetDefaultAddress.Field()
