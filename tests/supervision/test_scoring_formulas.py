"""The red flag's formula, published: `redFlagScoringFormulas` lists every version with its
weights, rules and the dates it was in force, to anyone; a ranking names the version it
used, in the API and on its back-office page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from marketplace.supervision.models import PeriodKind, ScoringFormula
from marketplace.supervision.periods import last_completed
from marketplace.supervision.red_flag import (
    DEFAULT_WEIGHTS,
    MISSING_DATA_RULE,
    TIE_RULE,
    formula_current,
    ranking_run,
)
from storefront_api.core.ids import to_global_id

pytestmark = pytest.mark.django_db

FORMULAS = """{ redFlagScoringFormulas {
  version weights publishedAt effectiveFrom effectiveUntil
  normalisationRule missingDataRule tieRule
  components { code weight indicator } } }"""

RANKING_FORMULA = """query($t: ID!, $q: String!) { redFlagRanking(township: $t, quarter: $q) {
  formula { version effectiveFrom effectiveUntil missingDataRule components { code } } } }"""


def _publish_two_versions() -> tuple[ScoringFormula, ScoringFormula]:
    """Version 1 as it was published in spring, then version 2 (the current rules)."""
    spring = timezone.make_aware(datetime.datetime(2026, 3, 1, 9))
    first = ScoringFormula.objects.create(
        version=1, weights=DEFAULT_WEIGHTS, description="v1", published_at=spring
    )
    return first, formula_current()


def test_anyone_reads_every_version_newest_first_with_dates_and_rules(gql):
    first, second = _publish_two_versions()
    versions = gql.data(FORMULAS)["redFlagScoringFormulas"]
    assert [v["version"] for v in versions] == [2, 1]
    current, old = versions
    assert current["effectiveUntil"] is None
    moment = datetime.datetime.fromisoformat
    assert moment(old["effectiveUntil"]) == moment(current["effectiveFrom"]) == second.published_at
    assert moment(old["effectiveFrom"]) == first.published_at
    assert {c["code"]: c["weight"] for c in current["components"]} == DEFAULT_WEIGHTS
    assert current["missingDataRule"] == MISSING_DATA_RULE and current["tieRule"] == TIE_RULE
    activity = {v["version"]: v["components"][0] for v in versions}
    assert activity[2]["code"] == activity[1]["code"] == "activity"
    # Version 1 counted logins only; version 2 counts updates too.
    assert "updates" in activity[2]["indicator"] and "updates" not in activity[1]["indicator"]


def test_a_ranking_names_the_version_it_was_computed_with(gql, town):
    _publish_two_versions()
    quarter = last_completed(PeriodKind.QUARTER)
    ranking_run(township=town.township, quarter=quarter)
    gql.login(town.officer)
    variables = {"t": to_global_id("Township", town.township.pk), "q": quarter.label}
    formula = gql.data(RANKING_FORMULA, variables)["redFlagRanking"]["formula"]
    assert formula["version"] == 2 and formula["effectiveUntil"] is None
    assert formula["missingDataRule"] == MISSING_DATA_RULE
    assert len(formula["components"]) == 6


def test_the_rankings_page_links_and_prints_its_formula(client, town):
    _, second = _publish_two_versions()
    ranking = ranking_run(township=town.township, quarter=last_completed(PeriodKind.QUARTER))
    town.officer.is_staff = True
    town.officer.save(update_fields=["is_staff"])
    client.force_login(town.officer)
    formula_url = reverse("admin:supervision_scoringformula_change", args=[second.pk])
    listing = client.get(reverse("admin:supervision_redflagranking_changelist")).content.decode()
    assert f'<a href="{formula_url}">v2</a>' in listing
    page = client.get(reverse("admin:supervision_redflagranking_change", args=[ranking.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert formula_url in text and "v2, in force from" in text
    assert escape(MISSING_DATA_RULE) in text and escape(TIE_RULE) in text
    formula_page = client.get(formula_url)
    assert formula_page.status_code == 200 and escape(TIE_RULE) in formula_page.content.decode()
