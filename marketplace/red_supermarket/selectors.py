"""Reads for Red Supermarkets, and the one answer to "who may work at or read which"."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.red_supermarket.models import RedSupermarket


def supermarkets_operated_by(*, user: User | None) -> QuerySet[RedSupermarket]:
    """Where `user` may sell, take payments and run the till: the supermarkets of the shops
    they operate. Platform admins operate none by default: running a village's till is the
    operator's job, and a county admin acting at the counter would blur the till's owner."""
    scopes = role_scopes(user)
    return RedSupermarket.objects.filter(
        shop_id__in=scopes.operated_shop_ids, is_active=True
    ).order_by("shop__village__code", "pk")


def supermarkets_visible_to(*, user: User | None) -> QuerySet[RedSupermarket]:
    """What `user` may read: their own (operator or the shop's manager), their township's
    or county's (bureau officers), all (platform admin); nothing for anyone else."""
    scopes = role_scopes(user)
    queryset = RedSupermarket.objects.select_related("shop__village").order_by(
        "shop__village__code", "pk"
    )
    if scopes.is_platform_admin:
        return queryset
    return queryset.filter(
        Q(shop_id__in=scopes.operated_shop_ids | scopes.managed_shop_ids)
        | Q(shop__village__township_id__in=scopes.overseen_township_ids)
    )


def can_operate_supermarket(*, user: User | None, supermarket: RedSupermarket) -> bool:
    return supermarket.is_active and supermarket.shop_id in role_scopes(user).operated_shop_ids


def can_view_supermarket(*, user: User | None, supermarket: RedSupermarket) -> bool:
    scopes = role_scopes(user)
    return (
        scopes.is_platform_admin
        or supermarket.shop_id in scopes.operated_shop_ids | scopes.managed_shop_ids
        or supermarket.shop.village.township_id in scopes.overseen_township_ids
    )


def supermarket_get(*, supermarket_id: int) -> RedSupermarket | None:
    return (
        RedSupermarket.objects.select_related("shop__village", "warehouse", "station")
        .filter(pk=supermarket_id)
        .first()
    )
