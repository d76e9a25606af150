"""Bad periods and callers without a bureau role get coded errors, never figures."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.models import Role
from marketplace.oversight.access import county_scope, township_scope
from marketplace.oversight.error_codes import OversightErrorCode
from marketplace.oversight.periods import period_parse
from tests import factories

TODAY = date(2026, 12, 3)


def _code(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return next(iter(excinfo.value.error_dict.values()))[0].code  # type: ignore[no-any-return]


def test_periods_parse():
    assert period_parse(kind="month", value="2026-11", today=TODAY).months == [date(2026, 11, 1)]
    quarter = period_parse(kind="quarter", value="2026-Q3", today=TODAY)
    assert (quarter.first_month, quarter.last_month) == (date(2026, 7, 1), date(2026, 9, 1))
    assert quarter.label == "2026年第3季度"
    # The current quarter is answered up to the current month.
    assert period_parse(kind="quarter", value="2026-Q4", today=TODAY).last_month == date(
        2026, 12, 1
    )
    ranged = period_parse(kind="range", start="2026-01", end="2026-06", today=TODAY)
    assert ranged.month_count == 6


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "week", "value": "2026-11"}, OversightErrorCode.UNKNOWN_PERIOD),
        ({"kind": "month", "value": "2026-13"}, OversightErrorCode.INVALID_PERIOD),
        ({"kind": "month", "value": "next"}, OversightErrorCode.INVALID_PERIOD),
        ({"kind": "quarter", "value": "2026-Q5"}, OversightErrorCode.INVALID_PERIOD),
        ({"kind": "month", "value": "2027-01"}, OversightErrorCode.PERIOD_IN_FUTURE),
        ({"kind": "quarter", "value": "2027-Q1"}, OversightErrorCode.PERIOD_IN_FUTURE),
        (
            {"kind": "range", "start": "2026-06", "end": "2026-01"},
            OversightErrorCode.RANGE_REVERSED,
        ),
        (
            {"kind": "range", "start": "2026-06", "end": "2027-02"},
            OversightErrorCode.PERIOD_IN_FUTURE,
        ),
        (
            {"kind": "range", "start": "2020-01", "end": "2026-01"},
            OversightErrorCode.RANGE_TOO_LONG,
        ),
    ],
)
def test_bad_periods_are_refused_with_a_code(kwargs, code):
    with pytest.raises(ValidationError) as excinfo:
        period_parse(today=TODAY, **kwargs)
    assert _code(excinfo) == code.value


@pytest.mark.django_db
def test_only_the_township_s_officers_its_county_s_and_admins_read_it():
    county = factories.county()
    township = factories.township(county_obj=county)
    other = factories.township(county_obj=county)
    factories.village(township_obj=township)
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township)
    county_officer = factories.user(role=Role.COUNTY_OFFICER, county_obj=county)
    assert township_scope(user=officer, township_id=township.pk).name == township.name
    assert len(township_scope(user=county_officer, township_id=township.pk).villages) == 1
    assert county_scope(user=county_officer, county_id=county.pk).township_ids == (
        township.pk,
        other.pk,
    )
    assert township_scope(user=factories.platform_admin(), township_id=other.pk).villages == ()
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop())
    for user, call in [
        (officer, lambda u: township_scope(user=u, township_id=other.pk)),
        (officer, lambda u: county_scope(user=u, county_id=county.pk)),
        (manager, lambda u: township_scope(user=u, township_id=township.pk)),
        (None, lambda u: township_scope(user=u, township_id=township.pk)),
        # An unknown township is not revealed to someone who may not read it anyway.
        (officer, lambda u: township_scope(user=u, township_id=999_999)),
    ]:
        with pytest.raises(ValidationError) as excinfo:
            call(user)
        assert _code(excinfo) == OversightErrorCode.NOT_PERMITTED.value
    with pytest.raises(ValidationError) as excinfo:
        township_scope(user=factories.platform_admin(), township_id=999_999)
    assert _code(excinfo) == OversightErrorCode.UNKNOWN_TOWNSHIP.value
