"""Reads of accounts and address books. A user's addresses are only ever looked up through
the user, so one buyer can never reach another's."""

from __future__ import annotations

from django.db.models import QuerySet

from marketplace.accounts.models import Address, User
from marketplace.accounts.throttling import normalise_email


def user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email=normalise_email(email)).first()


def address_list(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user).order_by("pk")


def address_get(*, user: User, address_id: int) -> Address | None:
    """The user's own address with that id; None for another user's or a missing one."""
    return address_list(user=user).filter(pk=address_id).first()
