"""One definition of "households benefiting" and "income per household": the bureau
dashboard, the periodic report and the red flag give the same figures for the same
township and quarter, and those figures are a hand sum over the ledger's postings.

The township: two villages; consignment lines of three households in the first village and
two in the second, a collective line (homestay, no household), a partial clawback, a sale
settled and clawed back in full inside the quarter (benefits nobody), and a clawback inside
the quarter of a sale settled before it (lowers the income, benefits nobody)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from unittest import mock

import pytest

from collective_econ.benefit.selectors import (
    HOUSEHOLDS_BENEFITING_DEFINITION,
    INCOME_PER_HOUSEHOLD_DEFINITION,
)
from collective_econ.models import AccountKind, JournalKind, Posting
from collective_econ.settlement.services import order_line_clawback
from marketplace.accounts.models import Role
from marketplace.catalog.models import OfferingKind
from marketplace.orders.models import OrderLine, ShopOrder
from marketplace.oversight.access import township_scope
from marketplace.oversight.dashboard import dashboard_build
from marketplace.oversight.periods import Period as DashboardPeriod
from marketplace.oversight.refresh import figures_refresh
from marketplace.supervision import red_flag, reports
from marketplace.supervision.indicators import (
    INDICATORS_BY_CODE,
    Window,
    households_benefiting,
    households_benefiting_by_village,
    income_per_household,
)
from marketplace.supervision.models import PeriodKind
from marketplace.supervision.periods import Period as ReportPeriod
from tests import factories
from tests.oversight.world import OversightVillage, at, buy, oversight_township, settle

pytestmark = pytest.mark.django_db

QUARTER = ReportPeriod(PeriodKind.QUARTER, date(2026, 7, 1))
DASHBOARD_QUARTER = DashboardPeriod(
    kind="range", first_month=date(2026, 7, 1), last_month=date(2026, 9, 1)
)
NOW = datetime(2026, 12, 3, 12, tzinfo=at(2026, 1, 1).tzinfo)
CENT = Decimal("0.01")


def _claw_back(shop_order: ShopOrder, *, amount: str | None, posted: datetime) -> None:
    """Claw back `amount`, or (None) all the settlement brought in, shipping included."""
    line = OrderLine.objects.get(shop_order=shop_order)
    if amount is None:
        amount = str(
            sum(
                p.amount
                for p in Posting.objects.filter(
                    transaction__order_line=line, transaction__kind=JournalKind.SETTLEMENT
                )
                if p.amount > 0
            )
        )
    with mock.patch("django.utils.timezone.now", return_value=posted):
        order_line_clawback(line=line, amount=amount, key=f"test:{line.pk}:{amount}")


def _second_seller(village: OversightVillage) -> OversightVillage:
    household = factories.household(village_obj=village.village, member_count=5)
    product = factories.product(
        shop_obj=village.shop,
        channel_obj=factories.channel("urban-retail"),
        beneficiary=household,
        stock=100,
    )
    return OversightVillage(
        village=village.village,
        shop=village.shop,
        household=household,
        produce=product,
        homestay=village.homestay,
        express=village.express,
    )


def _hand_sum(village_ids: list[int], start: datetime, end: datetime):
    """Households benefiting and net income, read off the postings one by one."""
    net: dict[int, Decimal] = defaultdict(Decimal)
    village_of: dict[int, int] = {}
    members: dict[int, int] = {}
    for posting in Posting.objects.select_related("account__household", "transaction").filter(
        account__household__village_id__in=village_ids
    ):
        if posting.account.kind not in (AccountKind.HOUSEHOLD, AccountKind.HOUSEHOLD_RECEIVABLE):
            continue
        if posting.transaction.kind not in (JournalKind.SETTLEMENT, JournalKind.CLAWBACK):
            continue
        if not start <= posting.transaction.posted_at < end:
            continue
        household = posting.account.household
        net[household.pk] -= posting.amount  # a credit is a negative amount
        village_of[household.pk] = household.village_id
        members[household.pk] = household.member_count
    benefiting = [h for h, amount in net.items() if amount > 0]
    total = sum(net.values(), Decimal(0))
    by_village = {v: sum(1 for h in benefiting if village_of[h] == v) for v in village_ids}
    return {
        "households": len(benefiting),
        "income": total,
        "per_household": (total / len(benefiting)).quantize(CENT, rounding=ROUND_HALF_UP),
        "per_capita": (total / sum(members[h] for h in benefiting)).quantize(
            CENT, rounding=ROUND_HALF_UP
        ),
        "by_village": by_village,
    }


def test_dashboard_report_and_red_flag_agree_with_the_ledger():
    built = oversight_township(villages=2)
    v1, v2 = built.villages
    v1_second, v2_second = _second_seller(v1), _second_seller(v2)
    v1_third = _second_seller(v1)
    buyer = factories.user()
    # Consignment, settled in the quarter; one of them partly clawed back in it.
    first = buy(v1, buyer=buyer, placed=at(2026, 7, 5), price="30.00")
    settle(first, posted=at(2026, 7, 20))
    second = buy(v1, buyer=buyer, placed=at(2026, 8, 5), price="50.00")
    settle(second, posted=at(2026, 8, 25))
    _claw_back(second, amount="20.00", posted=at(2026, 8, 28))
    third = buy(v2, buyer=buyer, placed=at(2026, 9, 2), price="20.00")
    settle(third, posted=at(2026, 9, 20))
    fourth = buy(v1_third, buyer=buyer, placed=at(2026, 9, 3), price="44.00")
    settle(fourth, posted=at(2026, 9, 21))
    # A collective line: the village earns, no household does.
    homestay = buy(v1, buyer=buyer, placed=at(2026, 8, 20), price="80.00", homestay=True)
    settle(homestay, posted=at(2026, 8, 25))
    # Sold, settled and clawed back in full inside the quarter: nobody benefited.
    undone = buy(v1_second, buyer=buyer, placed=at(2026, 7, 8), price="25.00")
    settle(undone, posted=at(2026, 7, 9))
    _claw_back(undone, amount=None, posted=at(2026, 7, 15))
    # Settled in June, clawed back in August: lowers the quarter's income, benefits nobody.
    earlier = buy(v2_second, buyer=buyer, placed=at(2026, 6, 10), price="40.00")
    settle(earlier, posted=at(2026, 6, 20))
    _claw_back(earlier, amount=None, posted=at(2026, 8, 10))
    # Sold in the quarter but not settled yet: named on a line, not credited by the ledger.
    buy(v2_second, buyer=buyer, placed=at(2026, 9, 25), price="60.00")
    collective = OrderLine.objects.get(offering_kind=OfferingKind.HOMESTAY)
    assert collective.beneficiary_household_id is None

    village_ids = [v1.village.pk, v2.village.pk]
    hand = _hand_sum(village_ids, QUARTER.start_at(), QUARTER.end_at())
    assert hand["households"] == 3  # v1's first and third sellers, v2's first
    assert hand["by_village"] == {v1.village.pk: 2, v2.village.pk: 1}
    assert hand["income"] < sum(
        (
            ol.total_price_amount
            for ol in OrderLine.objects.filter(beneficiary_household__isnull=False)
        ),
        Decimal(0),
    )

    # The dashboard, from the nightly precompute.
    figures_refresh()
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=built.township)
    board = dashboard_build(
        scope=township_scope(user=officer, township_id=built.township.pk),
        period=DASHBOARD_QUARTER,
        now=NOW,
    )
    (section,) = [s for s in board.sections if s.key == "households"]
    headline = {label: value for label, value, _ in section.headline}
    assert headline["受益户数"] == hand["households"]
    assert headline["户均收入"] == hand["per_household"]
    assert headline["人均收入"] == hand["per_capita"]
    summary = dict(board.panel("households_summary").rows)
    assert summary["农户结算收入（元）"] == hand["income"]
    village_rows = {row[0]: row[1] for row in board.panel("households_by_village").rows}
    assert village_rows == {
        v1.village.name: hand["by_village"][v1.village.pk],
        v2.village.name: hand["by_village"][v2.village.pk],
    }

    # The periodic report: its indicators live, then as filed.
    w = Window(village_ids=tuple(village_ids), start=QUARTER.start_at(), end=QUARTER.end_at())
    assert households_benefiting(w) == hand["households"]
    assert income_per_household(w) == hand["per_household"]
    filed = reports.report_generate(period=QUARTER, township=built.township)
    values = {v.indicator_code: v.value for v in filed.values.all()}
    assert values["households_benefiting"] == hand["households"]
    assert values["income_per_household"] == hand["per_household"]

    # The red flag's households input: the same count, village by village.
    assert households_benefiting_by_village(w) == {
        v: Decimal(n).quantize(CENT) for v, n in hand["by_village"].items()
    }
    scored = red_flag.ranking_compute(
        township=built.township, quarter=QUARTER, formula=red_flag.formula_current()
    )
    assert {s.village_id: s.households for s in scored} == hand["by_village"]
    assert {s.village_id: s.components["households"]["raw"] for s in scored} == {
        v: str(Decimal(n).quantize(CENT)) for v, n in hand["by_village"].items()
    }


def test_the_written_definitions_are_the_shared_ones():
    assert (
        INDICATORS_BY_CODE["households_benefiting"].definition == HOUSEHOLDS_BENEFITING_DEFINITION
    )
    assert INDICATORS_BY_CODE["income_per_household"].definition == INCOME_PER_HOUSEHOLD_DEFINITION
    assert "net of clawbacks" in HOUSEHOLDS_BENEFITING_DEFINITION
