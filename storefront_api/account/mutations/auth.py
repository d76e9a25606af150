"""Registration, confirmation, tokens and passwords."""

from __future__ import annotations

from typing import Any

import graphene
from graphene.types.generic import GenericScalar

from marketplace.accounts import services
from marketplace.accounts.throttling import client_ip
from storefront_api.account.mutations.base import AccountMutation, require_user
from storefront_api.account.types import AccountRegisterInput, User


class AccountRegister(AccountMutation):
    class Arguments:
        input = AccountRegisterInput(required=True, description="Fields required to create a user.")

    class Meta:
        description = (
            "Register a new user. While ACCOUNT_CONFIRMATION_REQUIRED is on, the account must "
            "be confirmed (confirmAccount) from the e-mailed link before it can log in. The "
            "answer is the same whether or not the e-mail is already registered."
        )

    user = graphene.Field(User)
    requires_confirmation = graphene.Boolean(
        description="Informs whether users need to confirm their email address."
    )

    @classmethod
    def perform(cls, info: Any, input: Any) -> AccountRegister:
        result = services.account_register(
            email=input.get("email", ""),
            password=input.get("password", ""),
            first_name=input.get("first_name") or "",
            last_name=input.get("last_name") or "",
            redirect_url=input.get("redirect_url"),
            ip=client_ip(info.context.META),
        )
        return cls(user=result.user, requires_confirmation=result.requires_confirmation)


class ConfirmAccount(AccountMutation):
    class Arguments:
        email = graphene.String(required=True, description="E-mail of the user.")
        token = graphene.String(required=True, description="The token from the e-mailed link.")

    class Meta:
        description = "Confirm a user account with the token sent by e-mail."

    user = graphene.Field(User)

    @classmethod
    def perform(cls, info: Any, email: str, token: str) -> ConfirmAccount:
        return cls(user=services.account_confirm(email=email, token=token))


class CreateToken(AccountMutation):
    class Arguments:
        email = graphene.String(required=True, description="Email of a user.")
        password = graphene.String(required=True, description="Password of a user.")

    class Meta:
        description = (
            "Create a JWT access token and a refresh token. Repeated failures are throttled "
            "per account and per IP (LOGIN_ATTEMPT_DELAYED)."
        )

    token = graphene.String(description="JWT token, required to authenticate.")
    refresh_token = graphene.String(
        description="JWT refresh token, required to re-generate access token."
    )
    csrf_token = graphene.String(description="Always null: refresh tokens are not kept in cookies.")
    user = graphene.Field(User, description="A user instance.")

    @classmethod
    def perform(cls, info: Any, email: str, password: str) -> CreateToken:
        result = services.user_login(
            email=email, password=password, ip=client_ip(info.context.META)
        )
        return cls(token=result.token, refresh_token=result.refresh_token, user=result.user)


class RefreshToken(AccountMutation):
    class Arguments:
        refresh_token = graphene.String(description="Refresh token.")
        csrf_token = graphene.String(description="Accepted and ignored (no refresh cookie).")

    class Meta:
        description = "Refresh JWT token. Mutation tries to take refreshToken from the input."

    token = graphene.String(description="JWT token, required to authenticate.")
    user = graphene.Field(User, description="A user instance.")

    @classmethod
    def perform(
        cls, info: Any, refresh_token: str | None = None, csrf_token: str | None = None
    ) -> RefreshToken:
        user, token = services.access_token_refresh(refresh_token=refresh_token)
        return cls(token=token, user=user)


class VerifyToken(AccountMutation):
    class Arguments:
        token = graphene.String(required=True, description="JWT token to validate.")

    class Meta:
        description = "Verify JWT token."

    user = graphene.Field(User, description="User assigned to token.")
    is_valid = graphene.Boolean(
        required=True, default_value=False, description="Determine if token is valid or not."
    )
    payload = GenericScalar(description="JWT payload.")

    @classmethod
    def perform(cls, info: Any, token: str) -> VerifyToken:
        user, payload = services.access_token_verify(token=token)
        return cls(user=user, is_valid=True, payload=payload)


class RequestPasswordReset(AccountMutation):
    class Arguments:
        email = graphene.String(required=True, description="Email of the user.")
        redirect_url = graphene.String(
            required=True,
            description="URL of a view where users should be redirected to reset the "
            "password; `email` and `token` are added to its query string.",
        )
        channel = graphene.String(description="Accepted and ignored.")

    class Meta:
        description = (
            "Send an e-mail with a link to reset the password. Unknown addresses get the same "
            "answer as known ones."
        )

    @classmethod
    def perform(
        cls, info: Any, email: str, redirect_url: str, channel: str | None = None
    ) -> RequestPasswordReset:
        services.password_reset_request(
            email=email, redirect_url=redirect_url, ip=client_ip(info.context.META)
        )
        return cls(errors=[])


class SetPassword(AccountMutation):
    class Arguments:
        email = graphene.String(required=True, description="Email of a user.")
        password = graphene.String(required=True, description="Password of a user.")
        token = graphene.String(
            required=True, description="A one-time token required to set the password."
        )

    class Meta:
        description = "Set a new password from a reset link, and log in."

    token = graphene.String(description="JWT token, required to authenticate.")
    refresh_token = graphene.String(
        description="JWT refresh token, required to re-generate access token."
    )
    csrf_token = graphene.String(description="Always null: refresh tokens are not kept in cookies.")
    user = graphene.Field(User, description="A user instance.")

    @classmethod
    def perform(cls, info: Any, email: str, password: str, token: str) -> SetPassword:
        result = services.password_set(email=email, token=token, password=password)
        return cls(token=result.token, refresh_token=result.refresh_token, user=result.user)


class PasswordChange(AccountMutation):
    class Arguments:
        new_password = graphene.String(required=True, description="New user password.")
        old_password = graphene.String(description="Current user password.")

    class Meta:
        description = "Change the password of the logged-in user; earlier tokens stop working."

    user = graphene.Field(User, description="A user instance with a new password.")

    @classmethod
    def perform(
        cls, info: Any, new_password: str, old_password: str | None = None
    ) -> PasswordChange:
        user = services.password_change(
            user=require_user(info), old_password=old_password, new_password=new_password
        )
        return cls(user=user)
