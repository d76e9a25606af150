"""JWT access and refresh tokens (HS256, signed with SECRET_KEY), as Saleor issues them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt
from django.conf import settings
from django.utils import timezone

from marketplace.accounts.models import User

ACCESS = "access"
REFRESH = "refresh"


class InvalidToken(Exception):
    pass


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


def user_from_token(token: str, *, token_type: str = ACCESS) -> User:
    try:
        payload = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if payload.get("type") != token_type:
        raise InvalidToken("Wrong token type.")
    user = User.objects.filter(pk=str(payload.get("sub", "")), is_active=True).first()
    if user is None or user.password[-12:] != payload.get("pwd"):
        raise InvalidToken("The token's user no longer exists or changed password.")
    return user
