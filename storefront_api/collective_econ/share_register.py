"""Ruralmart extensions for editing the share register (issue 8 §4): the investor and
agreement types, the register's history, and the three mutations a village's
book-keepers use to change the register (`shareRegisterMemberSet`, `investorRegister`,
`investorAgreementSet`).

Thin, like the distribution mutations beside it: anyone without a role over some
village's books is refused before any lookup; IDs are resolved; one shares service does
the change and its refusals (NOT_PERMITTED for another village's books, WRONG_VILLAGE,
INVALID_AMOUNT, OVERLAPPING_PERIOD, PERIOD_CLOSED, ...) come back as
`DistributionErrorCode` entries, with the field named as the input names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.utils import timezone

from collective_econ.models import (
    AgreementKind,
    Investor,
    InvestorAgreement,
    MemberShare,
    ShareRegisterChange,
)
from collective_econ.shares import services
from collective_econ.shares.selectors import (
    Holding,
    investor_balances,
    register_history,
    share_register,
)
from marketplace.organisations.models import Household
from marketplace.organisations.privacy import household_value_shown, mask_name
from storefront_api.collective_econ.distribution import (
    DistributionError,
    DistributionMutation,
    found_row,
    found_village,
    readable_village,
    require_books_staff,
)
from storefront_api.core.dataloaders import DataLoader, get_loader, grouped, then
from storefront_api.core.enums import domain_enum
from storefront_api.core.types import Money, as_money
from storefront_api.organisations.dataloaders import HouseholdByIdLoader, VillageByIdLoader
from storefront_api.shops.types import Household_, Village_

InvestorAgreementKindEnum = domain_enum(AgreementKind, name="InvestorAgreementKind")

# The services name periods as the models do; the API, as the register's users speak.
_API_FIELDS = {"validFrom": "effectiveFrom", "validTo": "effectiveTo"}


class AgreementsByInvestorIdLoader(DataLoader[int, list[InvestorAgreement]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[InvestorAgreement]]:
        rows = InvestorAgreement.objects.filter(investor_id__in=keys).order_by(
            "investor_id", "valid_from"
        )
        return grouped(keys, rows, lambda a: a.investor_id)


class InvestorBalanceLoader(DataLoader[int, Decimal]):
    def batch_load(self, keys: Sequence[int]) -> list[Decimal]:
        owed = investor_balances(investor_ids=list(keys))
        return [owed[key] for key in keys]


class InvestorsByVillageIdLoader(DataLoader[int, list[Investor]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[Investor]]:
        rows = Investor.objects.filter(village_id__in=keys).order_by("village_id", "name")
        return grouped(keys, rows, lambda i: i.village_id)


class InvestorAgreement_(graphene.ObjectType):
    class Meta:
        name = "InvestorAgreement"
        description = "Ruralmart extension: an investor's agreement for a period."

    kind = graphene.Field(InvestorAgreementKindEnum, required=True)
    capital_amount = graphene.Field(Money, required=True)
    rate = graphene.Decimal(
        required=True, description="A year on the capital, or of the profit after the funds."
    )
    valid_from = graphene.Date(required=True)
    valid_to = graphene.Date(description="Exclusive; null while open.")

    @staticmethod
    def resolve_kind(root: InvestorAgreement, info: Any) -> Any:
        return AgreementKind(root.kind)

    @staticmethod
    def resolve_capital_amount(root: InvestorAgreement, info: Any) -> Any:
        return as_money(root.capital_amount, "CNY")


class Investor_(graphene.ObjectType):
    class Meta:
        name = "Investor"
        description = "Ruralmart extension: an outside investor in a village collective."
        interfaces = (graphene.relay.Node,)

    name = graphene.String(required=True)
    village = graphene.Field(Village_, required=True)
    agreements = graphene.List(graphene.NonNull(InvestorAgreement_), required=True)
    balance = graphene.Field(
        Money,
        required=True,
        description="What the collective owes the investor: the credit of its own account.",
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Investor)

    @staticmethod
    def resolve_village(root: Investor, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def resolve_agreements(root: Investor, info: Any) -> Any:
        return get_loader(info.context, AgreementsByInvestorIdLoader).load(root.pk)

    @staticmethod
    def resolve_balance(root: Investor, info: Any) -> Any:
        return then(
            get_loader(info.context, InvestorBalanceLoader).load(root.pk),
            lambda owed: as_money(owed, "CNY"),
        )


class ShareRegisterChange_(graphene.ObjectType):
    class Meta:
        name = "ShareRegisterChange"
        description = "Ruralmart extension: one audited change of the share register."

    entity = graphene.String(
        required=True, description="MEMBER, MEMBER_SHARE, INVESTOR or INVESTOR_AGREEMENT."
    )
    entity_id = graphene.Int(required=True)
    action = graphene.String(required=True, description="ADD, OPEN or CLOSE.")
    before = graphene.JSONString()
    after = graphene.JSONString()
    reason = graphene.String(required=True)
    date = graphene.DateTime(required=True)

    @staticmethod
    def resolve_before(root: ShareRegisterChange, info: Any) -> Any:
        return _snapshot_shown(info, root.before)

    @staticmethod
    def resolve_after(root: ShareRegisterChange, info: Any) -> Any:
        return _snapshot_shown(info, root.after)

    @staticmethod
    def resolve_date(root: ShareRegisterChange, info: Any) -> Any:
        return root.at


def _name_shown(info: Any, *, household_id: int, name: str) -> Any:
    """A member's person name as the viewer may see it: masked unless entitled to the
    household's personal data (its village's manager, a platform admin, a granted request),
    and each unmasked showing logged."""

    user = info.context.user if info.context.user.is_authenticated else None

    def shown(household: Any) -> str:
        if household is None:
            return mask_name(name)
        return household_value_shown(
            household=household, viewer=user, value=name, field="person_name"
        )

    return then(get_loader(info.context, HouseholdByIdLoader).load(household_id), shown)


def _snapshot_shown(info: Any, data: Any) -> Any:
    """A history snapshot with the member's person name masked like the register's."""
    if not isinstance(data, dict) or not data.get("person_name"):
        return data
    return then(
        _name_shown(info, household_id=data["household"], name=data["person_name"]),
        lambda name: {**data, "person_name": name},
    )


class ShareHolding(graphene.ObjectType):
    """Ruralmart extension: one member's shares (成员份额) on the register's day."""

    household = graphene.Field(Household_, required=True)
    person_name = graphene.String(
        required=True, description="Empty: the household as a whole. Masked like the head's name."
    )
    shares = graphene.Decimal(required=True)
    valid_from = graphene.Date(required=True)
    valid_to = graphene.Date(description="Exclusive; null while open.")

    @staticmethod
    def resolve_household(root: Holding, info: Any) -> Any:
        return get_loader(info.context, HouseholdByIdLoader).load(root.household_id)

    @staticmethod
    def resolve_person_name(root: Holding, info: Any) -> Any:
        if not root.person_name:
            return ""
        return _name_shown(info, household_id=root.household_id, name=root.person_name)


class ShareRegister(graphene.ObjectType):
    """Ruralmart extension: a village collective's members and shares on one day."""

    village = graphene.Field(Village_, required=True)
    on = graphene.Date(required=True)
    holdings = graphene.List(graphene.NonNull(ShareHolding), required=True)
    total_shares = graphene.Decimal(required=True)
    investors = graphene.List(
        graphene.NonNull(Investor_),
        required=True,
        description="The village's investors with their agreements (every period).",
    )
    history = graphene.List(
        graphene.NonNull(ShareRegisterChange_),
        required=True,
        last=graphene.Int(default_value=20, description="At most 100."),
        description="The register's latest changes, newest first: who changed what, and why.",
    )

    @staticmethod
    def resolve_total_shares(root: Any, info: Any) -> Decimal:
        return sum((h.shares for h in root["holdings"]), Decimal(0))

    @staticmethod
    def resolve_investors(root: Any, info: Any) -> Any:
        return get_loader(info.context, InvestorsByVillageIdLoader).load(root["village"].pk)

    @staticmethod
    def resolve_history(root: Any, info: Any, last: int = 20) -> Any:
        return list(register_history(village=root["village"])[: max(0, min(last, 100))])


def resolve_share_register(info: Any, *, village: str, on: date | None) -> dict[str, Any]:
    found = readable_village(info, village)
    day = on or timezone.localdate()
    return {"village": found, "on": day, "holdings": share_register(village=found, on=day)}


# --- mutations ----------------------------------------------------------------------------


class ShareRegisterMutation(DistributionMutation):
    class Meta:
        abstract = True

    @classmethod
    def errors_from(cls, exc: ValidationError) -> list[DistributionError]:
        errors = super().errors_from(exc)
        for error in errors:
            error.field = _API_FIELDS.get(error.field, error.field)
        return errors


class ShareRegisterMemberSetInput(graphene.InputObjectType):
    village = graphene.ID(required=True, description="The village whose register changes.")
    household = graphene.ID(required=True)
    person_name = graphene.String(description="One person of the household; empty: all of it.")
    shares = graphene.String(required=True, description='Up to 4 decimals, e.g. "3.5"; "0" ends.')
    effective_from = graphene.Date(required=True)
    effective_to = graphene.Date(description="Exclusive; omit for an open period.")
    reason = graphene.String(required=True, description="Kept in the register's history.")


class ShareRegisterMemberSet(ShareRegisterMutation):
    class Arguments:
        input = ShareRegisterMemberSetInput(required=True)

    class Meta:
        description = (
            "Ruralmart extension: a household (or one person in it) holds this many shares "
            "in its village's collective from a day on; it becomes a member if it is not one."
        )

    holding = graphene.Field(ShareHolding, description="Null when the shares were set to 0.")

    @classmethod
    def perform(cls, info: Any, input: Any) -> ShareRegisterMemberSet:
        user = require_books_staff(info)
        village = found_village(input["village"])
        household = found_row(
            Household, input["household"], type_name="Household", field="household"
        )
        member, row = services.household_shares_set(
            actor=user,
            village=village,
            household=household,
            person_name=input.get("person_name") or "",
            shares=input["shares"],
            valid_from=input["effective_from"],
            valid_to=input.get("effective_to"),
            reason=input["reason"],
        )
        return cls(holding=_holding(row, household=household, person_name=member.person_name))


def _holding(row: MemberShare | None, *, household: Household, person_name: str) -> Any:
    if row is None:
        return None
    return Holding(
        member_id=row.member_id,
        household_id=household.pk,
        person_name=person_name,
        shares=row.shares,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


class InvestorRegisterInput(graphene.InputObjectType):
    village = graphene.ID(required=True)
    name = graphene.String(required=True)
    reason = graphene.String(required=True)


class InvestorMutation(ShareRegisterMutation):
    class Meta:
        abstract = True

    investor = graphene.Field(Investor_)


class InvestorRegister(InvestorMutation):
    class Arguments:
        input = InvestorRegisterInput(required=True)

    class Meta:
        description = (
            "Ruralmart extension: record an outside investor of a village collective (an "
            "existing one of that name is returned unchanged)."
        )

    @classmethod
    def perform(cls, info: Any, input: Any) -> InvestorRegister:
        user = require_books_staff(info)
        investor = services.investor_register(
            actor=user,
            village=found_village(input["village"]),
            name=input["name"],
            reason=input["reason"],
        )
        return cls(investor=investor)


class InvestorAgreementSetInput(graphene.InputObjectType):
    investor = graphene.ID(required=True)
    kind = graphene.Argument(InvestorAgreementKindEnum, required=True)
    capital_amount = graphene.String(required=True, description='Yuan, e.g. "20000.00".')
    rate = graphene.String(required=True, description='A fraction 0–1, e.g. "0.05".')
    effective_from = graphene.Date(required=True)
    effective_to = graphene.Date(description="Exclusive; omit for an open agreement.")
    reason = graphene.String(required=True)


class InvestorAgreementSet(InvestorMutation):
    class Arguments:
        input = InvestorAgreementSetInput(required=True)

    class Meta:
        description = (
            "Ruralmart extension: the investor's agreement from a day on; it replaces the "
            "open agreement from then."
        )

    agreement = graphene.Field(InvestorAgreement_)

    @classmethod
    def perform(cls, info: Any, input: Any) -> InvestorAgreementSet:
        user = require_books_staff(info)
        investor = found_row(Investor, input["investor"], type_name="Investor", field="investor")
        agreement = services.investor_agreement_set(
            actor=user,
            investor=investor,
            kind=getattr(input["kind"], "value", input["kind"]),
            capital_amount=input["capital_amount"],
            rate=input["rate"],
            valid_from=input["effective_from"],
            valid_to=input.get("effective_to"),
            reason=input["reason"],
        )
        return cls(investor=investor, agreement=agreement)


__all__ = [
    "InvestorAgreementSet",
    "InvestorRegister",
    "ShareRegister",
    "ShareRegisterMemberSet",
    "resolve_share_register",
]
