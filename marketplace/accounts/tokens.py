"""JWT access and refresh tokens (HS256, signed with SECRET_KEY), as Saleor issues them, and
the one-time tokens that e-mailed links carry (account confirmation, password reset)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.utils import timezone

from marketplace.accounts.models import User

ACCESS = "access"
REFRESH = "refresh"


class InvalidToken(Exception):
    pass


class ExpiredToken(InvalidToken):
    """The token was genuine but its lifetime is over."""


def create_token(*, user: User, token_type: str = ACCESS) -> str:
    ttl = (
        settings.JWT_ACCESS_TTL_SECONDS
        if token_type == ACCESS
        else settings.JWT_REFRESH_TTL_SECONDS
    )
    now = timezone.now()
    payload: dict[str, Any] = {
        "sub": str(user.pk),
        "email": user.email,
        "type": token_type,
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(seconds=ttl)).timestamp()),
        # Changing the password changes this, which invalidates every earlier token.
        "pwd": user.password[-12:],
    }
    return jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")


def decode_token(token: str) -> dict[str, Any]:
    """The verified payload of `token`; raises ExpiredToken or InvalidToken."""
    try:
        return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])
    except jwt.ExpiredSignatureError as exc:
        raise ExpiredToken(str(exc)) from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc


def user_from_token(token: str, *, token_type: str = ACCESS) -> User:
    payload = decode_token(token)
    if payload.get("type") != token_type:
        raise InvalidToken("Wrong token type.")
    user = User.objects.filter(pk=str(payload.get("sub", "")), is_active=True).first()
    if user is None or user.password[-12:] != payload.get("pwd"):
        raise InvalidToken("The token's user no longer exists or changed password.")
    return user


class AccountConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Like Django's password-reset tokens, under its own salt so that a confirmation link
    can never be replayed as a password-reset link (or the reverse), and spent once the
    account is confirmed."""

    key_salt = "marketplace.accounts.tokens.AccountConfirmationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}{user.is_confirmed}"


class AccountDeletionTokenGenerator(PasswordResetTokenGenerator):
    """Tokens of the account-deletion link, under their own salt: never usable as a
    password-reset or confirmation link."""

    key_salt = "marketplace.accounts.tokens.AccountDeletionTokenGenerator"


account_confirmation_token_generator = AccountConfirmationTokenGenerator()
account_deletion_token_generator = AccountDeletionTokenGenerator()
# Django's own generator: its tokens stop working once the password changes.
password_reset_token_generator = default_token_generator
