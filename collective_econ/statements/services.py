"""Writing what statements are compared against: a province's poverty-monitoring line."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from collective_econ.error_codes import StatementErrorCode
from collective_econ.ledger.services import parse_amount
from collective_econ.models import PovertyMonitoringLine
from marketplace.core.errors import refuse
from marketplace.divisions.models import Province


@transaction.atomic
def poverty_monitoring_line_set(
    *, province: Province, year: Any, annual_per_capita_income: Any
) -> PovertyMonitoringLine:
    """Set (or correct) `province`'s line for `year`: one row per province and year."""
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise refuse("year", f"{year!r} is not a year.", StatementErrorCode.INVALID_PERIOD)
    try:
        amount = parse_amount(
            annual_per_capita_income, field="annual_per_capita_income", positive=True
        )
    except ValidationError as exc:
        raise refuse(
            "annual_per_capita_income",
            f"{annual_per_capita_income!r} is not a positive amount in yuan.",
            StatementErrorCode.INVALID_AMOUNT,
        ) from exc
    line, _ = PovertyMonitoringLine.objects.update_or_create(
        province=province, year=year, defaults={"annual_per_capita_income": amount}
    )
    return line
