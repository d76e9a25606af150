"""EAN-13 barcodes as a counter scanner reads them: thirteen digits, the last one the
check digit of the twelve before it (weights 1, 3, 1, 3, … from the left)."""

from __future__ import annotations

from marketplace.core.errors import refuse
from marketplace.red_supermarket.counter.error_codes import CounterErrorCode


def ean13_check_digit(first_twelve: str) -> int:
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return (10 - weighted % 10) % 10


def ean13_is_valid(code: str) -> bool:
    return (
        len(code) == 13
        and code.isascii()
        and code.isdigit()
        and (ean13_check_digit(code[:12]) == int(code[12]))
    )


def ean13_clean(raw: str, *, field: str = "barcode") -> str:
    """The barcode `raw` spells, or a coded refusal: BAD_BARCODE for anything but thirteen
    digits (scanners may add spaces around it), BAD_CHECK_DIGIT for a misread."""
    code = raw.strip()
    if len(code) != 13 or not (code.isascii() and code.isdigit()):
        raise refuse(
            field, f"{code!r} is not an EAN-13 barcode (13 digits).", CounterErrorCode.BAD_BARCODE
        )
    if ean13_check_digit(code[:12]) != int(code[12]):
        raise refuse(
            field,
            f"{code}: the check digit should be {ean13_check_digit(code[:12])}; scan it again.",
            CounterErrorCode.BAD_CHECK_DIGIT,
        )
    return code
