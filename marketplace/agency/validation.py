"""Checking what the operator typed for a service item, field by field, with coded errors.

Each item's `input_fields` names a `kind` per field; the rules of each kind live here:
account numbers by the item's regex, phone numbers by the carrier's prefixes, periods as
YYYYMM not in the future, resident ID numbers by the GB 11643 check character, bank cards
by Luhn, dates not in the past.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.models import FeeRule, ServiceItem
from marketplace.core.errors import refuse

CENT = Decimal("0.01")

# Mainland mobile number segments by carrier (MIIT allocations, virtual operators aside).
CARRIER_PREFIXES: dict[str, tuple[str, ...]] = {
    "CMCC": (
        "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158",
        "159", "172", "178", "182", "183", "184", "187", "188", "195", "197", "198",
    ),
    "CUCC": (
        "130", "131", "132", "145", "155", "156", "166", "171", "175", "176", "185", "186", "196",
    ),
    "CTCC": ("133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199"),
}  # fmt: skip

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_is_valid(value: str) -> bool:
    """GB 11643-1999: 17 digits, a valid birth date, and the mod-11 check character."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born > timezone.localdate() or born.year < 1900:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def id_number_with_check(first_17: str) -> str:
    """The full ID number for 17 digits (demo data and tests make valid ones with it)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, _ID_WEIGHTS, strict=True))
    return first_17 + _ID_CHECK[total % 11]


def luhn_is_valid(number: str) -> bool:
    if not re.fullmatch(r"\d{16,19}", number):
        return False
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask_card(number: str) -> str:
    """6217 **** **** 1234: the bank's prefix and the last four, as bank slips show."""
    return f"{number[:4]} **** **** {number[-4:]}" if len(number) >= 8 else "****"


def parse_amount(value: Any, *, field: str = "amount") -> Decimal:
    if isinstance(value, (bool, float)) or value is None:
        raise refuse(field, f"{value!r} is not an amount in yuan.", AgencyErrorCode.INVALID_AMOUNT)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise refuse(
            field, f"{value!r} is not an amount in yuan.", AgencyErrorCode.INVALID_AMOUNT
        ) from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise refuse(
            field, "The amount needs at most 2 decimal places.", AgencyErrorCode.INVALID_AMOUNT
        )
    return amount.quantize(CENT)


def check_amount(*, item: ServiceItem, amount: Decimal, field: str = "amount") -> Decimal:
    if amount <= 0:
        raise refuse(field, "The amount must be more than zero.", AgencyErrorCode.INVALID_AMOUNT)
    if amount < item.amount_min or amount > item.amount_max:
        raise refuse(
            field,
            f"{item.name} takes {item.amount_min} to {item.amount_max} yuan; {amount} is outside.",
            AgencyErrorCode.INVALID_AMOUNT,
        )
    return amount


def fee_for(*, item: ServiceItem, amount: Decimal) -> Decimal:
    if item.fee_rule == FeeRule.FIXED:
        return item.fee_value.quantize(CENT)
    if item.fee_rule == FeeRule.PERCENT:
        return (amount * item.fee_value).quantize(CENT)
    return Decimal("0.00")


def provider_commission_for(*, item: ServiceItem, amount: Decimal) -> Decimal:
    return (amount * item.commission_rate).quantize(CENT)


def _text(raw: Any, *, name: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, (str, int)) or isinstance(raw, bool):
        raise refuse(f"fields.{name}", "Expected text.", AgencyErrorCode.INVALID_FIELD)
    return str(raw).strip()


def _check_one(spec: Mapping[str, Any], value: str) -> str:
    name, kind = spec["name"], spec.get("kind", "text")
    field = f"fields.{name}"
    label = spec.get("label", name)
    if kind == "account":
        if not re.fullmatch(spec["pattern"], value):
            raise refuse(
                field,
                f"{label} {value!r} is not in the right format.",
                AgencyErrorCode.INVALID_ACCOUNT,
            )
    elif kind == "phone":
        carriers = spec.get("carriers") or list(CARRIER_PREFIXES)
        if not re.fullmatch(r"1\d{10}", value):
            raise refuse(field, f"{value!r} is not a mobile number.", AgencyErrorCode.INVALID_PHONE)
        if not any(value.startswith(CARRIER_PREFIXES[c]) for c in carriers):
            raise refuse(
                field,
                f"{value} is not a number of this carrier ({'/'.join(carriers)}).",
                AgencyErrorCode.INVALID_PHONE,
            )
    elif kind == "period":
        match = re.fullmatch(r"(\d{4})(0[1-9]|1[0-2])", value)
        today = timezone.localdate()
        if match is None or (int(match[1]), int(match[2])) > (today.year, today.month):
            raise refuse(
                field,
                f"{value!r} is not a past or current month (YYYYMM).",
                AgencyErrorCode.INVALID_PERIOD,
            )
    elif kind == "id_number":
        value = value.upper()
        if not id_number_is_valid(value):
            raise refuse(
                field,
                "The ID number's check character or birth date is wrong.",
                AgencyErrorCode.INVALID_ID_NUMBER,
            )
    elif kind == "card":
        value = value.replace(" ", "")
        if not luhn_is_valid(value):
            raise refuse(
                field,
                "That bank card number fails its check digit.",
                AgencyErrorCode.INVALID_ACCOUNT,
            )
    elif kind == "date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise refuse(
                field, f"{value!r} is not a date (YYYY-MM-DD).", AgencyErrorCode.INVALID_FIELD
            ) from None
        if day < timezone.localdate():
            raise refuse(field, f"{day} is in the past.", AgencyErrorCode.DATE_IN_PAST)
    elif kind == "text" and len(value) > int(spec.get("max_length", 64)):
        raise refuse(field, f"{label} is too long.", AgencyErrorCode.INVALID_FIELD)
    return value


def check_fields(*, item: ServiceItem, raw: Any) -> dict[str, str]:
    """The item's input, cleaned; every field checked by its kind, unknown names refused."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise refuse(
            "fields", "Fields must be an object of name: value.", AgencyErrorCode.INVALID_FIELD
        )
    specs = {spec["name"]: spec for spec in item.input_fields}
    unknown = sorted(set(raw) - set(specs))
    if unknown:
        raise refuse(
            f"fields.{unknown[0]}",
            f"{item.name} has no field {unknown[0]!r}.",
            AgencyErrorCode.INVALID_FIELD,
        )
    cleaned: dict[str, str] = {}
    for name, spec in specs.items():
        value = _text(raw.get(name), name=name)
        if not value:
            if spec.get("required", True):
                raise refuse(
                    f"fields.{name}",
                    f"{spec.get('label', name)} is required.",
                    AgencyErrorCode.REQUIRED,
                )
            continue
        cleaned[name] = _check_one(spec, value)
    return cleaned
