"""Masking of household personal data.

Every place that shows a household's name, ID number or phone goes through
`household_personal_data(household=..., viewer=...)`; entitlement is decided by
`marketplace.accounts.permissions.personal_data_basis`, and every unmasked answer to
anyone but the household itself is written to the audit log (`marketplace.audit.reads`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from marketplace.accounts.permissions import personal_data_basis
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


def household_incomes_read(*, households: Iterable[Household], viewer: User) -> None:
    """Note that `viewer` was shown these households' incomes (a statement, the poverty
    watch). Incomes are personal data: whoever may read them by role (the village's book
    readers, the township's officers) still leaves a trace of each read; the household
    reading its own statement does not."""
    for household in households:
        basis = personal_data_basis(user=viewer, household=household)
        if basis is not None and basis.is_the_household:
            continue
        personal_data_read(
            actor=viewer,
            household_id=household.pk,
            village_id=household.village_id,
            fields=INCOME_FIELDS,
            basis=basis.role if basis is not None else "BOOKS_READER",
            request_id=basis.request_id if basis is not None else None,
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
