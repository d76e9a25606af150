"""The red flag does what its published rules say: a village with no data for a component
scores 0 on it, is listed as missing and is left out of the township's min and max; equal
scores are ordered by the tie rule; a re-run of the quarter gives the identical ranking."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.organisations.models import Shop
from marketplace.supervision import red_flag
from marketplace.supervision.models import (
    ComplainantKind,
    Complaint,
    ComplaintStatus,
    PeriodKind,
    RedFlagEntry,
)
from marketplace.supervision.periods import Period, last_completed
from tests import factories
from tests.supervision.world import Town, sell

pytestmark = pytest.mark.django_db


def _quarter() -> Period:
    return last_completed(PeriodKind.QUARTER)


def _in_quarter(quarter: Period, day: int) -> datetime.datetime:
    start = datetime.datetime.combine(quarter.start, datetime.time(12))
    return timezone.make_aware(start + datetime.timedelta(days=day))


def _by_village(scored: list[red_flag.ScoredVillage]) -> dict[int, red_flag.ScoredVillage]:
    return {s.village_id: s for s in scored}


def test_a_village_without_a_shop_scores_0_on_every_component_and_stays_out_of_min_max(town):
    quarter = _quarter()
    a, b, c = town.shops
    sell(a, amount="100.00", when=_in_quarter(quarter, 5))
    sell(b, amount="300.00", when=_in_quarter(quarter, 5))
    sell(c, amount="100.00", when=_in_quarter(quarter, 6))
    empty = factories.village(township_obj=town.township)
    scored = _by_village(
        red_flag.ranking_compute(
            township=town.township, quarter=quarter, formula=red_flag.formula_current()
        )
    )
    nothing = scored[empty.pk]
    assert nothing.missing == list(red_flag.COMPONENTS)
    assert nothing.score == Decimal("0.0000")
    assert all(c == {"raw": None, "normalised": "0.0000"} for c in nothing.components.values())
    # Sales run from 100 (a, c) to 300 (b): had the empty village counted as 0, a would
    # normalise to 0.3333 instead of 0.
    assert scored[a.village_id].components["sales"] == {"raw": "100.00", "normalised": "0.0000"}
    assert scored[b.village_id].components["sales"]["normalised"] == "1.0000"
    assert "sales" not in scored[a.village_id].missing


def test_a_component_without_a_denominator_is_missing_and_scores_0(town):
    quarter = _quarter()
    a, _, c = town.shops
    # c's shop opened only after the quarter: it had no listings to keep up to date.
    Shop.objects.filter(pk=c.pk).update(approved_at=quarter.end_at() + datetime.timedelta(days=3))
    scored = _by_village(
        red_flag.ranking_compute(
            township=town.township, quarter=quarter, formula=red_flag.formula_current()
        )
    )
    late = scored[c.village_id]
    assert late.missing == ["timeliness"]
    assert late.components["timeliness"] == {"raw": None, "normalised": "0.0000"}
    # The others share one value (0 %): every village scores 1 on it by the equal-values rule.
    assert scored[a.village_id].components["timeliness"] == {
        "raw": "0.00",
        "normalised": "1.0000",
    }
    weight = Decimal(red_flag.formula_current().weights["timeliness"])
    assert scored[a.village_id].score - late.score == weight


def _formula_without_households() -> object:
    """Households weigh nothing, so two villages can score equally while benefiting a
    different number of households: the tie rule then decides."""
    return red_flag.formula_publish(
        version=90,
        weights={
            "activity": "0.15",
            "sales": "0.50",
            "households": "0",
            "timeliness": "0.15",
            "service": "0.10",
            "complaints": "0.10",
        },
        description="test: households weigh nothing",
    )


def _resolved_complaint(shop: Shop, quarter: Period) -> None:
    complaint = Complaint.objects.create(
        shop=shop,
        complainant_kind=ComplainantKind.VILLAGER,
        subject="秤不准",
        status=ComplaintStatus.RESOLVED,
        resolved_at=_in_quarter(quarter, 11),
        resolution="已校秤",
    )
    Complaint.objects.filter(pk=complaint.pk).update(filed_at=_in_quarter(quarter, 10))


def test_equal_scores_rank_more_households_first_then_fewer_complaints_then_code(town):
    quarter = _quarter()
    formula = _formula_without_households()
    a, b, c = sorted(town.shops, key=lambda s: s.village.code)
    # a and b sell the same; b's sale benefits a household, so b ranks above a.
    sell(a, amount="100.00", when=_in_quarter(quarter, 5))
    sell(
        b,
        amount="100.00",
        when=_in_quarter(quarter, 5),
        household=factories.household(village_obj=b.village),
    )
    scored = red_flag.ranking_compute(township=town.township, quarter=quarter, formula=formula)
    assert scored[0].score == scored[1].score > scored[2].score
    assert [s.village_id for s in scored] == [b.village_id, a.village_id, c.village_id]


def test_equal_scores_and_households_rank_fewer_complaints_first(town):
    quarter = _quarter()
    formula = _formula_without_households()
    a, b, c = sorted(town.shops, key=lambda s: s.village.code)
    # a's complaint was resolved in the quarter (a 100 % rate, as good as none), but a
    # received one and b none: b ranks above a though a's code is lower.
    _resolved_complaint(a, quarter)
    scored = red_flag.ranking_compute(township=town.township, quarter=quarter, formula=formula)
    assert len({s.score for s in scored}) == 1
    assert [s.village_id for s in scored] == [b.village_id, c.village_id, a.village_id]


def _stored(ranking: object) -> list[tuple[int, int, Decimal, dict, list]]:
    return [
        (e.village_id, e.rank, e.score, e.components, e.missing)
        for e in RedFlagEntry.objects.filter(ranking=ranking).order_by("rank")
    ]


def test_a_rerun_of_the_quarter_gives_the_identical_ranking(town: Town):
    quarter = _quarter()
    a, b, c = town.shops
    sell(a, amount="80.00", when=_in_quarter(quarter, 3))
    sell(c, amount="80.00", when=_in_quarter(quarter, 4))
    _resolved_complaint(b, quarter)
    factories.village(township_obj=town.township)
    first = red_flag.ranking_run(township=town.township, quarter=quarter)
    stored = _stored(first)
    again = red_flag.ranking_run(township=town.township, quarter=quarter)
    assert again.pk == first.pk and again.digest == first.digest
    assert _stored(again) == stored
    recomputed = red_flag.ranking_compute(
        township=town.township, quarter=quarter, formula=first.formula
    )
    assert [
        (s.village_id, rank, s.score, s.components, s.missing)
        for rank, s in enumerate(recomputed, start=1)
    ] == stored
    # Data of another quarter does not move this one.
    sell(b, amount="5000.00", when=quarter.end_at() + datetime.timedelta(days=1))
    assert red_flag.ranking_run(township=town.township, quarter=quarter).digest == first.digest
