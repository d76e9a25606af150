"""The red flag reads each component for all of a township's villages at once: the same
statements for 2 villages as for 8, and, village by village, the very figures the
report's one-window selectors give."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.accounts.models import Role
from marketplace.activity.services import activity_record
from marketplace.agency.models import OrderStatus as AgencyStatus
from marketplace.catalog.models import ProductVariant
from marketplace.divisions.models import Township
from marketplace.organisations.models import Shop
from marketplace.supervision import indicators, red_flag
from marketplace.supervision.complaints import complaint_file, complaint_resolve
from marketplace.supervision.indicators import Window
from marketplace.supervision.models import Complaint, PeriodKind
from marketplace.supervision.periods import Period, last_completed
from marketplace.supervision.roster import administrator_appoint
from tests import factories
from tests.agency.world import ensure_catalogue
from tests.supervision.world import electricity_bill_paid, sell

pytestmark = pytest.mark.django_db


YEAR = datetime.timedelta(days=365)


def _in(quarter: Period, day: int) -> datetime.datetime:
    return quarter.start_at() + datetime.timedelta(days=day, hours=10)


def _busy_village(
    township: Township, quarter: Period, index: int, officer: Any, *, rostered: bool
) -> None:
    """A village with rows for every component, varied by `index` so villages differ."""
    shop = factories.shop(village_obj=factories.village(township_obj=township))
    # Open well before the quarter, so its listings' timeliness is judged.
    Shop.objects.filter(pk=shop.pk).update(approved_at=quarter.start_at() - YEAR)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop)
    for n in range(1 + index % 3):
        sell(
            shop,
            amount=f"{100 + 37 * index + n}.00",
            when=_in(quarter, 5 + n),
            email=f"buyer{n}@example.cn",
            household=factories.household(village_obj=shop.village) if n % 2 == 0 else None,
        )
    activity_record(
        user_id=manager.pk, logins=1 + index, updates=index % 2, day=_in(quarter, 3).date()
    )
    if rostered:
        administrator = factories.user()
        administrator_appoint(
            officer=officer,
            village=shop.village,
            post="VILLAGE_SHOP",
            administrator=administrator,
            is_party_member=True,
            birth_date=datetime.date(1990, 5, 1),
            education="COLLEGE",
            effective_from=quarter.start,
        )
        activity_record(user_id=administrator.pk, logins=2, day=_in(quarter, 4).date())
    for n in range(index % 3):
        complaint = complaint_file(
            filed_by=manager, shop=shop, complainant_kind="VILLAGER", subject=f"投诉{n}"
        )
        Complaint.objects.filter(pk=complaint.pk).update(filed_at=_in(quarter, 20))
        if n == 0:
            complaint_resolve(actor=manager, complaint=complaint, resolution="已处理")
            Complaint.objects.filter(pk=complaint.pk).update(resolved_at=_in(quarter, 21))
    if index % 2 == 0:
        supermarket = factories.red_supermarket(shop_obj=shop)
        for n in range(1 + index % 2 + index // 2):
            electricity_bill_paid(
                supermarket,
                operator=manager,
                request_id=f"flag-{shop.pk}-{n}",
                when=_in(quarter, 30),
                status=AgencyStatus.SUCCESS,
            )
    if index % 3 == 0:
        # Listings changed late in the quarter: kept up to date.
        ProductVariant.objects.filter(product=factories.product(shop_obj=shop)).update(
            updated_at=quarter.end_at() - datetime.timedelta(days=1)
        )


def _township(villages: int, *, all_rostered: bool = False) -> tuple[Township, Period]:
    ensure_catalogue()
    quarter = last_completed(PeriodKind.QUARTER)
    township = factories.township()
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township)
    for index in range(villages):
        _busy_village(township, quarter, index, officer, rostered=all_rostered or index % 2 == 1)
    # A village with no shop at all: every component missing.
    factories.village(township_obj=township)
    return township, quarter


def _statements(run: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        run()
    return len(ctx.captured_queries)


def test_ranking_costs_the_same_statements_for_2_and_8_villages():
    formula = red_flag.formula_current()
    # Every village with the same people, so the winner's and the bottom ones' notices
    # are as many in both; what may not grow is the reading.
    small, quarter = _township(2, all_rostered=True)
    large, _ = _township(8, all_rostered=True)
    compute = [
        _statements(
            lambda t=township: red_flag.ranking_compute(
                township=t, quarter=quarter, formula=formula
            )
        )
        for township in (small, large)
    ]
    assert compute[0] == compute[1] == 12, compute
    run = [
        _statements(lambda t=township: red_flag.ranking_run(township=t, quarter=quarter))
        for township in (small, large)
    ]
    assert run[0] == run[1], run
    assert large.villages.count() == 9


def test_each_village_scores_what_the_one_window_selectors_give():
    township, quarter = _township(6)
    scored = red_flag.ranking_compute(
        township=township, quarter=quarter, formula=red_flag.formula_current()
    )
    one_by_one = {
        # Formula v2: activity is logins plus updates.
        "activity": lambda w: (
            indicators.administrator_logins(w) + indicators.administrator_updates(w)
        ),
        "sales": indicators.sales_amount,
        "households": indicators.households_benefiting,
        "timeliness": indicators.data_timeliness,
        "service": indicators.agency_services,
    }
    has_shop = set(township.villages.filter(shops__isnull=False).values_list("pk", flat=True))
    assert len(scored) == 7 and len(has_shop) == 6
    varied = {c: set() for c in red_flag.COMPONENTS}
    for village in scored:
        w = Window(
            village_ids=(village.village_id,), start=quarter.start_at(), end=quarter.end_at()
        )
        expected: dict[str, Decimal | None] = {c: s(w) for c, s in one_by_one.items()}
        received = indicators.complaints_received(w)
        expected["complaints"] = (
            Decimal("100.00") if not received else indicators.complaint_resolution_rate(w)
        )
        if village.village_id not in has_shop:
            expected = dict.fromkeys(red_flag.COMPONENTS)
        shown = {c: village.components[c]["raw"] for c in red_flag.COMPONENTS}
        assert shown == {c: None if v is None else str(v) for c, v in expected.items()}
        assert village.households == indicators.households_benefiting(w)
        assert village.complaints == received
        for c, v in expected.items():
            varied[c].add(v)
    # The world really differs between villages on every component, so the comparison
    # above could have caught a figure landing on the wrong village.
    assert all(len(values) >= 2 for values in varied.values()), varied
