"""Reading the register as it stood on a day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Max, Q, QuerySet

from collective_econ.ledger.selectors import ZERO, account_balances
from collective_econ.models import (
    Account,
    AccountKind,
    Distribution,
    DistributionStatus,
    InvestorAgreement,
    MemberShare,
    ShareRegisterChange,
)
from marketplace.divisions.models import Village


def _in_force(on: date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))


@dataclass(frozen=True)
class Holding:
    member_id: int
    household_id: int
    person_name: str
    shares: Decimal
    valid_from: date
    valid_to: date | None


def share_register(*, village: Village, on: date) -> list[Holding]:
    """Every member holding shares on `on`, in a stable order (member id). One query."""
    rows = (
        MemberShare.objects.filter(_in_force(on), member__village=village)
        .select_related("member")
        .order_by("member_id")
    )
    return [
        Holding(
            member_id=row.member_id,
            household_id=row.member.household_id,
            person_name=row.member.person_name,
            shares=row.shares,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
        )
        for row in rows
    ]


def investor_agreements_in(
    *, village: Village, start: date, end: date
) -> QuerySet[InvestorAgreement]:
    """Agreements of the village's investors in force on some day of [start, end]."""
    return (
        InvestorAgreement.objects.filter(investor__village=village, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=start))
        .select_related("investor")
        .order_by("investor_id", "valid_from")
    )


def register_history(*, village: Village) -> QuerySet[ShareRegisterChange]:
    return ShareRegisterChange.objects.filter(village=village).select_related("actor")


def register_closed_through(*, village: Village) -> date | None:
    """The last day the village's register is closed on: a distribution past its draft
    read members' shares on its record date and investors' agreements over its whole
    year, so neither may change on or before the later of the two (None: nothing closed)."""
    latest = (
        Distribution.objects.filter(village=village)
        .exclude(status=DistributionStatus.DRAFT)
        .aggregate(year=Max("year"), record_date=Max("record_date"))
    )
    if latest["year"] is None:
        return None
    return max(date(latest["year"], 12, 31), latest["record_date"])


def investor_balances(*, investor_ids: Sequence[int]) -> dict[int, Decimal]:
    """What the collective owes each investor: the credit balance of its own INVESTOR
    account (its distribution parts, less anything paid), zero before its first part.
    Three queries, however many investors."""
    accounts = list(Account.objects.filter(kind=AccountKind.INVESTOR, investor_id__in=investor_ids))
    balances = account_balances(accounts=accounts)
    owed = {a.investor_id: -balances[a.pk] for a in accounts if a.investor_id is not None}
    return {pk: owed.get(pk, ZERO) for pk in investor_ids}
