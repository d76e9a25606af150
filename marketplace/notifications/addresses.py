"""Where a notice can go: mainland mobile numbers as SMS takes them."""

from __future__ import annotations

import re

MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def mainland_mobile(phone: str) -> str | None:
    """The 11-digit mainland number in `phone` ("+86 138 0013 8000", "13800138000"), or
    None when it is not one."""
    digits = re.sub(r"[\s-]", "", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if MAINLAND_MOBILE.match(digits) else None
