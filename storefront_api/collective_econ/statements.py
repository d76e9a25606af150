"""`householdStatement`, `collectiveIncomeStatement` and `householdsNearPovertyLine`:
resolve the IDs, decide who may read, call the statement selectors.

A household's statement: whoever reads its village's books, and the household itself; and
whoever holds an approved, unexpired data request reaching the household, for a month or
year inside the request's data period only (outside it: OUTSIDE_REQUEST_PERIOD). A
village's: the platform admin, its shop manager, its township's (or county's) officers.
The watch: the platform admin and the township's (or county's) officers. Callers with no
role that reads any books are refused before any lookup; a bad period is INVALID_PERIOD,
an unknown id NOT_FOUND.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from collective_econ.error_codes import StatementErrorCode
from collective_econ.statements.selectors import (
    CollectiveIncomeStatement,
    HouseholdStatement,
    Period,
    PovertyWatch,
    collective_income_statement,
    household_statement,
    households_near_poverty_line,
    statement_period,
)
from marketplace.accounts.permissions import (
    can_read_any_books,
    can_read_township_watch,
    can_read_village_books,
    personal_data_grants,
    role_scopes,
)
from marketplace.divisions.models import Township, Village
from marketplace.organisations.models import Household
from marketplace.organisations.privacy import IncomeReadRefused, household_incomes_read
from storefront_api.collective_econ.ledger import refused
from storefront_api.core.ids import decode_id


def _require_reader(info: Any, *, households_too: bool = False) -> None:
    user = info.context.user
    if can_read_any_books(user=user) or (
        households_too and (role_scopes(user).household_ids or personal_data_grants(user))
    ):
        return
    raise refused(
        "Statements are for the household, its shop manager, bureau officers and platform "
        "admins" + (": log in." if not user.is_authenticated else "."),
        StatementErrorCode.PERMISSION_DENIED,
    )


def _period(year: Any, month: Any = None) -> Period:
    try:
        return statement_period(year=year, month=month)
    except ValidationError as exc:
        field, errors = next(iter(exc.error_dict.items()))
        raise refused(errors[0].messages[0], StatementErrorCode.INVALID_PERIOD, field) from None


def _not_found(what: str, field: str) -> Exception:
    return refused(f"No such {what}.", StatementErrorCode.NOT_FOUND, field)


def _denied(what: str) -> Exception:
    return refused(f"You may not read {what}.", StatementErrorCode.PERMISSION_DENIED)


def resolve_household_statement(
    info: Any, *, household: str, year: int, month: int | None
) -> HouseholdStatement:
    _require_reader(info, households_too=True)
    pk = decode_id(household, expected_type="Household", field="household")
    period = _period(year, month)
    found = Household.objects.select_related("village").filter(pk=pk).first()
    if found is None:
        raise _not_found("household", "household")
    first_day, last_day = period.days_shown()
    try:
        household_incomes_read(
            households=[found], viewer=info.context.user, first_day=first_day, last_day=last_day
        )
    except IncomeReadRefused as refusal:
        if refusal.outside_request_period:
            raise refused(
                f"Your data request does not cover {first_day} to {last_day}: a statement "
                "is read through a request only for months inside its data period.",
                StatementErrorCode.OUTSIDE_REQUEST_PERIOD,
                "year",
            ) from None
        raise _denied("this household's statement") from None
    return household_statement(household=found, period=period)


def resolve_collective_income_statement(
    info: Any, *, village: str, year: int
) -> CollectiveIncomeStatement:
    _require_reader(info)
    pk = decode_id(village, expected_type="Village", field="village")
    period = _period(year)
    found = Village.objects.filter(pk=pk).first()
    if found is None:
        raise _not_found("village", "village")
    if not can_read_village_books(
        user=info.context.user, village_id=found.pk, township_id=found.township_id
    ):
        raise _denied("this village's books")
    return collective_income_statement(village=found, period=period)


def resolve_households_near_poverty_line(info: Any, *, township: str, year: int) -> PovertyWatch:
    _require_reader(info)
    pk = decode_id(township, expected_type="Township", field="township")
    period = _period(year)
    found = Township.objects.select_related("county").filter(pk=pk).first()
    if found is None:
        raise _not_found("township", "township")
    if not can_read_township_watch(user=info.context.user, township_id=found.pk):
        raise _denied("this township's poverty-monitoring watch")
    watch = households_near_poverty_line(township=found, year=period.year)
    # The watch is the township's officers' by role, so no household here is refused.
    household_incomes_read(
        households=[flagged.household for flagged in watch.flagged],
        viewer=info.context.user,
        first_day=timezone.localtime(watch.window_start).date(),
        last_day=timezone.localtime(watch.window_end - timedelta(microseconds=1)).date(),
    )
    return watch
