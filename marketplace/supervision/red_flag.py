"""The electronic mobile red flag (电子流动红旗): every quarter, the villages of each
township ranked by a published, versioned formula; the flag goes to the first.

The rules, as published with each formula:
- Components, each an indicator of the quarter for one village: activity (administrator
  logins plus updates: products edited, prices and stock set, orders fulfilled, claims),
  sales (sales amount), households benefiting, timeliness (share of the shop's
  listings kept up to date), service handled (agency services), complaints resolved (share
  of the quarter's complaints resolved; a village with no complaint scores 100).
- Normalisation: min-max within the township, (x − min) / (max − min); when every village
  has the same value, each scores 1 on that component.
- Missing data: a component with no value (no shop, nothing to divide by, or a source not
  yet available) scores 0 for that village and is listed in the entry's `missing`.
- Score: Σ weight × normalised value, rounded half-up to 4 places.
- Ties (equal score): more households benefiting first, then fewer complaints received,
  then the lower village code.

Households benefiting is the ledger's definition (`collective_econ.benefit`: net of
clawbacks, credited by the quarter's settlements, counted in the household's village), the
figure the bureau dashboard and the periodic report show.

Versions: 1 counted logins only as activity; 2 counts logins and updates; 3 (these rules)
counts households benefiting by the ledger, where 1 and 2 counted the households named
as beneficiary on the village shops' sold lines.
A ranking keeps the version it was computed with, and a re-run recomputes by that version.

A ranking is stored once. Running the same quarter again recomputes it and compares: an
equal result returns the stored ranking, a different one is refused (RANKING_CHANGED),
so a published ranking never changes.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.accounts.models import Role, RoleAssignment, User
from marketplace.core.errors import refuse
from marketplace.divisions.models import Township, Village
from marketplace.supervision.error_codes import SupervisionErrorCode
from marketplace.supervision.indicators import (
    ByVillage,
    Window,
    administrator_activity_by_village,
    agency_services_by_village,
    complaints_by_village,
    data_timeliness_by_village,
    households_benefiting_by_village,
    households_named_on_sold_lines_by_village,
    sales_amount_by_village,
)
from marketplace.supervision.models import (
    AdministratorAppointment,
    PeriodKind,
    RedFlagEntry,
    RedFlagRanking,
    ReminderKind,
    ScoringFormula,
)
from marketplace.supervision.periods import Period
from marketplace.supervision.reminders import reminder_record

logger = logging.getLogger(__name__)

# The version the module's rules describe; formula_current() publishes it when missing.
CURRENT_VERSION = 3
# From this version on, activity is logins plus updates; before it, logins only.
UPDATES_COUNT_FROM_VERSION = 2
# From this version on, households benefiting is the ledger's definition; before it, the
# households named on sold lines.
LEDGER_HOUSEHOLDS_FROM_VERSION = 3

SCORE_PLACES = Decimal("0.0001")
COMPONENTS = ("activity", "sales", "households", "timeliness", "service", "complaints")

DEFAULT_WEIGHTS = {
    "activity": "0.15",
    "sales": "0.25",
    "households": "0.25",
    "timeliness": "0.15",
    "service": "0.10",
    "complaints": "0.10",
}


# What each component measures, in the words the formula is published with. Activity's
# text depends on the version (see UPDATES_COUNT_FROM_VERSION).
COMPONENT_INDICATORS = {
    "sales": "sales_amount: the village's shop orders placed in the quarter (CNY).",
    "households": (
        "households_benefiting: distinct households named as beneficiary on a line sold "
        "in the quarter."
    ),
    "timeliness": (
        "data_timeliness: share of the village's open shops whose listings changed within "
        "the timeliness window before the quarter's end (percent)."
    ),
    "service": (
        "agency_services: Red Supermarket agency orders, cash withdrawals and tickets "
        "handled in the quarter."
    ),
    "complaints": (
        "complaint_resolution_rate: share of the quarter's complaints resolved by its end "
        "(percent); a village with no complaint scores 100."
    ),
}
ACTIVITY_LOGINS_ONLY = "administrator_logins: the village administrators' logins in the quarter."
ACTIVITY_LOGINS_AND_UPDATES = (
    "administrator_logins + administrator_updates: the village administrators' logins and "
    "updates (products edited, prices and stock set, orders fulfilled, claims) in the quarter."
)
NORMALISATION_RULE = (
    "Each component is normalised min-max within the township, (x - min) / (max - min); "
    "when every village has the same value, each scores 1 on it. "
    "Score = sum of weight x normalised value, rounded half-up to 4 places."
)
MISSING_DATA_RULE = (
    "A component with no value for a village (no shop, nothing to divide by, or a source "
    "not yet available) scores 0 for that village, is left out of the township's min and "
    "max, and is listed in the entry's missing components."
)
TIE_RULE = (
    "Equal scores are ordered by more households benefiting first, then fewer complaints "
    "received, then the lower village code."
)


@dataclass(frozen=True)
class PublishedFormula:
    """One version of the formula as it is published: its stored weights, the rules as
    text, and when it was in force (from its publication until the next version's)."""

    formula: ScoringFormula
    indicators: dict[str, str]
    normalisation_rule: str
    missing_data_rule: str
    tie_rule: str
    effective_from: datetime.datetime
    effective_until: datetime.datetime | None

    @property
    def version(self) -> int:
        return self.formula.version

    @property
    def weights(self) -> dict[str, str]:
        return self.formula.weights

    @property
    def description(self) -> str:
        return self.formula.description

    @property
    def published_at(self) -> datetime.datetime:
        return self.formula.published_at


def formula_indicators(version: int) -> dict[str, str]:
    activity = (
        ACTIVITY_LOGINS_AND_UPDATES
        if version >= UPDATES_COUNT_FROM_VERSION
        else ACTIVITY_LOGINS_ONLY
    )
    return {c: activity if c == "activity" else COMPONENT_INDICATORS[c] for c in COMPONENTS}


def formula_versions() -> list[PublishedFormula]:
    """Every published version, newest first (one statement: there are a handful)."""
    formulas = list(ScoringFormula.objects.order_by("version"))
    published = []
    for index, formula in enumerate(formulas):
        successor = formulas[index + 1] if index + 1 < len(formulas) else None
        published.append(
            PublishedFormula(
                formula=formula,
                indicators=formula_indicators(formula.version),
                normalisation_rule=NORMALISATION_RULE,
                missing_data_rule=MISSING_DATA_RULE,
                tie_rule=TIE_RULE,
                effective_from=formula.published_at,
                effective_until=successor.published_at if successor else None,
            )
        )
    return published[::-1]


@dataclass(frozen=True)
class _VillageFigures:
    components: dict[str, dict[int, Decimal | None]]
    # The tie-breaks.
    households: ByVillage
    complaints_received: ByVillage


def _village_figures(w: Window, *, formula_version: int) -> _VillageFigures:
    """Every component for every village of the window, and the tie-breaks, each read
    grouped by village: a township costs the same statements whatever its number of
    villages."""
    complaints = complaints_by_village(w)
    activity = administrator_activity_by_village(w)
    counts_updates = formula_version >= UPDATES_COUNT_FROM_VERSION
    households = (
        households_benefiting_by_village(w)
        if formula_version >= LEDGER_HOUSEHOLDS_FROM_VERSION
        else households_named_on_sold_lines_by_village(w)
    )
    components: dict[str, dict[int, Decimal | None]] = {
        "activity": {
            v: logins + (activity.updates[v] if counts_updates else 0)
            for v, logins in activity.logins.items()
        },
        "sales": dict(sales_amount_by_village(w)),
        "households": dict(households),
        "timeliness": data_timeliness_by_village(w),
        "service": dict(agency_services_by_village(w)),
        # A village with no complaint in the quarter scores 100: nothing went unresolved.
        "complaints": {
            v: Decimal("100.00") if not complaints.received[v] else rate
            for v, rate in complaints.resolution_rate.items()
        },
    }
    return _VillageFigures(
        components=components, households=households, complaints_received=complaints.received
    )


@transaction.atomic
def formula_publish(*, version: int, weights: dict[str, str], description: str) -> ScoringFormula:
    if set(weights) != set(COMPONENTS):
        raise refuse(
            "weights",
            "Weights are needed for exactly: " + ", ".join(COMPONENTS) + ".",
            SupervisionErrorCode.INVALID,
        )
    try:
        parsed = {k: Decimal(str(v)) for k, v in weights.items()}
    except ArithmeticError:
        raise refuse(
            "weights", "Weights are decimal numbers.", SupervisionErrorCode.INVALID
        ) from None
    if any(v < 0 for v in parsed.values()) or sum(parsed.values()) != 1:
        raise refuse(
            "weights", "Weights are non-negative and sum to 1.", SupervisionErrorCode.INVALID
        )
    if ScoringFormula.objects.filter(version=version).exists():
        raise refuse("version", f"Version {version} is published.", SupervisionErrorCode.DUPLICATE)
    return ScoringFormula.objects.create(
        version=version,
        weights={k: str(v) for k, v in parsed.items()},
        description=description,
        published_at=timezone.now(),
    )


def formula_current() -> ScoringFormula:
    """The latest published formula. While none is at CURRENT_VERSION yet, that version
    (the module's rules, with the latest weights or the default ones) is published the
    first time one is needed; older versions stay as published, for their rankings."""
    formula = ScoringFormula.objects.order_by("-version").first()
    if formula is not None and formula.version >= CURRENT_VERSION:
        return formula
    weights = formula.weights if formula is not None else DEFAULT_WEIGHTS
    try:
        with transaction.atomic():
            return formula_publish(
                version=CURRENT_VERSION, weights=weights, description=__doc__ or ""
            )
    except (ValidationError, IntegrityError):
        # Published meanwhile by a concurrent caller.
        return ScoringFormula.objects.get(version=CURRENT_VERSION)


@dataclass(frozen=True)
class ScoredVillage:
    village_id: int
    village_code: str
    score: Decimal
    components: dict[str, dict[str, str | None]]
    missing: list[str]
    households: Decimal
    complaints: Decimal


def _normalise(values: dict[int, Decimal | None]) -> dict[int, Decimal]:
    present = [v for v in values.values() if v is not None]
    if not present:
        return {k: Decimal(0) for k in values}
    low, high = min(present), max(present)
    out = {}
    for key, value in values.items():
        if value is None:
            out[key] = Decimal(0)
        elif high == low:
            out[key] = Decimal(1)
        else:
            out[key] = (value - low) / (high - low)
    return out


def ranking_compute(
    *, township: Township, quarter: Period, formula: ScoringFormula
) -> list[ScoredVillage]:
    """The ranked villages (pure: reads, never writes)."""
    villages = list(Village.objects.filter(township=township).order_by("code"))
    weights = {k: Decimal(v) for k, v in formula.weights.items()}
    w = Window(
        village_ids=tuple(v.pk for v in villages), start=quarter.start_at(), end=quarter.end_at()
    )
    figures = _village_figures(w, formula_version=formula.version)
    has_shop = set(
        Village.objects.filter(township=township, shops__isnull=False).values_list("pk", flat=True)
    )
    # A village without a shop has no data for any component (scored 0 and listed missing).
    raw: dict[str, dict[int, Decimal | None]] = {
        c: {v.pk: figures.components[c][v.pk] if v.pk in has_shop else None for v in villages}
        for c in COMPONENTS
    }
    households = figures.households
    complaints = figures.complaints_received
    normalised = {c: _normalise(raw[c]) for c in COMPONENTS}
    scored = []
    for village in villages:
        score = sum(
            (weights[c] * normalised[c][village.pk] for c in COMPONENTS), Decimal(0)
        ).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)
        raw_values = {c: raw[c][village.pk] for c in COMPONENTS}
        scored.append(
            ScoredVillage(
                village_id=village.pk,
                village_code=village.code,
                score=score,
                components={
                    c: {
                        "raw": None if raw_values[c] is None else str(raw_values[c]),
                        "normalised": str(
                            normalised[c][village.pk].quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)
                        ),
                    }
                    for c in COMPONENTS
                },
                missing=[c for c in COMPONENTS if raw_values[c] is None],
                households=households[village.pk],
                complaints=complaints[village.pk],
            )
        )
    scored.sort(key=lambda s: (-s.score, -s.households, s.complaints, s.village_code))
    return scored


def _digest(formula: ScoringFormula, scored: list[ScoredVillage]) -> str:
    payload = [[s.village_code, str(s.score), s.components, s.missing] for s in scored]
    blob = json.dumps([formula.version, payload], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _village_administrators(village_ids: list[int]) -> dict[int, list[User]]:
    people: dict[int, dict[int, User]] = {}
    for assignment in RoleAssignment.objects.filter(
        role=Role.SHOP_MANAGER, shop__village_id__in=village_ids, user__is_active=True
    ).select_related("user", "shop"):
        people.setdefault(assignment.shop.village_id, {})[assignment.user_id] = assignment.user  # type: ignore[union-attr]
    for term in AdministratorAppointment.objects.filter(
        village_id__in=village_ids, effective_until__isnull=True
    ).select_related("administrator"):
        people.setdefault(term.village_id, {})[term.administrator_id] = term.administrator
    return {village: list(users.values()) for village, users in people.items()}


def _notify(ranking: RedFlagRanking, entries: list[RedFlagEntry]) -> None:
    if not entries:
        return
    bottom_count = settings.SUPERVISION_RED_FLAG_BOTTOM
    winners = [e for e in entries if e.awarded]
    bottom = [e for e in entries[-bottom_count:] if not e.awarded] if len(entries) > 1 else []
    people = _village_administrators([e.village_id for e in winners + bottom])
    for entry, kind, subject in [
        *((e, ReminderKind.RED_FLAG_WINNER, "获得电子流动红旗") for e in winners),
        *((e, ReminderKind.RED_FLAG_BOTTOM, "电子流动红旗排名靠后，请加强") for e in bottom),
    ]:
        for person in people.get(entry.village_id, []):
            reminder_record(
                kind=kind,
                business_key=f"redflag:{ranking.pk}",
                recipient=person,
                subject=f"{ranking.quarter_label} {subject}",
                body=(
                    f"Red flag {ranking.quarter_label}: rank {entry.rank} of {len(entries)}, "
                    f"score {entry.score} (formula v{ranking.formula.version})."
                ),
                reason=f"red flag ranking {ranking.quarter_label}",
            )


def ranking_run(
    *, township: Township, quarter: Period, formula: ScoringFormula | None = None
) -> RedFlagRanking:
    """Rank the quarter once; a re-run returns the stored ranking if it agrees, and is
    refused if the data or the formula would now give another result."""
    if quarter.kind != PeriodKind.QUARTER:
        raise refuse(
            "quarter", "The red flag is awarded per quarter.", SupervisionErrorCode.INVALID_PERIOD
        )
    stored = (
        RedFlagRanking.objects.filter(township=township, quarter_start=quarter.start)
        .select_related("formula")
        .first()
    )
    formula = stored.formula if stored is not None else (formula or formula_current())
    scored = ranking_compute(township=township, quarter=quarter, formula=formula)
    digest = _digest(formula, scored)
    if stored is not None:
        if stored.digest != digest:
            raise refuse(
                "quarter",
                f"The {stored.quarter_label} ranking of {township} is published; a re-run now "
                "gives a different result and is not applied.",
                SupervisionErrorCode.RANKING_CHANGED,
            )
        return stored
    try:
        with transaction.atomic():
            ranking = RedFlagRanking.objects.create(
                township=township, quarter_start=quarter.start, formula=formula, digest=digest
            )
            entries = RedFlagEntry.objects.bulk_create(
                RedFlagEntry(
                    ranking=ranking,
                    village_id=s.village_id,
                    rank=rank,
                    score=s.score,
                    components=s.components,
                    missing=s.missing,
                    awarded=rank == 1,
                )
                for rank, s in enumerate(scored, start=1)
            )
            _notify(ranking, entries)
    except IntegrityError:
        return ranking_run(township=township, quarter=quarter, formula=formula)
    return ranking


def rankings_run_all(*, quarter: Period) -> list[RedFlagRanking]:
    rankings = []
    for township in Township.objects.order_by("pk"):
        try:
            rankings.append(ranking_run(township=township, quarter=quarter))
        except ValidationError:
            # A published ranking that would now differ stays as published; the others go on.
            logger.warning("red flag %s of %s not re-ranked", quarter.label, township)
    return rankings
