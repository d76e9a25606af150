"""Masking of household personal data.

Every place that shows a household's name, ID number or phone goes through
`household_personal_data(household=..., viewer=...)`; entitlement is decided by
`marketplace.accounts.permissions.personal_data_basis`, and every unmasked answer to
anyone but the household itself is written to the audit log (`marketplace.audit.reads`).

Names, ID numbers and phones are not time-bound: a data request unmasks them for its
scope until it expires. Incomes are: `household_incomes_read` lets a request read them
only for days inside the request's data period, and names the request in the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from marketplace.accounts.permissions import (
    PersonalDataBasis,
    household_income_basis,
    household_reached_by_grant,
    personal_data_basis,
)
from marketplace.audit.reads import personal_data_read

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.organisations.models import Household


def mask_name(name: str) -> str:
    """张三丰 → 张**: keep the family name, hide the rest."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_id_number(id_number: str) -> str:
    """Keep the region prefix and the check digit: 533525********123X → 5335**********23X."""
    if not id_number:
        return ""
    return id_number[:4] + "*" * (len(id_number) - 7) + id_number[-3:]


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


@dataclass(frozen=True)
class HouseholdPersonalData:
    head_name: str
    id_number: str
    phone: str
    is_masked: bool


PERSONAL_FIELDS = ("head_name", "id_number", "phone")


def household_personal_data(*, household: Household, viewer: User | None) -> HouseholdPersonalData:
    basis = personal_data_basis(user=viewer, household=household) if viewer is not None else None
    if basis is not None and viewer is not None:
        if not basis.is_the_household:
            personal_data_read(
                actor=viewer,
                household_id=household.pk,
                village_id=household.village_id,
                fields=PERSONAL_FIELDS,
                basis=basis.role,
                request_id=basis.request_id,
            )
        return HouseholdPersonalData(
            head_name=household.head_name,
            id_number=household.id_number,
            phone=household.phone,
            is_masked=False,
        )
    return HouseholdPersonalData(
        head_name=mask_name(household.head_name),
        id_number=mask_id_number(household.id_number),
        phone=mask_phone(household.phone),
        is_masked=True,
    )


INCOME_FIELDS = ("income",)


class IncomeReadRefused(Exception):
    """A household's income asked for days no role or data request of the viewer reaches."""

    def __init__(self, household: Household, *, outside_request_period: bool) -> None:
        super().__init__(f"income of household {household.pk} refused")
        self.household = household
        # True when a live request reaches the household, only not for those days.
        self.outside_request_period = outside_request_period


def household_income_access(
    *, household: Household, viewer: User | None, first_day: date, last_day: date
) -> PersonalDataBasis:
    """Why `viewer` may read the household's income for `first_day`..`last_day`, or
    IncomeReadRefused. Incomes are personal data: read by role (the household, its
    village's book readers, its township's officers), or through a data request only for
    days inside the request's data period. `household.village` is read."""
    basis = household_income_basis(
        user=viewer, household=household, first_day=first_day, last_day=last_day
    )
    if basis is None:
        raise IncomeReadRefused(
            household,
            outside_request_period=household_reached_by_grant(user=viewer, household=household),
        )
    return basis


def household_incomes_read(
    *, households: Iterable[Household], viewer: User, first_day: date, last_day: date
) -> None:
    """Check, then note, that `viewer` is shown these households' incomes for the days
    `first_day`..`last_day` (a statement, the poverty watch). Every read leaves a trace
    naming its basis, and the request when a data request is that basis; the household
    reading its own statement leaves none. Refuses (IncomeReadRefused) before noting
    anything if one of the households is not readable for those days."""
    bases = [
        (
            household,
            household_income_access(
                household=household, viewer=viewer, first_day=first_day, last_day=last_day
            ),
        )
        for household in households
    ]
    for household, basis in bases:
        if basis.is_the_household:
            continue
        personal_data_read(
            actor=viewer,
            household_id=household.pk,
            village_id=household.village_id,
            fields=INCOME_FIELDS,
            basis=basis.role,
            request_id=basis.request_id,
        )


def household_value_shown(
    *, household: Household, viewer: User | None, value: str, field: str
) -> str:
    """Another personal value of a household (a member's own name in the share register),
    shown the way `household_personal_data` shows the head's: unmasked only to those
    entitled, and then written to the audit log unless the household reads its own."""
    basis = personal_data_basis(user=viewer, household=household) if viewer is not None else None
    if basis is None or viewer is None:
        return mask_name(value)
    if not basis.is_the_household:
        personal_data_read(
            actor=viewer,
            household_id=household.pk,
            village_id=household.village_id,
            fields=(field,),
            basis=basis.role,
            request_id=basis.request_id,
        )
    return value
