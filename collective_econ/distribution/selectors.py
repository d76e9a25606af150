"""The ledger figures a distribution starts from, per village and year."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone

from collective_econ.ledger.selectors import period_close_latest
from collective_econ.models import (
    AccountKind,
    BalanceSnapshot,
    Distribution,
    DistributionStatus,
    JournalKind,
    Posting,
)
from marketplace.divisions.models import Village

ZERO = Decimal("0.00")


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The accounting year in the project's time zone (Beijing time)."""
    tz = timezone.get_default_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def _collective_credits(*, village: Village, since: datetime | None, until: datetime) -> Decimal:
    """Credits less debits on the collective's income account in [since, until), leaving
    out distributions themselves (they spend income, they do not lose it)."""
    postings = Posting.objects.filter(
        account__kind=AccountKind.VILLAGE_COLLECTIVE,
        account__village=village,
        transaction__posted_at__lt=until,
    ).exclude(transaction__kind=JournalKind.DISTRIBUTION)
    if since is not None:
        postings = postings.filter(transaction__posted_at__gte=since)
    total = postings.aggregate(t=Sum("amount"))["t"]
    return -(total or ZERO)


def _collective_credits_before(*, village: Village, until: datetime) -> Decimal:
    """`_collective_credits` over all history before `until`, read from the latest
    period close at or before it (its snapshot, distributions left out by their journal
    kind) plus the postings from that close's end: closed history is not summed again."""
    close = period_close_latest(at_or_before=until)
    if close is None:
        return _collective_credits(village=village, since=None, until=until)
    snapshot = (
        BalanceSnapshot.objects.filter(
            period_close=close,
            account__kind=AccountKind.VILLAGE_COLLECTIVE,
            account__village=village,
            currency="CNY",
        )
        .exclude(journal_kind=JournalKind.DISTRIBUTION)
        .aggregate(t=Sum("balance"))["t"]
    )
    return -(snapshot or ZERO) + _collective_credits(
        village=village, since=close.period_end, until=until
    )


def collective_net_income(*, village: Village, year: int) -> Decimal:
    """本年收益: the collective's net income in `year` (negative: a loss)."""
    start, end = year_bounds(year)
    return _collective_credits(village=village, since=start, until=end)


def opening_undistributed(*, village: Village, year: int) -> Decimal:
    """年初未分配收益: everything earned before `year` less what filed distributions of
    earlier years handed out. Negative: losses not yet made up."""
    start, _ = year_bounds(year)
    earned = _collective_credits_before(village=village, until=start)
    handed_out = Distribution.objects.filter(
        village=village,
        year__lt=year,
        status__in=[DistributionStatus.FILED, DistributionStatus.PAID],
    ).aggregate(
        t=Sum("reserve_amount")
        + Sum("welfare_amount")
        + Sum("investor_amount")
        + Sum("member_amount")
    )["t"]
    return earned - (handed_out or ZERO)


def year_fraction(*, year: int, valid_from: date, valid_to: date | None) -> Decimal:
    """The part of `year` a period [valid_from, valid_to) covers, in days."""
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    start = max(first, valid_from)
    end = min(after, valid_to) if valid_to else after
    days = max(0, (end - start).days)
    return Decimal(days) / Decimal((after - first).days)


def distribution_list(*, village_ids: list[int] | None, year: int | None) -> QuerySet[Distribution]:
    """None: every village (platform admins)."""
    rows = Distribution.objects.all()
    if village_ids is not None:
        rows = rows.filter(village_id__in=village_ids)
    if year is not None:
        rows = rows.filter(year=year)
    return rows.order_by("-year", "village_id", "pk")
