"""The collective-economy part of the demo: a settled year and one distribution, filed
and paid.

The demo's sold lines are settled with `order_line_settle` as of the end of their refund
window (the demo orders are fresh, and nobody will refund them in a demo), with their
postings dated on the last day of last year: only a closed year is distributed, so the
demo's distribution is last year's. Every household of the village with
the most collective income joins its collective (shares = household members), a tea
company invests on a fixed 5% return, and the year's distribution goes through the whole
workflow: the shop manager drafts it and records the members' assembly, the township
officer files it, and each member household is paid its part in cash at the Red
Supermarket against a receipt. Every step looks for what is already there first, so a
rerun adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from collective_econ.distribution import services as distribution
from collective_econ.distribution.selectors import year_bounds
from collective_econ.ledger.selectors import account_balance
from collective_econ.ledger.services import account_get_or_create, journal_entry_manual
from collective_econ.models import (
    AccountKind,
    AgreementKind,
    CollectiveMember,
    Distribution,
    DistributionStatus,
    JournalKind,
    MemberShare,
    Payout,
    PayoutMethod,
    Posting,
)
from collective_econ.models.distribution import LIVE_DISTRIBUTION_STATUSES
from collective_econ.payouts.services import payout_create
from collective_econ.settlement.selectors import lines_due
from collective_econ.settlement.services import order_line_settle
from collective_econ.shares import services as shares
from marketplace.accounts.models import Role, RoleAssignment, User
from marketplace.agency.ledger import till_balance
from marketplace.divisions.models import Village
from marketplace.orders.models import Order, OrderChargeStatus
from marketplace.organisations.models import Household
from marketplace.payments.models import (
    GatewayId,
    PaymentMethod,
    TransactionItem,
    TransactionStatus,
)
from marketplace.red_supermarket.counter.ledger import till_cash_since
from marketplace.red_supermarket.counter.selectors import till_shift_open_at
from marketplace.red_supermarket.counter.services import till_shift_close, till_shift_open
from marketplace.red_supermarket.models import RedSupermarket

INVESTOR_NAME = "临沧冰岛茶业有限公司"
REASON = "演示数据 / demo data"


def _record_demo_charges() -> None:
    """The logistics demo marks its orders charged on the checkout without a payment
    attempt; settlement needs to know where the buyer's money sits, so each such order
    gets the demo gateway's charged transaction (the gateway that stands in for Alipay
    and moves no money)."""
    charged = TransactionItem.objects.filter(status=TransactionStatus.CHARGED).values("order_id")
    for order in Order.objects.filter(charge_status=OrderChargeStatus.FULL).exclude(pk__in=charged):
        TransactionItem.objects.get_or_create(
            psp_reference=f"DEMO-{order.pk.hex[:24]}",
            defaults={
                "gateway_id": GatewayId.DEMO,
                "method": PaymentMethod.DEMO,
                "status": TransactionStatus.CHARGED,
                "order": order,
                "amount": order.total_amount,
                "charged_amount": order.total_amount,
            },
        )


def demo_year() -> int:
    """The year the demo distributes: the last closed one."""
    return timezone.localdate().year - 1


def settle_demo_year() -> int:
    """Settle every sold line that will be due once its refund window has passed, posted
    on the last day of the demo year. Returns how many were settled now (0 on a rerun)."""
    _record_demo_charges()
    later = timezone.now() + timedelta(days=settings.SETTLEMENT_REFUND_WINDOW_DAYS + 1)
    year_end = datetime(demo_year(), 12, 31, 18, tzinfo=timezone.get_default_timezone())
    settled = 0
    for line in lines_due(now=later).order_by("pk"):
        try:
            # Posted rows can never be changed, so the posting time is set by the clock.
            with (
                transaction.atomic(),
                mock.patch("django.utils.timezone.now", return_value=year_end),
            ):
                _, created = order_line_settle(line=line, now=later)
        except ValidationError:
            # Not payable yet (e.g. a demo order still waiting for its payment).
            continue
        settled += created
    return settled


def _richest_village(year: int) -> Village | None:
    # Earned, not what is left: after the distribution the richest village has spent its
    # income, and a rerun must pick the same village again.
    start, end = year_bounds(year)
    row = (
        Posting.objects.filter(
            account__kind=AccountKind.VILLAGE_COLLECTIVE,
            transaction__posted_at__gte=start,
            transaction__posted_at__lt=end,
        )
        .exclude(transaction__kind=JournalKind.DISTRIBUTION)
        .values("account__village")
        .annotate(total=Sum("amount"))
        .order_by("total")
        .first()
    )
    if row is None or row["total"] >= 0:
        return None
    return Village.objects.get(pk=row["account__village"])


def _manager_of(village: Village, fallback: User) -> User:
    assignment = (
        RoleAssignment.objects.filter(role=Role.SHOP_MANAGER, shop__village=village)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return assignment.user if assignment else fallback


def _officer_of(village: Village, fallback: User) -> User:
    assignment = (
        RoleAssignment.objects.filter(role=Role.TOWNSHIP_OFFICER, township=village.township_id)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return assignment.user if assignment else fallback


def load_register(*, village: Village, manager: User, year: int) -> None:
    for household in Household.objects.filter(village=village).order_by("pk"):
        member = shares.collective_member_register(
            actor=manager, household=household, reason=REASON
        )
        if not MemberShare.objects.filter(member=member).exists():
            shares.member_shares_set(
                actor=manager,
                member=member,
                shares=household.member_count,
                valid_from=date(year, 1, 1),
                reason=REASON,
            )
    investor = shares.investor_register(
        actor=manager, village=village, name=INVESTOR_NAME, reason=REASON
    )
    if not investor.agreements.exists():
        shares.investor_agreement_set(
            actor=manager,
            investor=investor,
            kind=AgreementKind.FIXED_RETURN,
            capital_amount="20000.00",
            rate="0.05",
            valid_from=date(year, 1, 1),
            reason=REASON,
        )


def load_distribution(*, village: Village, manager: User, officer: User, year: int) -> Distribution:
    row = Distribution.objects.filter(
        village=village, year=year, status__in=LIVE_DISTRIBUTION_STATUSES
    ).first()
    if row is None:
        row = distribution.distribution_create(
            actor=manager,
            village=village,
            year=year,
            reserve_fund_percent="10",
            welfare_fund_percent="5",
            reason=REASON,
        )
    if row.status == DistributionStatus.DRAFT:
        row = distribution.distribution_approve(
            actor=manager,
            distribution=row,
            assembly_date=timezone.localdate(),
            attendance=CollectiveMember.objects.filter(village=village).count(),
            resolution="成员大会表决通过本年度收益分配方案（演示）。",
        )
    if row.status == DistributionStatus.APPROVED:
        row = distribution.distribution_file(actor=officer, distribution=row, reason=REASON)
    if row.status == DistributionStatus.FILED:
        _bring_cash_to_the_till(village, manager, row)
        with _till_shift_for_payouts(village, manager):
            for household_id in distribution.unpaid_member_households(row):
                household = Household.objects.get(pk=household_id)
                request_id = f"demo-distribution-{row.pk}-{household.pk}"
                if Payout.objects.filter(request_id=request_id).exists():
                    continue
                owed = -account_balance(
                    account=account_get_or_create(kind=AccountKind.MEMBER, owner=household)
                )
                if owed <= Decimal("0.00"):
                    continue
                _pay_in_cash(village, manager, household, owed, request_id)
        row = distribution.distribution_pay(actor=manager, distribution=row, reason=REASON)
    return row


@contextmanager
def _till_shift_for_payouts(village: Village, manager: User) -> Iterator[None]:
    """Cash is paid out only during an open till shift. The shift the counter demo left
    open is used as it is; otherwise one is opened (no float: the cash was brought from
    the bank) by an operator of the supermarket, and closed after the payouts counting
    exactly what the ledger expects, so it closes with no variance."""
    supermarket = RedSupermarket.objects.filter(shop__village=village).order_by("pk").first()
    if supermarket is None or till_shift_open_at(supermarket=supermarket) is not None:
        yield
        return
    assignment = (
        RoleAssignment.objects.filter(role=Role.SUPERMARKET_OPERATOR, shop=supermarket.shop)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if assignment is not None:
        operator = assignment.user
    else:
        # A village without a counter clerk: its shop manager works the till.
        RoleAssignment.objects.get_or_create(
            user=manager, role=Role.SUPERMARKET_OPERATOR, shop=supermarket.shop
        )
        operator = manager
    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="0.00")
    yield
    expected = till_cash_since(village=village, since=shift.opened_at)
    till_shift_close(shift=shift, operator=operator, counted_amount=expected)


def _bring_cash_to_the_till(village: Village, manager: User, row: Distribution) -> None:
    """Cash payouts are refused beyond what the Red Supermarket's till holds, so before
    paying its members the village draws the missing cash from its Alipay settlement
    balance into the till (once per distribution: the entry's key is its own)."""
    supermarket = RedSupermarket.objects.filter(shop__village=village).order_by("pk").first()
    if supermarket is None:
        return
    owed = -sum(
        (
            account_balance(account=account_get_or_create(kind=AccountKind.MEMBER, owner=h))
            for h in Household.objects.filter(pk__in=distribution.unpaid_member_households(row))
        ),
        Decimal("0.00"),
    )
    short = owed - till_balance(supermarket=supermarket)
    if short <= 0:
        return
    till = account_get_or_create(kind=AccountKind.CASH_TILL, owner=village)
    clearing = account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    journal_entry_manual(
        idempotency_key=f"demo-till-cash:{row.pk}",
        postings=[(till, short), (clearing, -short)],
        memo="提现备付 cash drawn into the till for the distribution (demo)",
        actor=manager,
    )


def _pay_in_cash(
    village: Village, manager: User, household: Household, owed: Decimal, request_id: str
) -> None:
    payout_create(
        actor=manager,
        village=village,
        household=household,
        account_kind="MEMBER",
        amount=owed,
        method=PayoutMethod.CASH,
        request_id=request_id,
        receipt_number=f"HS-{household.reference}-{request_id.rsplit('-', 2)[1]}",
        memo="收益分配 现金发放（演示）",
    )


def load(*, admin: User) -> Distribution | None:
    """The settled year and its distribution; None when no village earned anything."""
    settle_demo_year()
    year = demo_year()
    village = _richest_village(year)
    if village is None or not Household.objects.filter(village=village).exists():
        return None
    manager = _manager_of(village, admin)
    load_register(village=village, manager=manager, year=year)
    return load_distribution(
        village=village, manager=manager, officer=_officer_of(village, admin), year=year
    )


__all__ = ["INVESTOR_NAME", "load", "settle_demo_year"]
