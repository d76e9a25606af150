"""Ruralmart extensions for the share register and distributions (issue 8 §4, §6): types,
their DataLoaders, the read resolvers and the workflow mutations.

Staff data: every read and write first asks whether the caller keeps, files or oversees
the village's books (`marketplace.accounts.permissions`); anonymous and unentitled callers
get a PermissionDenied error on reads and a NOT_PERMITTED `errors` entry on writes, before
any row is looked up. Mutations resolve IDs and call one service; its refusals come back
unchanged as `DistributionErrorCode`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import graphene
from django.db.models import Model

from collective_econ.distribution import services
from collective_econ.distribution.selectors import distribution_list
from collective_econ.error_codes import DistributionErrorCode
from collective_econ.models import (
    AllocationKind,
    DistributionAllocation,
    DistributionEvent,
    Investor,
)
from collective_econ.models import Distribution as DistributionModel
from collective_econ.models import DistributionStatus as DistributionStatusModel
from marketplace.accounts.permissions import (
    can_read_village_books,
    role_scopes,
)
from marketplace.core.errors import refuse
from marketplace.divisions.models import Village
from marketplace.organisations.privacy import mask_name
from storefront_api.core.connection import CountableConnection
from storefront_api.core.dataloaders import DataLoader, by_key, get_loader, grouped, then
from storefront_api.core.enums import domain_enum
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.core.mutations import (
    ErrorsMutation,
)
from storefront_api.core.types import Money, as_money
from storefront_api.organisations.dataloaders import HouseholdByIdLoader, VillageByIdLoader
from storefront_api.shops.types import Household_, Village_

DistributionErrorCodeEnum = domain_enum(DistributionErrorCode, name="DistributionErrorCode")
DistributionStatusEnum = domain_enum(DistributionStatusModel, name="DistributionStatusEnum")
DistributionAllocationKindEnum = domain_enum(AllocationKind, name="DistributionAllocationKind")


# --- loaders ------------------------------------------------------------------------------


class AllocationsByDistributionIdLoader(DataLoader[int, list[DistributionAllocation]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[DistributionAllocation]]:
        rows = (
            DistributionAllocation.objects.filter(distribution_id__in=keys)
            .select_related("member")
            .order_by("distribution_id", "kind", "pk")
        )
        return grouped(keys, rows, lambda a: a.distribution_id)


class EventsByDistributionIdLoader(DataLoader[int, list[DistributionEvent]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[DistributionEvent]]:
        rows = DistributionEvent.objects.filter(distribution_id__in=keys).order_by("at", "pk")
        return grouped(keys, rows, lambda e: e.distribution_id)


class InvestorByIdLoader(DataLoader[int, Investor]):
    def batch_load(self, keys: Sequence[int]) -> list[Investor | None]:
        return by_key(keys, Investor.objects.filter(pk__in=keys), lambda i: i.pk)


# --- who may read -------------------------------------------------------------------------


def _hint(user: Any) -> str:
    return ": log in." if not user.is_authenticated else "."


def require_books_reader(info: Any) -> Any:
    """Callers with no role over any village's books are refused before any lookup."""
    user = info.context.user
    scopes = role_scopes(user)
    if not (scopes.is_platform_admin or scopes.managed_village_ids or scopes.is_bureau_officer):
        raise PermissionDenied(
            "The collective's books are for its shop manager, bureau officers and platform "
            "admins" + _hint(user)
        )
    return user


def readable_village(info: Any, global_id: str, *, field: str = "village") -> Village:
    user = require_books_reader(info)
    village = Village.objects.filter(
        pk=decode_id(global_id, expected_type="Village", field=field)
    ).first()
    if village is None:
        raise ApiError("No such village.", code="NOT_FOUND", field=field)
    if not can_read_village_books(
        user=user, village_id=village.pk, township_id=village.township_id
    ):
        raise PermissionDenied("You may not read this village's books.")
    return village


def readable_village_ids(info: Any) -> list[int] | None:
    """None: every village (platform admins)."""
    scopes = role_scopes(require_books_reader(info))
    if scopes.is_platform_admin:
        return None
    ids = set(scopes.managed_village_ids)
    ids.update(
        Village.objects.filter(township_id__in=scopes.overseen_township_ids).values_list(
            "pk", flat=True
        )
    )
    return sorted(ids)


# --- types --------------------------------------------------------------------------------


class DistributionAllocation_(graphene.ObjectType):
    class Meta:
        name = "DistributionAllocation"

    kind = graphene.Field(DistributionAllocationKindEnum, required=True)
    amount = graphene.Field(Money, required=True)
    weight = graphene.Decimal(required=True, description="Shares, or the investor's amount.")
    household = graphene.Field(Household_, description="For a member's part.")
    person_name = graphene.String(description="For a member who is one person of a household.")
    investor_name = graphene.String(description="For an investor's part.")

    @staticmethod
    def resolve_kind(root: DistributionAllocation, info: Any) -> Any:
        return AllocationKind(root.kind)

    @staticmethod
    def resolve_amount(root: DistributionAllocation, info: Any) -> Any:
        return as_money(root.amount, "CNY")

    @staticmethod
    def resolve_household(root: DistributionAllocation, info: Any) -> Any:
        if root.member is None:
            return None
        return get_loader(info.context, HouseholdByIdLoader).load(root.member.household_id)

    @staticmethod
    def resolve_person_name(root: DistributionAllocation, info: Any) -> Any:
        if root.member is None or not root.member.person_name:
            return None
        return mask_name(root.member.person_name)

    @staticmethod
    def resolve_investor_name(root: DistributionAllocation, info: Any) -> Any:
        if root.investor_id is None:
            return None
        return then(
            get_loader(info.context, InvestorByIdLoader).load(root.investor_id),
            lambda investor: investor.name if investor else None,
        )


class DistributionEvent_(graphene.ObjectType):
    class Meta:
        name = "DistributionEvent"

    action = graphene.String(required=True)
    from_status = graphene.Field(DistributionStatusEnum)
    to_status = graphene.Field(DistributionStatusEnum, required=True)
    reason = graphene.String(required=True)
    date = graphene.DateTime(required=True)

    @staticmethod
    def resolve_from_status(root: DistributionEvent, info: Any) -> Any:
        return DistributionStatusModel(root.from_status) if root.from_status else None

    @staticmethod
    def resolve_to_status(root: DistributionEvent, info: Any) -> Any:
        return DistributionStatusModel(root.to_status)

    @staticmethod
    def resolve_date(root: DistributionEvent, info: Any) -> Any:
        return root.at


def _money_field(attr: str, description: str) -> Any:
    return graphene.Field(
        Money,
        required=True,
        description=description,
        resolver=lambda root, info: as_money(getattr(root, attr), "CNY"),
    )


class Distribution(graphene.ObjectType):
    """Ruralmart extension: a village collective's distribution of one year's income, in
    the order of the law (losses, reserve fund, welfare fund, investors, members)."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    village = graphene.Field(Village_, required=True)
    year = graphene.Int(required=True)
    status = graphene.Field(DistributionStatusEnum, required=True)
    record_date = graphene.Date(required=True, description="Shares are read as on this day.")
    reserve_fund_percent = graphene.Decimal(required=True)
    welfare_fund_percent = graphene.Decimal(required=True)
    net_income = _money_field("net_income", "本年收益")
    opening_undistributed = _money_field("opening_undistributed", "年初未分配收益")
    distributable = _money_field("distributable", "可分配收益")
    reserve_amount = _money_field("reserve_amount", "提取公积公益金")
    welfare_amount = _money_field("welfare_amount", "提取福利费")
    investor_amount = _money_field("investor_amount", "外来投资分利")
    member_amount = _money_field("member_amount", "成员分配")
    closing_undistributed = _money_field("closing_undistributed", "年末未分配收益")
    assembly_date = graphene.Date()
    assembly_attendance = graphene.Int()
    assembly_resolution = graphene.String()
    allocations = graphene.List(graphene.NonNull(DistributionAllocation_), required=True)
    events = graphene.List(graphene.NonNull(DistributionEvent_), required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, DistributionModel)

    @staticmethod
    def resolve_village(root: DistributionModel, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def resolve_status(root: DistributionModel, info: Any) -> Any:
        return DistributionStatusModel(root.status)

    @staticmethod
    def resolve_allocations(root: DistributionModel, info: Any) -> Any:
        return get_loader(info.context, AllocationsByDistributionIdLoader).load(root.pk)

    @staticmethod
    def resolve_events(root: DistributionModel, info: Any) -> Any:
        return get_loader(info.context, EventsByDistributionIdLoader).load(root.pk)


class DistributionCountableConnection(CountableConnection):
    class Meta:
        node = Distribution
        strict_types = True


# --- read resolvers -----------------------------------------------------------------------


def resolve_distribution(info: Any, *, id: str) -> DistributionModel | None:
    """Another village's distribution answers null, as an unknown one does."""
    ids = readable_village_ids(info)
    rows = distribution_list(village_ids=ids, year=None)
    return rows.filter(pk=decode_id(id, expected_type="Distribution")).first()


def resolve_distributions(info: Any, *, village: str | None, year: int | None) -> Any:
    if village is not None:
        return distribution_list(village_ids=[readable_village(info, village).pk], year=year)
    return distribution_list(village_ids=readable_village_ids(info), year=year)


# --- mutations ----------------------------------------------------------------------------


class DistributionError(graphene.ObjectType):
    field = graphene.String(description="The argument at fault; null for the whole input.")
    message = graphene.String()
    code = graphene.Field(DistributionErrorCodeEnum, required=True)


class DistributionMutation(ErrorsMutation):
    class Meta:
        abstract = True

    distribution = graphene.Field(Distribution)
    errors = graphene.List(graphene.NonNull(DistributionError), required=True)

    error_type = DistributionError
    error_codes = DistributionErrorCode


def require_books_staff(info: Any) -> Any:
    """Writers of some village's books or filing officers; others are refused (coded)
    before any lookup, so a refusal never says whether an ID exists."""
    user = info.context.user
    scopes = role_scopes(user)
    if not (scopes.is_platform_admin or scopes.managed_village_ids or scopes.township_ids):
        raise refuse(
            None,
            "Distributions are for the village's shop manager, its township's officers and "
            "platform admins" + _hint(user),
            DistributionErrorCode.NOT_PERMITTED,
        )
    return user


M = TypeVar("M", bound=Model)


def found_row(model: type[M], global_id: str, *, type_name: str, field: str) -> M:
    """The row a global ID names, or a coded refusal (INVALID, NOT_FOUND) on `field`."""
    try:
        pk = decode_id(global_id, expected_type=type_name, field=field)
    except ApiError as exc:
        raise refuse(field, exc.message, DistributionErrorCode.INVALID) from None
    row = model._default_manager.filter(pk=pk).first()
    if row is None:
        raise refuse(field, f"No such {type_name.lower()}.", DistributionErrorCode.NOT_FOUND)
    return row


def found_village(global_id: str, *, field: str = "village") -> Village:
    return found_row(Village, global_id, type_name="Village", field=field)


def _found_distribution(global_id: str) -> DistributionModel:
    try:
        pk = decode_id(global_id, expected_type="Distribution")
    except ApiError as exc:
        raise refuse("id", exc.message, DistributionErrorCode.INVALID) from None
    row = DistributionModel.objects.select_related("village").filter(pk=pk).first()
    if row is None:
        raise refuse("id", "No such distribution.", DistributionErrorCode.NOT_FOUND)
    return row


class DistributionCreateInput(graphene.InputObjectType):
    village = graphene.ID(required=True)
    year = graphene.Int(required=True)
    reserve_fund_percent = graphene.String(required=True, description='0–100, e.g. "10".')
    welfare_fund_percent = graphene.String(required=True, description="0–100.")
    member_amount = graphene.String(
        description="Yuan to members; by default all that is left after funds and investors."
    )
    record_date = graphene.Date(description="Shares as on this day; default 31 December.")
    reason = graphene.String(required=True)


class DistributionCreate(DistributionMutation):
    class Arguments:
        input = DistributionCreateInput(required=True)

    class Meta:
        description = "Ruralmart extension: draft a village collective's yearly distribution."

    @classmethod
    def perform(cls, info: Any, input: Any) -> DistributionCreate:
        user = require_books_staff(info)
        distribution = services.distribution_create(
            actor=user,
            village=found_village(input["village"]),
            year=input["year"],
            reserve_fund_percent=input["reserve_fund_percent"],
            welfare_fund_percent=input["welfare_fund_percent"],
            member_amount=input.get("member_amount"),
            record_date=input.get("record_date"),
            reason=input["reason"],
        )
        return cls(distribution=distribution, errors=[])


class DistributionApproveInput(graphene.InputObjectType):
    assembly_date = graphene.Date(required=True)
    attendance = graphene.Int(required=True)
    resolution = graphene.String(required=True)
    reason = graphene.String()


class DistributionApprove(DistributionMutation):
    class Arguments:
        id = graphene.ID(required=True)
        input = DistributionApproveInput(required=True)

    class Meta:
        description = "Ruralmart extension: record the members' assembly approving the draft."

    @classmethod
    def perform(cls, info: Any, id: str, input: Any) -> DistributionApprove:
        user = require_books_staff(info)
        distribution = services.distribution_approve(
            actor=user,
            distribution=_found_distribution(id),
            assembly_date=input["assembly_date"],
            attendance=input["attendance"],
            resolution=input["resolution"],
            reason=input.get("reason") or "",
        )
        return cls(distribution=distribution, errors=[])


class DistributionFile(DistributionMutation):
    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    class Meta:
        description = (
            "Ruralmart extension: the township reviews and files an approved distribution; "
            "its journal transaction is posted."
        )

    @classmethod
    def perform(cls, info: Any, id: str, reason: str) -> DistributionFile:
        user = require_books_staff(info)
        distribution = services.distribution_file(
            actor=user, distribution=_found_distribution(id), reason=reason
        )
        return cls(distribution=distribution, errors=[])


class DistributionPay(DistributionMutation):
    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    class Meta:
        description = (
            "Ruralmart extension: record a filed distribution as paid, once every member's "
            "part has been paid out."
        )

    @classmethod
    def perform(cls, info: Any, id: str, reason: str) -> DistributionPay:
        user = require_books_staff(info)
        distribution = services.distribution_pay(
            actor=user, distribution=_found_distribution(id), reason=reason
        )
        return cls(distribution=distribution, errors=[])


class DistributionReasonStep(DistributionMutation):
    """A workflow step that needs only the distribution and why."""

    class Meta:
        abstract = True

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    service: Any = None

    @classmethod
    def perform(cls, info: Any, id: str, reason: str) -> DistributionReasonStep:
        user = require_books_staff(info)
        distribution = cls.service(actor=user, distribution=_found_distribution(id), reason=reason)
        return cls(distribution=distribution, errors=[])


class DistributionReturn(DistributionReasonStep):
    class Meta:
        description = (
            "Ruralmart extension: the township sends an approved distribution back (it is "
            "kept as RETURNED and the village may draft the year again)."
        )

    service = staticmethod(services.distribution_return)


class DistributionCancel(DistributionReasonStep):
    class Meta:
        description = (
            "Ruralmart extension: the village's book-keeper discards a draft or returned "
            "distribution (it is kept as CANCELLED)."
        )

    service = staticmethod(services.distribution_cancel)
