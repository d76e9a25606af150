"""Cancellation tier maths: validating a set of tiers, the default policy, and how many days
before the start a cancellation falls (counted in the village's time zone, Asia/Shanghai)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

from marketplace.bookings.error_codes import BookingErrorCode
from marketplace.bookings.models import BookingHold
from marketplace.core.errors import refuse

# Every village on the platform keeps Beijing time; "days before" is counted in it whatever
# zone the server or the buyer is in.
BOOKING_TZ = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
_INVALID = BookingErrorCode.INVALID_POLICY


@dataclass(frozen=True)
class Tier:
    """Cancel at least `min_days_before` days before the start → refund `refund_percent`."""

    min_days_before: int
    refund_percent: int


# ≥ 7 days: everything back; ≥ 3 days: half; later: nothing.
DEFAULT_TIERS: tuple[Tier, ...] = (Tier(7, 100), Tier(3, 50), Tier(0, 0))


def validate_tiers(tiers: Iterable[Tier | tuple[int, int]]) -> tuple[Tier, ...]:
    """Return the tiers sorted by days (most first), or refuse with INVALID_POLICY.

    Rules: at least one tier; whole days ≥ 0, each used once; percentages 0–100; and
    cancelling earlier never refunds less than cancelling later.
    """
    parsed: list[Tier] = []
    for raw in tiers:
        tier = raw if isinstance(raw, Tier) else Tier(*raw)
        days, percent = tier.min_days_before, tier.refund_percent
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise refuse(
                "tiers", f"Days before start must be a whole number ≥ 0, not {days!r}.", _INVALID
            )
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
            raise refuse(
                "tiers",
                f"A refund percentage must be a whole number from 0 to 100, not {percent!r}.",
                _INVALID,
            )
        parsed.append(tier)
    if not parsed:
        raise refuse("tiers", "A cancellation policy needs at least one tier.", _INVALID)
    ordered = sorted(parsed, key=lambda t: t.min_days_before, reverse=True)
    for earlier, later in pairwise(ordered):
        if earlier.min_days_before == later.min_days_before:
            raise refuse(
                "tiers", f"Two tiers both start at {later.min_days_before} days.", _INVALID
            )
        if earlier.refund_percent < later.refund_percent:
            raise refuse(
                "tiers",
                f"Cancelling {earlier.min_days_before} days ahead would refund less than "
                f"cancelling {later.min_days_before} days ahead.",
                _INVALID,
            )
    return tuple(ordered)


def refund_percent_for(tiers: Sequence[Tier], days_before: int) -> int:
    """The first tier (most days first) the cancellation reaches; none reached → 0."""
    for tier in sorted(tiers, key=lambda t: t.min_days_before, reverse=True):
        if days_before >= tier.min_days_before:
            return tier.refund_percent
    return 0


def local_date(moment: date | datetime) -> date:
    """The calendar date in Asia/Shanghai. A plain date is taken as already local."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("A cancellation time must be timezone-aware.")
        return moment.astimezone(BOOKING_TZ).date()
    return moment


def days_before_start(*, start_date: date, on: date | datetime) -> int:
    """Whole calendar days from the cancellation day to the start; negative once started."""
    return (start_date - local_date(on)).days


@dataclass(frozen=True)
class CancellationOutcome:
    hold: BookingHold
    days_before: int
    refund_percent: int

    def refund_amount(self, paid: Decimal) -> Decimal:
        """The refund for `paid` CNY, to the cent (half up); never more than was paid."""
        if paid < 0:
            raise ValueError("A paid amount cannot be negative.")
        return (paid * self.refund_percent / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
