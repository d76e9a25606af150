"""Object-level permission checks: the single answer to "may this user touch that object".

Roles are loaded once per user object and cached on it, so a request that checks many
objects costs one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from marketplace.accounts.models import Role
from marketplace.divisions.models import Township

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.divisions.models import Village
    from marketplace.organisations.models import Household, Shop


@dataclass(frozen=True)
class RoleScopes:
    is_platform_admin: bool = False
    managed_shop_ids: frozenset[int] = field(default_factory=frozenset)
    managed_village_ids: frozenset[int] = field(default_factory=frozenset)
    operated_shop_ids: frozenset[int] = field(default_factory=frozenset)
    township_ids: frozenset[int] = field(default_factory=frozenset)
    county_ids: frozenset[int] = field(default_factory=frozenset)
    # What a bureau officer may read: their own townships, plus every township of the
    # counties they oversee. Writes that belong to a township (recommending a shop, filing
    # its report) check `township_ids`, which a county role does not widen.
    overseen_township_ids: frozenset[int] = field(default_factory=frozenset)
    household_ids: frozenset[int] = field(default_factory=frozenset)
    # Which stations are theirs is the station's `operator` column, not the assignment.
    is_station_operator: bool = False

    @property
    def is_staff_role(self) -> bool:
        return bool(
            self.is_platform_admin
            or self.managed_shop_ids
            or self.operated_shop_ids
            or self.township_ids
            or self.county_ids
        )

    @property
    def is_bureau_officer(self) -> bool:
        return bool(self.township_ids or self.county_ids)


_CACHE_ATTR = "_ruralmart_role_scopes"


def role_scopes(user: User | None) -> RoleScopes:
    if user is None or not user.is_authenticated or not user.is_active:
        return RoleScopes()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    managed: set[int] = set()
    managed_villages: set[int] = set()
    operated: set[int] = set()
    townships: set[int] = set()
    counties: set[int] = set()
    households: set[int] = set()
    is_admin = bool(user.is_superuser)
    station_operator = False
    for (
        role,
        shop_id,
        shop_village_id,
        township_id,
        household_id,
        county_id,
    ) in user.role_assignments.values_list(
        "role", "shop_id", "shop__village_id", "township_id", "household_id", "county_id"
    ):
        if role == Role.PLATFORM_ADMIN:
            is_admin = True
        elif role == Role.SHOP_MANAGER:
            managed.add(shop_id)
            managed_villages.add(shop_village_id)
        elif role == Role.SUPERMARKET_OPERATOR:
            operated.add(shop_id)
        elif role == Role.TOWNSHIP_OFFICER:
            townships.add(township_id)
        elif role == Role.COUNTY_OFFICER:
            counties.add(county_id)
        elif role == Role.HOUSEHOLD_SELLER:
            households.add(household_id)
        elif role == Role.STATION_OPERATOR:
            station_operator = True
    overseen = set(townships)
    if counties:
        overseen.update(
            Township.objects.filter(county_id__in=counties).values_list("pk", flat=True)
        )
    scopes = RoleScopes(
        is_platform_admin=is_admin,
        managed_shop_ids=frozenset(managed),
        managed_village_ids=frozenset(managed_villages),
        operated_shop_ids=frozenset(operated),
        township_ids=frozenset(townships),
        county_ids=frozenset(counties),
        overseen_township_ids=frozenset(overseen),
        household_ids=frozenset(households),
        is_station_operator=station_operator,
    )
    setattr(user, _CACHE_ATTR, scopes)
    return scopes


def forget_role_scopes(user: User) -> None:
    for attr in (_CACHE_ATTR, _GRANTS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def can_manage_shop(*, user: User | None, shop: Shop) -> bool:
    """Write access to a shop's catalog, stock and households' listings."""
    scopes = role_scopes(user)
    return scopes.is_platform_admin or shop.pk in scopes.managed_shop_ids


def can_manage_any_shop(*, user: User | None) -> bool:
    """Whether `user` manages some shop or is a platform admin: may act on shops' orders at
    all. Asked before an object is looked up, so that a caller without such a role cannot
    tell from the answer whether the object exists."""
    scopes = role_scopes(user)
    return scopes.is_platform_admin or bool(scopes.managed_shop_ids)


def can_view_shop_private(*, user: User | None, shop: Shop) -> bool:
    """Read access to a shop's non-public data (unapproved status, stock detail, households)."""
    scopes = role_scopes(user)
    return (
        can_manage_shop(user=user, shop=shop)
        or shop.pk in scopes.operated_shop_ids
        or shop.village.township_id in scopes.overseen_township_ids
    )


def can_recommend_shop(*, user: User | None, shop: Shop) -> bool:
    """Township officers recommend applications from their own township only."""
    scopes = role_scopes(user)
    return scopes.is_platform_admin or shop.village.township_id in scopes.township_ids


def can_approve_shop(*, user: User | None) -> bool:
    return role_scopes(user).is_platform_admin


@dataclass(frozen=True)
class PersonalDataGrant:
    """One approved, unexpired data request as it reaches a household: the request and the
    data period (first and last day, inclusive) whose figures it may read."""

    request_id: int
    period_from: date
    period_to: date

    def covers(self, *, first_day: date, last_day: date) -> bool:
        return self.period_from <= first_day and last_day <= self.period_to


@dataclass(frozen=True)
class PersonalDataGrants:
    """What a user's approved, unexpired data requests unmask: household or village id ->
    the grants reaching it, newest request first."""

    by_household: dict[int, tuple[PersonalDataGrant, ...]] = field(default_factory=dict)
    by_village: dict[int, tuple[PersonalDataGrant, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_household or self.by_village)

    def reaching(self, household: Household) -> tuple[PersonalDataGrant, ...]:
        """The grants that name the household, then those of its village or township: a
        request scoped to households reaches only the households it lists."""
        return self.by_household.get(household.pk, ()) + self.by_village.get(
            household.village_id, ()
        )

    def covering(
        self, household: Household, *, first_day: date, last_day: date
    ) -> PersonalDataGrant | None:
        """The first grant reaching the household whose period holds every day asked."""
        for grant in self.reaching(household):
            if grant.covers(first_day=first_day, last_day=last_day):
                return grant
        return None


_GRANTS_ATTR = "_ruralmart_personal_data_grants"


def personal_data_grants(user: User | None) -> PersonalDataGrants:
    """The user's live grants, read in one query and cached on the user like its roles.

    Expiry is judged here, at read time: a request past `expires_at` grants nothing even
    before the beat task marks it EXPIRED. The rows are `marketplace.audit`'s, reached
    through their foreign key to the user ("APPROVED" is `DataRequestStatus.APPROVED`).
    Each grant carries its request's data period: names, ID numbers and phones are not
    time-bound, but incomes are read through a grant only for days inside it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return PersonalDataGrants()
    cached = getattr(user, _GRANTS_ATTR, None)
    if cached is not None:
        return cached
    by_household: dict[int, list[PersonalDataGrant]] = {}
    by_village: dict[int, list[PersonalDataGrant]] = {}
    rows = (
        user.data_access_requests.filter(  # type: ignore[attr-defined]
            status="APPROVED", expires_at__gt=timezone.now()
        )
        .order_by("-pk")
        .values_list(
            "pk",
            "period_from",
            "period_to",
            "households__id",
            "village_id",
            "township__villages__id",
        )
    )
    for request_id, period_from, period_to, household_id, village_id, township_village_id in rows:
        grant = PersonalDataGrant(request_id, period_from, period_to)
        if household_id is not None:
            _add_grant(by_household, household_id, grant)
        for granted_village in (village_id, township_village_id):
            if granted_village is not None:
                _add_grant(by_village, granted_village, grant)
    grants = PersonalDataGrants(
        by_household={k: tuple(v) for k, v in by_household.items()},
        by_village={k: tuple(v) for k, v in by_village.items()},
    )
    setattr(user, _GRANTS_ATTR, grants)
    return grants


def _add_grant(
    index: dict[int, list[PersonalDataGrant]], key: int, grant: PersonalDataGrant
) -> None:
    # One request joined to many households or villages comes back once per pair.
    grants = index.setdefault(key, [])
    if grant not in grants:
        grants.append(grant)


@dataclass(frozen=True)
class PersonalDataBasis:
    """Why a user may see a household's personal data: a role, or a data request."""

    role: str
    request_id: int | None = None
    is_the_household: bool = False


def personal_data_basis(*, user: User | None, household: Household) -> PersonalDataBasis | None:
    scopes = role_scopes(user)
    if scopes.is_platform_admin:
        return PersonalDataBasis(role=Role.PLATFORM_ADMIN)
    if household.pk in scopes.household_ids:
        return PersonalDataBasis(role=Role.HOUSEHOLD_SELLER, is_the_household=True)
    if household.village_id in scopes.managed_village_ids:
        return PersonalDataBasis(role=Role.SHOP_MANAGER)
    reaching = personal_data_grants(user).reaching(household)
    if reaching:
        return PersonalDataBasis(role=DATA_REQUEST_BASIS, request_id=reaching[0].request_id)
    return None


# The basis the audit log names for reads by the village's or township's book readers and
# for reads through a data request.
BOOKS_READER_BASIS = "BOOKS_READER"
DATA_REQUEST_BASIS = "DATA_REQUEST"


def household_income_basis(
    *, user: User | None, household: Household, first_day: date, last_day: date
) -> PersonalDataBasis | None:
    """Why `user` may read the household's income figures for the days `first_day` to
    `last_day` (inclusive), or None.

    By role, whatever the days: the household itself, the platform admin, its village's
    shop manager, and the bureau officers of its township (or county), who read the books.
    Anyone else only through an approved, unexpired data request that reaches the household
    and whose data period holds every one of those days. `household.village` is read."""
    scopes = role_scopes(user)
    if household.pk in scopes.household_ids:
        return PersonalDataBasis(role=Role.HOUSEHOLD_SELLER, is_the_household=True)
    if scopes.is_platform_admin:
        return PersonalDataBasis(role=Role.PLATFORM_ADMIN)
    if household.village_id in scopes.managed_village_ids:
        return PersonalDataBasis(role=Role.SHOP_MANAGER)
    if household.village.township_id in scopes.overseen_township_ids:
        return PersonalDataBasis(role=BOOKS_READER_BASIS)
    grant = personal_data_grants(user).covering(household, first_day=first_day, last_day=last_day)
    if grant is not None:
        return PersonalDataBasis(role=DATA_REQUEST_BASIS, request_id=grant.request_id)
    return None


def household_reached_by_grant(*, user: User | None, household: Household) -> bool:
    """Whether some live data request of `user` reaches the household, whatever its period:
    an income read refused for its days is then told so, not told it is not allowed."""
    return bool(personal_data_grants(user).reaching(household))


def can_view_household_personal_data(*, user: User | None, household: Household) -> bool:
    """Who may see a household's real name, ID number and phone.

    The platform admin; the household itself; the manager of its village's shop, who
    lists goods on its behalf; and whoever holds an approved, unexpired data request
    covering it (township officers see masked data otherwise).
    """
    return personal_data_basis(user=user, household=household) is not None


def can_file_data_request(*, user: User | None) -> bool:
    """Any staff role may ask to read personal data; only a decision unmasks anything."""
    scopes = role_scopes(user)
    return scopes.is_staff_role or scopes.is_station_operator


def can_decide_data_request(*, user: User | None, township_ids: set[int]) -> bool:
    """A decision is a township's write: its officers must oversee every township the
    request reaches (a county role does not widen this), or be a platform admin."""
    scopes = role_scopes(user)
    if scopes.is_platform_admin:
        return True
    return bool(township_ids) and township_ids <= scopes.township_ids


def can_search_audit_log(*, user: User | None) -> bool:
    scopes = role_scopes(user)
    return scopes.is_platform_admin or scopes.is_bureau_officer


def can_read_any_books(*, user: User | None) -> bool:
    """Whether `user` may read some village's ledger at all (asked before any lookup, so a
    refusal does not tell whether the object exists)."""
    scopes = role_scopes(user)
    return bool(
        scopes.is_platform_admin or scopes.managed_village_ids or scopes.overseen_township_ids
    )


def can_read_village_books(*, user: User | None, village_id: int, township_id: int) -> bool:
    """A village's ledger and income statement: the platform admin, the village's shop
    manager, and bureau officers whose township (or county) it is in."""
    scopes = role_scopes(user)
    return (
        scopes.is_platform_admin
        or village_id in scopes.managed_village_ids
        or township_id in scopes.overseen_township_ids
    )


def can_read_household_statement(*, user: User | None, household: Household) -> bool:
    """Those who read the household's village's books, and the household itself, by role.
    A data request reads a statement only for its period: `household_income_basis`."""
    return household.pk in role_scopes(user).household_ids or can_read_village_books(
        user=user, village_id=household.village_id, township_id=household.village.township_id
    )


def can_read_township_watch(*, user: User | None, township_id: int) -> bool:
    """The poverty-monitoring watch of a township: the platform admin and its officers
    (county officers for the townships of their county)."""
    scopes = role_scopes(user)
    return scopes.is_platform_admin or township_id in scopes.overseen_township_ids


def can_keep_village_books(*, user: User | None, village: Village) -> bool:
    """Writes to a village collective's books (share register, distribution drafts and the
    members' assembly, payouts): its shop's manager and platform admins."""
    scopes = role_scopes(user)
    return scopes.is_platform_admin or village.pk in scopes.managed_village_ids


def can_file_for_village(*, user: User | None, village: Village) -> bool:
    """Township review and filing of a village's distribution: officers of its own township
    (a county role reads but does not file) and platform admins."""
    scopes = role_scopes(user)
    return scopes.is_platform_admin or village.township_id in scopes.township_ids
