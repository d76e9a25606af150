"""Who may read and act on supervision data, in terms of `role_scopes`.

Reads follow the bureau's oversight (a county officer reads every township of the county);
writes that belong to a township (deciding its queue, filing its report, appointing its
administrators) need that township's own officer, or a platform admin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marketplace.accounts.permissions import role_scopes
from marketplace.core.errors import PermissionRefused

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.divisions.models import County, Township


def may_read_township(user: User | None, township: Township) -> bool:
    scopes = role_scopes(user)
    return scopes.is_platform_admin or township.pk in scopes.overseen_township_ids


def may_act_for_township(user: User | None, township: Township) -> bool:
    scopes = role_scopes(user)
    return scopes.is_platform_admin or township.pk in scopes.township_ids


def may_read_county(user: User | None, county: County) -> bool:
    scopes = role_scopes(user)
    return scopes.is_platform_admin or county.pk in scopes.county_ids


def require_township_officer(user: User | None, township: Township, *, doing: str) -> None:
    if not may_act_for_township(user, township):
        raise PermissionRefused(f"Only the officers of {township} may {doing}.")


def readable_township_ids(user: User | None) -> frozenset[int] | None:
    """The townships `user` may read; None means all of them (platform admin)."""
    scopes = role_scopes(user)
    return None if scopes.is_platform_admin else scopes.overseen_township_ids
