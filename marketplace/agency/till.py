"""The till an agency service takes cash into or pays it out of: the counter's open shift.

Cash moves only while a shift is open, as at the counter, so the shift's close counts it.
"""

from __future__ import annotations

from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.core.errors import refuse
from marketplace.red_supermarket.counter.selectors import till_shift_open_at
from marketplace.red_supermarket.counter.services import till_shift_lock_open
from marketplace.red_supermarket.models import RedSupermarket, TillShift


def require_open_till(*, supermarket: RedSupermarket, lock: bool = True) -> TillShift:
    """The open shift, locked (`lock`, inside the caller's transaction, so a close waits
    for this cash), or a NO_OPEN_SHIFT refusal. Unlocked, it is the check to make before
    asking a provider anything, so a closed till is refused before the provider acts."""
    shift = (
        till_shift_lock_open(supermarket=supermarket)
        if lock
        else till_shift_open_at(supermarket=supermarket)
    )
    if shift is None:
        raise refuse(
            "supermarket",
            "开钱箱后才能收付现金 / open the till before taking or paying out cash.",
            AgencyErrorCode.NO_OPEN_SHIFT,
        )
    return shift
