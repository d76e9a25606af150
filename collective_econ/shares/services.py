"""Writing the share register. Each change locks the member (or investor) row, so two
clerks changing the same member queue up and the no-overlap check sees committed periods
only; it then closes or opens periods and records who did it and why.

Changing shares "from a day on" closes the open period the day falls in and opens a new
one; any other overlap is refused (OVERLAPPING_PERIOD). Zero shares from a day on ends
membership of the register from that day.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model, Q

from collective_econ.error_codes import DistributionErrorCode
from collective_econ.ledger.services import parse_amount
from collective_econ.models import (
    AgreementKind,
    CollectiveMember,
    Distribution,
    Investor,
    InvestorAgreement,
    MemberShare,
    ShareRegisterChange,
)
from collective_econ.shares.parsing import parse_rate, parse_shares
from collective_econ.shares.selectors import register_closed_through
from marketplace.accounts.permissions import can_keep_village_books
from marketplace.core.errors import refuse
from marketplace.divisions.models import Village
from marketplace.organisations.models import Household

if TYPE_CHECKING:
    from marketplace.accounts.models import User


def check_keeps_books(*, actor: User | None, village: Village) -> None:
    if not can_keep_village_books(user=actor, village=village):
        raise refuse(
            None,
            "Only the village's shop manager or a platform admin keeps its collective's books.",
            DistributionErrorCode.NOT_PERMITTED,
        )


def check_register_open(*, village: Village, valid_from: date) -> None:
    """Refuse a change from a day an approved (or filed, or paid) distribution has read:
    its parts were computed from the register as it stood, and rewriting that would leave
    the books disagreeing with the register."""
    # Lock the village's distributions (a handful: one a year): an approval in flight
    # commits before this reads their statuses, or waits for this change to commit.
    list(Distribution.objects.filter(village=village).select_for_update().values_list("pk"))
    closed = register_closed_through(village=village)
    if closed is not None and valid_from <= closed:
        raise refuse(
            "valid_from",
            f"The register is closed through {closed} (an approved distribution read it); "
            "make the change from a later day.",
            DistributionErrorCode.PERIOD_CLOSED,
        )


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise refuse(
            "reason", "Say why (kept in the register's history).", DistributionErrorCode.INVALID
        )
    return text[:2000]


def _period_snapshot(row: MemberShare | InvestorAgreement) -> dict[str, Any]:
    data: dict[str, Any] = {
        "valid_from": row.valid_from.isoformat(),
        "valid_to": row.valid_to.isoformat() if row.valid_to else None,
    }
    if isinstance(row, MemberShare):
        data["shares"] = str(row.shares)
    else:
        data.update(kind=row.kind, rate=str(row.rate), capital_amount=str(row.capital_amount))
    return data


def _record(
    *,
    village: Village,
    entity: str,
    entity_id: int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
    actor: User | None,
) -> None:
    ShareRegisterChange.objects.create(
        village=village,
        entity=entity,
        entity_id=entity_id,
        action=action,
        before=before,
        after=after,
        reason=reason,
        actor=actor,
    )


def _make_room(
    periods: Any,
    *,
    valid_from: date,
    valid_to: date | None,
    village: Village,
    entity: str,
    reason: str,
    actor: User | None,
) -> None:
    """Close the open period that `valid_from` falls inside (when the new period is open
    too); refuse any other overlap. `periods` is the locked owner's period queryset."""
    if valid_to is not None and valid_to <= valid_from:
        raise refuse(
            "valid_to", "The period must end after it starts.", DistributionErrorCode.INVALID_PERIOD
        )
    overlapping = list(
        periods.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from)).order_by("valid_from")
    )
    if valid_to is not None:
        overlapping = [p for p in overlapping if p.valid_from < valid_to]
    for period in overlapping:
        if period.valid_from < valid_from and period.valid_to is None and valid_to is None:
            before = _period_snapshot(period)
            period.valid_to = valid_from
            period.save(update_fields=["valid_to"])
            _record(
                village=village,
                entity=entity,
                entity_id=period.pk,
                action="CLOSE",
                before=before,
                after=_period_snapshot(period),
                reason=reason,
                actor=actor,
            )
            continue
        raise refuse(
            "valid_from",
            f"The period overlaps the one from {period.valid_from} to {period.valid_to or 'open'}.",
            DistributionErrorCode.OVERLAPPING_PERIOD,
        )


def _lock(row: Model) -> None:
    type(row)._default_manager.select_for_update().filter(pk=row.pk).first()


@transaction.atomic
def collective_member_register(
    *, actor: User | None, household: Household, person_name: str = "", reason: str
) -> CollectiveMember:
    """The household (or one person in it) as a member of its village's collective; an
    existing member is returned unchanged."""
    village = Village.objects.get(pk=household.village_id)
    check_keeps_books(actor=actor, village=village)
    why = _reason(reason)
    name = (person_name or "").strip()[:32]
    member, created = CollectiveMember.objects.get_or_create(
        household=household, person_name=name, defaults={"village": village}
    )
    if created:
        _record(
            village=village,
            entity="MEMBER",
            entity_id=member.pk,
            action="ADD",
            before=None,
            after={"household": household.pk, "person_name": name},
            reason=why,
            actor=actor,
        )
    return member


@transaction.atomic
def member_shares_set(
    *,
    actor: User | None,
    member: CollectiveMember,
    shares: Any,
    valid_from: date,
    valid_to: date | None = None,
    reason: str,
) -> MemberShare | None:
    """`member` holds `shares` from `valid_from` (to `valid_to`, or open). Zero shares
    from a day on: the open period ends that day, and None is returned."""
    village = Village.objects.get(pk=member.village_id)
    check_keeps_books(actor=actor, village=village)
    why = _reason(reason)
    count = parse_shares(shares)
    check_register_open(village=village, valid_from=valid_from)
    _lock(member)
    periods = MemberShare.objects.filter(member=member)
    if count == 0:
        if valid_to is not None:
            raise refuse(
                "shares",
                "Zero shares ends the open period; give no end.",
                DistributionErrorCode.INVALID_AMOUNT,
            )
        _make_room(
            periods,
            valid_from=valid_from,
            valid_to=None,
            village=village,
            entity="MEMBER_SHARE",
            reason=why,
            actor=actor,
        )
        return None
    _make_room(
        periods,
        valid_from=valid_from,
        valid_to=valid_to,
        village=village,
        entity="MEMBER_SHARE",
        reason=why,
        actor=actor,
    )
    row = MemberShare.objects.create(
        member=member, shares=count, valid_from=valid_from, valid_to=valid_to
    )
    _record(
        village=village,
        entity="MEMBER_SHARE",
        entity_id=row.pk,
        action="OPEN",
        before=None,
        after=_period_snapshot(row),
        reason=why,
        actor=actor,
    )
    return row


@transaction.atomic
def household_shares_set(
    *,
    actor: User | None,
    village: Village,
    household: Household,
    person_name: str = "",
    shares: Any,
    valid_from: date,
    valid_to: date | None = None,
    reason: str,
) -> tuple[CollectiveMember, MemberShare | None]:
    """The household (or one person in it) holds `shares` in `village`'s collective from
    `valid_from`, registered as a member first when it is not one yet. One transaction: a
    refused share change leaves no new member behind."""
    check_keeps_books(actor=actor, village=village)
    if household.village_id != village.pk:
        raise refuse(
            "household",
            "That household is not of this village.",
            DistributionErrorCode.WRONG_VILLAGE,
        )
    member = collective_member_register(
        actor=actor, household=household, person_name=person_name, reason=reason
    )
    row = member_shares_set(
        actor=actor,
        member=member,
        shares=shares,
        valid_from=valid_from,
        valid_to=valid_to,
        reason=reason,
    )
    return member, row


@transaction.atomic
def investor_register(*, actor: User | None, village: Village, name: str, reason: str) -> Investor:
    check_keeps_books(actor=actor, village=village)
    why = _reason(reason)
    clean = (name or "").strip()[:128]
    if not clean:
        raise refuse("name", "An investor needs a name.", DistributionErrorCode.INVALID)
    investor, created = Investor.objects.get_or_create(village=village, name=clean)
    if created:
        _record(
            village=village,
            entity="INVESTOR",
            entity_id=investor.pk,
            action="ADD",
            before=None,
            after={"name": clean},
            reason=why,
            actor=actor,
        )
    return investor


@transaction.atomic
def investor_agreement_set(
    *,
    actor: User | None,
    investor: Investor,
    kind: str,
    capital_amount: Any,
    rate: Any,
    valid_from: date,
    valid_to: date | None = None,
    reason: str,
) -> InvestorAgreement:
    """The investor's agreement from `valid_from`: a fixed yearly `rate` on the capital,
    or `rate` of the profit left after the funds. Replaces the open agreement from then."""
    village = Village.objects.get(pk=investor.village_id)
    check_keeps_books(actor=actor, village=village)
    why = _reason(reason)
    if kind not in AgreementKind.values:
        raise refuse("kind", f"{kind!r} is not an agreement kind.", DistributionErrorCode.INVALID)
    capital = parse_amount(capital_amount, field="capital_amount")
    if capital < 0:
        raise refuse(
            "capital_amount", "Capital cannot be negative.", DistributionErrorCode.INVALID_AMOUNT
        )
    fraction = parse_rate(rate)
    check_register_open(village=village, valid_from=valid_from)
    _lock(investor)
    _make_room(
        InvestorAgreement.objects.filter(investor=investor),
        valid_from=valid_from,
        valid_to=valid_to,
        village=village,
        entity="INVESTOR_AGREEMENT",
        reason=why,
        actor=actor,
    )
    row = InvestorAgreement.objects.create(
        investor=investor,
        kind=kind,
        capital_amount=capital,
        rate=fraction,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    _record(
        village=village,
        entity="INVESTOR_AGREEMENT",
        entity_id=row.pk,
        action="OPEN",
        before=None,
        after=_period_snapshot(row),
        reason=why,
        actor=actor,
    )
    return row
