"""Division codes as delivery zones see them: which prefixes are valid, and the prefixes a
destination code could match (longest first), so matching is one indexed `IN` lookup."""

from __future__ import annotations

import re
from itertools import pairwise

from logistics.models import DIVISION_PREFIX_REGEX

PREFIX_LENGTHS = (2, 4, 6, 9, 12)
_PREFIX = re.compile(DIVISION_PREFIX_REGEX)


def is_division_code(code: str) -> bool:
    """Digits of a division level's length (2, 4, 6, 9 or 12) whose lower levels are not
    all zeros: "5300" is no city, "530000" no county."""
    if not _PREFIX.match(code):
        return False
    bounds = (0, *PREFIX_LENGTHS)
    return all(set(code[start:end]) != {"0"} for start, end in pairwise(bounds) if end <= len(code))


def candidate_prefixes(code: str) -> list[str]:
    """Every zone prefix that `code` starts with, longest first."""
    return [code[:n] for n in reversed(PREFIX_LENGTHS) if n <= len(code)]
