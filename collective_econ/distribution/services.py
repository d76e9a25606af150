"""Computing a village's yearly distribution and moving it through its workflow.

`distribution_plan` applies the lawful order to the ledger's figures and the register;
it rounds each fund and investor part to the fen (half up), splits the members' part by
shares with the largest remainder (so members' parts add up to it exactly, each within a
fen of its exact share), and leaves whatever is not handed out as 年末未分配收益, so the
parts always sum to the distributable income exactly (a CHECK on the row says so too).

Workflow steps lock the distribution row, refuse a step that does not follow from its
status (INVALID_TRANSITION: approving twice is refused, not repeated) and record actor,
time and reason. Approval posts nothing; filing posts the DISTRIBUTION journal
transaction once (key "distribution:<pk>"), after running the plan again: figures that
moved since the draft are STALE_PLAN. Only closed years are distributed (YEAR_NOT_CLOSED).
Before filing there are two exits, both kept as history: the township returns an approved
distribution, the book-keeper cancels a draft or a returned one; either frees the year.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from collective_econ.distribution.selectors import (
    collective_net_income,
    opening_undistributed,
    year_fraction,
)
from collective_econ.error_codes import DistributionErrorCode
from collective_econ.ledger.selectors import account_balances
from collective_econ.ledger.services import (
    Leg,
    account_get_or_create,
    journal_post,
    lock_account_creation,
    parse_amount,
)
from collective_econ.models import (
    Account,
    AccountKind,
    AgreementKind,
    AllocationKind,
    Distribution,
    DistributionAllocation,
    DistributionEvent,
    DistributionStatus,
    JournalKind,
)
from collective_econ.models.distribution import LIVE_DISTRIBUTION_STATUSES
from collective_econ.settlement.services import split_by_weight
from collective_econ.shares.parsing import parse_percent
from collective_econ.shares.selectors import investor_agreements_in, share_register
from collective_econ.shares.services import check_keeps_books
from marketplace.accounts.permissions import can_file_for_village
from marketplace.core.errors import refuse
from marketplace.divisions.models import Village

if TYPE_CHECKING:
    from marketplace.accounts.models import User

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FIRST_YEAR = 2000


def _fen(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PlannedPart:
    kind: str
    amount: Decimal
    weight: Decimal = Decimal(0)
    member_id: int | None = None
    household_id: int | None = None
    investor_id: int | None = None


@dataclass(frozen=True)
class Plan:
    net_income: Decimal
    opening_undistributed: Decimal
    distributable: Decimal
    reserve_amount: Decimal
    welfare_amount: Decimal
    investor_amount: Decimal
    member_amount: Decimal
    closing_undistributed: Decimal
    parts: list[PlannedPart] = field(default_factory=list)


def members_split(*, amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`amount` over members by their shares: largest remainder, exact to the fen."""
    return split_by_weight(amount, weights)


def _investor_parts(*, village: Village, year: int, after_funds: Decimal) -> list[PlannedPart]:
    parts: dict[int, Decimal] = defaultdict(Decimal)
    for agreement in investor_agreements_in(
        village=village, start=date(year, 1, 1), end=date(year, 12, 31)
    ):
        share_of_year = year_fraction(
            year=year, valid_from=agreement.valid_from, valid_to=agreement.valid_to
        )
        base = (
            agreement.capital_amount
            if agreement.kind == AgreementKind.FIXED_RETURN
            else after_funds
        )
        parts[agreement.investor_id] += base * agreement.rate * share_of_year
    return [
        PlannedPart(
            kind=AllocationKind.INVESTOR,
            amount=_fen(exact),
            weight=_fen(exact),
            investor_id=investor_id,
        )
        for investor_id, exact in sorted(parts.items())
        if _fen(exact) > 0
    ]


def distribution_plan(
    *,
    village: Village,
    year: int,
    reserve_fund_percent: Decimal,
    welfare_fund_percent: Decimal,
    member_amount: Decimal | None,
    record_date: date,
) -> Plan:
    """The distribution the order of the law gives; refuses with a coded error when there
    is nothing to distribute, no member holds shares, or the parts asked for exceed it."""
    net = collective_net_income(village=village, year=year)
    opening = opening_undistributed(village=village, year=year)
    distributable = net + opening
    if distributable <= 0:
        raise refuse(
            "year",
            f"Nothing is distributable for {year}: income {net}, "
            f"carried from earlier years {opening} (losses are made up first).",
            DistributionErrorCode.NOTHING_TO_DISTRIBUTE,
        )
    reserve = _fen(distributable * reserve_fund_percent / 100)
    welfare = _fen(distributable * welfare_fund_percent / 100)
    after_funds = distributable - reserve - welfare
    investors = _investor_parts(village=village, year=year, after_funds=after_funds)
    investor_total = sum((p.amount for p in investors), ZERO)
    left = after_funds - investor_total
    if left < 0:
        raise refuse(
            "investors",
            f"Investors' agreements ask {investor_total}, more than the {after_funds} left "
            "after the funds.",
            DistributionErrorCode.EXCEEDS_DISTRIBUTABLE,
        )
    to_members = left if member_amount is None else member_amount
    if to_members > left:
        raise refuse(
            "member_amount",
            f"{to_members} to members is more than the {left} left after the funds and investors.",
            DistributionErrorCode.EXCEEDS_DISTRIBUTABLE,
        )
    holdings = share_register(village=village, on=record_date)
    if not holdings:
        raise refuse(
            "village",
            f"No member of the collective holds shares on {record_date}.",
            DistributionErrorCode.NO_MEMBERS,
        )
    amounts = members_split(amount=to_members, weights=[h.shares for h in holdings])
    members = [
        PlannedPart(
            kind=AllocationKind.MEMBER,
            amount=amount,
            weight=h.shares,
            member_id=h.member_id,
            household_id=h.household_id,
        )
        for h, amount in zip(holdings, amounts, strict=True)
    ]
    if reserve + welfare + investor_total + to_members <= 0:
        raise refuse(
            "member_amount",
            "This distribution hands nothing out.",
            DistributionErrorCode.NOTHING_TO_DISTRIBUTE,
        )
    funds = [
        PlannedPart(kind=AllocationKind.RESERVE_FUND, amount=reserve),
        PlannedPart(kind=AllocationKind.WELFARE_FUND, amount=welfare),
    ]
    return Plan(
        net_income=net,
        opening_undistributed=opening,
        distributable=distributable,
        reserve_amount=reserve,
        welfare_amount=welfare,
        investor_amount=investor_total,
        member_amount=to_members,
        closing_undistributed=left - to_members,
        parts=funds + investors + members,
    )


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise refuse("reason", "Say why (kept with the step).", DistributionErrorCode.INVALID)
    return text[:2000]


def _year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise refuse("year", f"{year!r} is not a year.", DistributionErrorCode.INVALID)
    if year < FIRST_YEAR:
        raise refuse(
            "year",
            f"{year} is before the books begin ({FIRST_YEAR}).",
            DistributionErrorCode.INVALID,
        )
    current = timezone.localdate().year
    if year >= current:
        # Income keeps arriving until 31 December: only a closed year's figures are final.
        raise refuse(
            "year",
            f"{year} is not closed yet: only years up to {current - 1} are distributed.",
            DistributionErrorCode.YEAR_NOT_CLOSED,
        )
    return year


@transaction.atomic
def distribution_create(
    *,
    actor: User | None,
    village: Village,
    year: Any,
    reserve_fund_percent: Any,
    welfare_fund_percent: Any,
    member_amount: Any = None,
    record_date: date | None = None,
    reason: str,
) -> Distribution:
    """A DRAFT distribution of `village`'s `year`, its parts computed and frozen."""
    check_keeps_books(actor=actor, village=village)
    the_year = _year(year)
    reserve_pct = parse_percent(reserve_fund_percent, field="reserve_fund_percent")
    welfare_pct = parse_percent(welfare_fund_percent, field="welfare_fund_percent")
    if reserve_pct + welfare_pct > 100:
        raise refuse(
            "welfare_fund_percent",
            f"The reserve fund ({reserve_pct}%) and welfare fund ({welfare_pct}%) add up to "
            "more than 100%.",
            DistributionErrorCode.INVALID_PERCENT,
        )
    to_members = None
    if member_amount is not None:
        to_members = parse_amount(member_amount, field="member_amount")
        if to_members < 0:
            raise refuse(
                "member_amount",
                "The members' part cannot be negative.",
                DistributionErrorCode.INVALID_AMOUNT,
            )
    on = record_date or date(the_year, 12, 31)
    why = _reason(reason)
    if Distribution.objects.filter(
        village=village, year=the_year, status__in=LIVE_DISTRIBUTION_STATUSES
    ).exists():
        raise refuse(
            "year",
            f"{village} already has a distribution for {the_year}.",
            DistributionErrorCode.ALREADY_EXISTS,
        )
    plan = distribution_plan(
        village=village,
        year=the_year,
        reserve_fund_percent=reserve_pct,
        welfare_fund_percent=welfare_pct,
        member_amount=to_members,
        record_date=on,
    )
    try:
        with transaction.atomic():
            distribution = Distribution.objects.create(
                village=village,
                year=the_year,
                record_date=on,
                reserve_fund_percent=reserve_pct,
                welfare_fund_percent=welfare_pct,
                net_income=plan.net_income,
                opening_undistributed=plan.opening_undistributed,
                distributable=plan.distributable,
                reserve_amount=plan.reserve_amount,
                welfare_amount=plan.welfare_amount,
                investor_amount=plan.investor_amount,
                member_amount=plan.member_amount,
                closing_undistributed=plan.closing_undistributed,
                created_by=actor,
            )
    except IntegrityError:
        raise refuse(
            "year",
            f"{village} already has a distribution for {the_year}.",
            DistributionErrorCode.ALREADY_EXISTS,
        ) from None
    DistributionAllocation.objects.bulk_create(
        DistributionAllocation(
            distribution=distribution,
            kind=part.kind,
            amount=part.amount,
            weight=part.weight,
            member_id=part.member_id,
            investor_id=part.investor_id,
        )
        for part in plan.parts
    )
    _event(distribution, action="create", from_status="", actor=actor, reason=why)
    return distribution


def _event(
    distribution: Distribution, *, action: str, from_status: str, actor: User | None, reason: str
) -> None:
    DistributionEvent.objects.create(
        distribution=distribution,
        action=action,
        from_status=from_status,
        to_status=distribution.status,
        actor=actor,
        reason=reason,
    )


def _locked(distribution: Distribution, *, expected: str, step: str) -> Distribution:
    row = Distribution.objects.select_for_update().select_related("village").get(pk=distribution.pk)
    if row.status != expected:
        raise refuse(
            "id",
            f"Cannot {step} a distribution that is {row.get_status_display().lower()} "
            f"(it must be {DistributionStatus(expected).label.lower()}).",
            DistributionErrorCode.INVALID_TRANSITION,
        )
    return row


@transaction.atomic
def distribution_approve(
    *,
    actor: User | None,
    distribution: Distribution,
    assembly_date: date,
    attendance: Any,
    resolution: str,
    reason: str = "",
) -> Distribution:
    """Record the members' assembly that approved the draft. Posts nothing."""
    check_keeps_books(actor=actor, village=distribution.village)
    if isinstance(attendance, bool) or not isinstance(attendance, int) or attendance < 1:
        raise refuse(
            "attendance", "How many members attended (at least one)?", DistributionErrorCode.INVALID
        )
    text = (resolution or "").strip()
    if not text:
        raise refuse(
            "resolution", "The assembly's resolution is required.", DistributionErrorCode.INVALID
        )
    if assembly_date > timezone.localdate():
        raise refuse(
            "assembly_date", "The assembly cannot be in the future.", DistributionErrorCode.INVALID
        )
    row = _locked(distribution, expected=DistributionStatus.DRAFT, step="approve")
    row.status = DistributionStatus.APPROVED
    row.assembly_date = assembly_date
    row.assembly_attendance = attendance
    row.assembly_resolution = text[:4000]
    row.save(
        update_fields=["status", "assembly_date", "assembly_attendance", "assembly_resolution"]
    )
    _event(
        row,
        action="approve",
        from_status=DistributionStatus.DRAFT,
        actor=actor,
        reason=(reason or "").strip() or f"Members' assembly of {assembly_date}",
    )
    return row


def distribution_legs(distribution: Distribution) -> list[Leg]:
    """Dr the collective's income; Cr the funds, each investor's INVESTOR account and each
    member household's MEMBER account."""
    village = distribution.village
    total = (
        distribution.reserve_amount
        + distribution.welfare_amount
        + distribution.investor_amount
        + distribution.member_amount
    )
    legs = [
        Leg(account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village), total),
        Leg(
            account_get_or_create(kind=AccountKind.RESERVE_FUND, owner=village),
            -distribution.reserve_amount,
        ),
        Leg(
            account_get_or_create(kind=AccountKind.WELFARE_FUND, owner=village),
            -distribution.welfare_amount,
        ),
    ]
    for kind, owner_path, owner_field in (
        (AllocationKind.INVESTOR, "investor_id", "investor_id"),
        (AllocationKind.MEMBER, "member__household_id", "household_id"),
    ):
        per_owner: dict[int, Decimal] = defaultdict(Decimal)
        for owner_id, amount in distribution.allocations.filter(kind=kind).values_list(
            owner_path, "amount"
        ):
            per_owner[owner_id] += amount
        accounts = owned_accounts(
            kind=AccountKind(kind), owner_field=owner_field, owner_ids=list(per_owner)
        )
        for owner_id, amount in sorted(per_owner.items()):
            legs.append(Leg(accounts[owner_id], -amount))
    return [leg for leg in legs if leg.amount != 0]


def owned_accounts(
    *, kind: AccountKind, owner_field: str, owner_ids: list[int]
) -> dict[int, Account]:
    """Each owner's account of `kind` (MEMBER by household_id, INVESTOR by investor_id),
    created where missing, in a fixed number of queries however many owners there are."""
    wanted = set(owner_ids)
    found = {
        getattr(a, owner_field): a
        for a in Account.objects.filter(kind=kind, **{f"{owner_field}__in": wanted})
    }
    missing = wanted - set(found)
    if missing:
        # A concurrent creator may win one of them: its row stands (partial UNIQUE index).
        lock_account_creation()
        Account.objects.bulk_create(
            [Account(kind=kind, **{owner_field: pk}) for pk in sorted(missing)],
            ignore_conflicts=True,
        )
        for account in Account.objects.filter(kind=kind, **{f"{owner_field}__in": missing}):
            found[getattr(account, owner_field)] = account
    return found


def member_accounts(*, household_ids: list[int]) -> dict[int, Account]:
    """Each household's MEMBER account, created where missing."""
    return owned_accounts(
        kind=AccountKind.MEMBER, owner_field="household_id", owner_ids=household_ids
    )


@transaction.atomic
def distribution_file(
    *, actor: User | None, distribution: Distribution, reason: str
) -> Distribution:
    """The township reviewed and files the approved distribution: its journal
    transaction is posted now, once."""
    if not can_file_for_village(user=actor, village=distribution.village):
        raise refuse(
            None,
            "Only an officer of the village's township (or a platform admin) "
            "files its distribution.",
            DistributionErrorCode.NOT_PERMITTED,
        )
    why = _reason(reason)
    row = _locked(distribution, expected=DistributionStatus.APPROVED, step="file")
    check_plan_still_holds(row)
    entry, _ = journal_post(
        kind=JournalKind.DISTRIBUTION,
        idempotency_key=f"distribution:{row.pk}",
        legs=distribution_legs(row),
        memo=f"Distribution {row.year} of {row.village}",
        actor=actor,
    )
    row.status = DistributionStatus.FILED
    row.journal_transaction = entry
    row.save(update_fields=["status", "journal_transaction"])
    _event(row, action="file", from_status=DistributionStatus.APPROVED, actor=actor, reason=why)
    return row


_Part = tuple[str, int | None, int | None, Decimal]


def _in_order(parts: list[_Part]) -> list[_Part]:
    return sorted(parts, key=lambda part: (part[0], part[1] or 0, part[2] or 0))


def check_plan_still_holds(distribution: Distribution) -> None:
    """Filing posts the amounts frozen at drafting; refuse (STALE_PLAN) when the plan run
    again today, with the same percentages and members' amount, would give other figures:
    income or clawbacks posted to the year since, an earlier year filed, the register or
    an agreement changed. The assembly approved those figures, not new ones."""
    try:
        plan = distribution_plan(
            village=distribution.village,
            year=distribution.year,
            reserve_fund_percent=distribution.reserve_fund_percent,
            welfare_fund_percent=distribution.welfare_fund_percent,
            member_amount=distribution.member_amount,
            record_date=distribution.record_date,
        )
    except ValidationError as error:
        raise refuse(
            "id",
            "The books no longer allow this distribution (" + " ".join(error.messages) + "); "
            "return it so the village drafts it again.",
            DistributionErrorCode.STALE_PLAN,
        ) from None
    if plan.distributable != distribution.distributable:
        raise refuse(
            "id",
            f"The distributable income of {distribution.year} is now {plan.distributable}, "
            f"not the {distribution.distributable} approved; return it so the village "
            "drafts it again.",
            DistributionErrorCode.STALE_PLAN,
        )
    planned: list[_Part] = [
        (part.kind, part.member_id, part.investor_id, part.amount) for part in plan.parts
    ]
    stored: list[_Part] = [
        (kind, member_id, investor_id, amount)
        for kind, member_id, investor_id, amount in distribution.allocations.values_list(
            "kind", "member_id", "investor_id", "amount"
        )
    ]
    if _in_order(planned) != _in_order(stored):
        raise refuse(
            "id",
            "The share register or an investor's agreement changed since the draft: its "
            "parts no longer match; return it so the village drafts it again.",
            DistributionErrorCode.STALE_PLAN,
        )


def unpaid_member_households(distribution: Distribution) -> list[int]:
    """Households of this distribution whose MEMBER account still owes them money."""
    household_ids = set(
        distribution.allocations.filter(kind=AllocationKind.MEMBER, amount__gt=0).values_list(
            "member__household_id", flat=True
        )
    )
    accounts = [
        account for _, account in sorted(member_accounts(household_ids=list(household_ids)).items())
    ]
    balances = account_balances(accounts=accounts)
    return [a.household_id for a in accounts if a.household_id and balances[a.pk] < 0]


@transaction.atomic
def distribution_pay(
    *, actor: User | None, distribution: Distribution, reason: str
) -> Distribution:
    """Record that the filed distribution is paid: every member's part has gone out (by
    payouts), else PAYOUTS_OUTSTANDING names how many households still wait."""
    check_keeps_books(actor=actor, village=distribution.village)
    why = _reason(reason)
    row = _locked(distribution, expected=DistributionStatus.FILED, step="mark paid")
    waiting = unpaid_member_households(row)
    if waiting:
        raise refuse(
            "id",
            f"{len(waiting)} member household(s) have not been paid their part yet.",
            DistributionErrorCode.PAYOUTS_OUTSTANDING,
        )
    row.status = DistributionStatus.PAID
    row.save(update_fields=["status"])
    _event(row, action="pay", from_status=DistributionStatus.FILED, actor=actor, reason=why)
    return row


@transaction.atomic
def distribution_return(
    *, actor: User | None, distribution: Distribution, reason: str
) -> Distribution:
    """The township's reviewer sends an approved distribution back (say why). It is kept
    as RETURNED, posts nothing, and no longer holds the village's year, so the
    book-keeper may draft the year again with corrected figures."""
    if not can_file_for_village(user=actor, village=distribution.village):
        raise refuse(
            None,
            "Only an officer of the village's township (or a platform admin) "
            "returns its distribution.",
            DistributionErrorCode.NOT_PERMITTED,
        )
    why = _reason(reason)
    row = _locked(distribution, expected=DistributionStatus.APPROVED, step="return")
    return _move(row, to=DistributionStatus.RETURNED, action="return", actor=actor, reason=why)


@transaction.atomic
def distribution_cancel(
    *, actor: User | None, distribution: Distribution, reason: str
) -> Distribution:
    """The village's book-keeper discards a draft or a returned distribution (say why).
    It is kept as CANCELLED; nothing was posted, so nothing is reversed."""
    check_keeps_books(actor=actor, village=distribution.village)
    why = _reason(reason)
    row = Distribution.objects.select_for_update().select_related("village").get(pk=distribution.pk)
    cancellable = (DistributionStatus.DRAFT, DistributionStatus.RETURNED)
    if row.status not in cancellable:
        raise refuse(
            "id",
            f"Cannot cancel a distribution that is {row.get_status_display().lower()} "
            "(only a draft or a returned one is cancelled).",
            DistributionErrorCode.INVALID_TRANSITION,
        )
    return _move(row, to=DistributionStatus.CANCELLED, action="cancel", actor=actor, reason=why)


def _move(
    row: Distribution, *, to: str, action: str, actor: User | None, reason: str
) -> Distribution:
    """A step that only changes the (locked) row's status, recorded as its event."""
    from_status = row.status
    row.status = to
    row.save(update_fields=["status"])
    _event(row, action=action, from_status=from_status, actor=actor, reason=reason)
    return row
