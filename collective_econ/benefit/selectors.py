"""Households benefiting and the income credited to them: the one definition the bureau
dashboard, the periodic data report and the red flag all read.

The definition (written once, here; the report's indicator texts and the dashboard's note
are the constants below):

- The postings that count are those of SETTLEMENT and CLAWBACK journal transactions on a
  household's HOUSEHOLD (payable) and HOUSEHOLD_RECEIVABLE accounts, by the moment the
  ledger posted them. Their net credit is what the household earned from its sales,
  after commission and fees, less what was clawed back.
- A household benefits in a period when that net credit over the period is above zero. A
  sale settled and clawed back in the same period benefits nobody.
- The income of a set of villages is the net credit of all their households, benefiting or
  not: a clawback posted in this period of an earlier period's sale lowers it.
- Income per household is that income divided by the households benefiting; income per
  capita divides it by the members of the households benefiting.
- A household counts in the village it belongs to (not the shop that sold for it), so the
  villages of a township partition its households and their figures add up.

What comes in: ledger postings. What goes out: one figure set per village and in total.
This package must never import marketplace.oversight or marketplace.supervision: both read
from it, which is why it sits with the ledger rather than in either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet, Sum

from collective_econ.models import AccountKind, JournalKind, Posting

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

HOUSEHOLDS_BENEFITING_DEFINITION = (
    "Households of the scope's villages whose accounts the ledger credited, net of clawbacks, "
    "by more than zero through the settlements posted in the period."
)
HOUSEHOLD_INCOME_DEFINITION = (
    "Net amount the settlements posted in the period credited to the scope's households' "
    "accounts (after commission and fees, less clawbacks)."
)
INCOME_PER_HOUSEHOLD_DEFINITION = (
    "Net amount the settlements posted in the period credited to the scope's households' "
    "accounts (after commission and fees, less clawbacks), divided by households benefiting."
)
# The same definition, as the dashboard states it under its table.
DEFINITION_NOTE_ZH = (
    "受益农户：期间内结算记入农户账户的净额（扣除佣金、费用并减去追回）大于零的农户，按农户所在村计。"
    "户均收入 = 期间内结算记入农户账户的净额 ÷ 受益户数；人均收入 = 同一净额 ÷ 受益农户人口。"
)


def settlement_credit_postings() -> QuerySet[Posting]:
    """Every posting that counts towards a household's income (see the module docstring);
    the caller narrows it by time and village. Its amounts are ledger signs: a credit is
    negative, so a household's income is minus their sum."""
    return Posting.objects.filter(
        account__kind__in=[AccountKind.HOUSEHOLD, AccountKind.HOUSEHOLD_RECEIVABLE],
        transaction__kind__in=[JournalKind.SETTLEMENT, JournalKind.CLAWBACK],
    )


@dataclass(frozen=True)
class HouseholdCredit:
    """What settlements credited one household over a period, net of clawbacks."""

    household_id: int
    village_id: int
    members: int
    net_credited: Decimal

    @property
    def benefits(self) -> bool:
        return self.net_credited > 0


def household_credits(
    *, village_ids: Iterable[int], start: datetime, end: datetime
) -> list[HouseholdCredit]:
    """The households of `village_ids` the ledger moved money for in [start, end), read
    live from the postings. One statement, whatever the number of villages."""
    rows = (
        settlement_credit_postings()
        .filter(
            account__household__village_id__in=list(village_ids),
            transaction__posted_at__gte=start,
            transaction__posted_at__lt=end,
        )
        .values_list(
            "account__household_id",
            "account__household__village_id",
            "account__household__member_count",
        )
        .annotate(debited=Sum("amount"))
        .order_by()
    )
    return [
        HouseholdCredit(
            household_id=household_id,
            village_id=village_id,
            members=members,
            net_credited=-debited,
        )
        for household_id, village_id, members, debited in rows
    ]


def _per(amount: Decimal, count: int) -> Decimal | None:
    if not count:
        return None
    return (amount / count).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BenefitFigures:
    households_benefiting: int
    net_credited: Decimal
    members_benefiting: int

    @property
    def income_per_household(self) -> Decimal | None:
        """None when no household benefited: there is nothing to divide by."""
        return _per(self.net_credited, self.households_benefiting)

    @property
    def income_per_capita(self) -> Decimal | None:
        return _per(self.net_credited, self.members_benefiting)


def benefit_figures(credits: Iterable[HouseholdCredit]) -> BenefitFigures:
    """The definition's figures over `credits` (one entry per household)."""
    households = members = 0
    net = ZERO
    for credit in credits:
        net += credit.net_credited
        if credit.benefits:
            households += 1
            members += credit.members
    return BenefitFigures(
        households_benefiting=households,
        net_credited=net.quantize(CENT, rounding=ROUND_HALF_UP),
        members_benefiting=members,
    )


def benefit_figures_by_village(
    credits: Iterable[HouseholdCredit], *, village_ids: Iterable[int]
) -> dict[int, BenefitFigures]:
    """`benefit_figures` for each of `village_ids` (a village with no credit gets zeros)."""
    grouped: dict[int, list[HouseholdCredit]] = {v: [] for v in village_ids}
    for credit in credits:
        if credit.village_id in grouped:
            grouped[credit.village_id].append(credit)
    return {village_id: benefit_figures(rows) for village_id, rows in grouped.items()}
