"""Who may read which dashboard: bureau officers their township or county (a county
officer also every township in it), platform admins any. Checked before anything is looked
up, so an outsider cannot tell which townships exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from marketplace.accounts.permissions import role_scopes
from marketplace.core.errors import refuse
from marketplace.divisions.models import County, Township, Village
from marketplace.oversight.error_codes import OversightErrorCode

if TYPE_CHECKING:
    from marketplace.accounts.models import User


@dataclass(frozen=True)
class VillageRef:
    id: int
    name: str
    township_id: int


@dataclass(frozen=True)
class DashboardScope:
    """The townships a dashboard sums over, and their villages (ids and names only)."""

    kind: str  # "township" or "county"
    id: int
    name: str
    township_ids: tuple[int, ...]
    villages: tuple[VillageRef, ...]

    @property
    def village_ids(self) -> list[int]:
        return [village.id for village in self.villages]

    def village_name(self, village_id: int) -> str:
        return next((v.name for v in self.villages if v.id == village_id), str(village_id))


def _not_permitted(what: str) -> Exception:
    return refuse(
        None,
        f"Only officers of this {what} and platform admins may read its dashboard.",
        OversightErrorCode.NOT_PERMITTED,
    )


def _villages(township_ids: list[int]) -> tuple[VillageRef, ...]:
    return tuple(
        VillageRef(id=pk, name=name, township_id=township_id)
        for pk, name, township_id in Village.objects.filter(township_id__in=township_ids)
        .order_by("code")
        .values_list("pk", "name", "township_id")
    )


def township_scope(*, user: User | None, township_id: int) -> DashboardScope:
    scopes = role_scopes(user)
    if not (scopes.is_platform_admin or township_id in scopes.overseen_township_ids):
        raise _not_permitted("township")
    township = Township.objects.filter(pk=township_id).values_list("name", flat=True).first()
    if township is None:
        raise refuse("township", "No such township.", OversightErrorCode.UNKNOWN_TOWNSHIP)
    return DashboardScope(
        kind="township",
        id=township_id,
        name=township,
        township_ids=(township_id,),
        villages=_villages([township_id]),
    )


def county_scope(*, user: User | None, county_id: int) -> DashboardScope:
    scopes = role_scopes(user)
    if not (scopes.is_platform_admin or county_id in scopes.county_ids):
        raise _not_permitted("county")
    county = County.objects.filter(pk=county_id).values_list("name", flat=True).first()
    if county is None:
        raise refuse("county", "No such county.", OversightErrorCode.UNKNOWN_COUNTY)
    township_ids = list(
        Township.objects.filter(county_id=county_id).order_by("code").values_list("pk", flat=True)
    )
    return DashboardScope(
        kind="county",
        id=county_id,
        name=county,
        township_ids=tuple(township_ids),
        villages=_villages(township_ids),
    )


def dashboards_for(*, user: User | None) -> tuple[list[Township], list[County]]:
    """The townships and counties whose dashboards `user` may open (the bureau index)."""
    scopes = role_scopes(user)
    if scopes.is_platform_admin:
        return list(Township.objects.order_by("code")), list(County.objects.order_by("code"))
    return (
        list(Township.objects.filter(pk__in=scopes.overseen_township_ids).order_by("code")),
        list(County.objects.filter(pk__in=scopes.county_ids).order_by("code")),
    )
