"""Reads of organisations and households, scoped to what the viewer's role may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.organisations.models import Household


def households_visible_to(*, user: User | None) -> QuerySet[Household]:
    """Platform admins see all; shop managers their village's; officers their township's;
    a household seller only their own. Personal data is masked separately (privacy.py)."""
    scopes = role_scopes(user)
    queryset = Household.objects.all()
    if scopes.is_platform_admin:
        return queryset.order_by("village__code", "reference", "pk")
    condition = (
        Q(village_id__in=scopes.managed_village_ids)
        | Q(village__township_id__in=scopes.overseen_township_ids)
        | Q(pk__in=scopes.household_ids)
    )
    return queryset.filter(condition).order_by("village__code", "reference", "pk")
