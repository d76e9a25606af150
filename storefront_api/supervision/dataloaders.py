"""Batch loaders of supervision rows: a report's values, a ranking's entries, a claim's
evidence, published formulas, and users shown as administrators."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from marketplace.accounts.models import User
from marketplace.supervision.models import (
    ClaimEvidence,
    RedFlagEntry,
    ReportFiling,
    ReportValue,
)
from marketplace.supervision.red_flag import PublishedFormula, formula_versions
from storefront_api.core.dataloaders import DataLoader, by_key


def _grouped(keys: Sequence[int], rows: list, key: str) -> list[list]:
    groups: dict[int, list] = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    return [groups.get(k, []) for k in keys]


class ReportValuesByReportLoader(DataLoader[int, list[ReportValue]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[ReportValue]]:
        rows = list(
            ReportValue.objects.filter(report_id__in=keys).order_by("report_id", "position")
        )
        return _grouped(keys, rows, "report_id")


class FilingByReportLoader(DataLoader[int, ReportFiling]):
    def batch_load(self, keys: Sequence[int]) -> list[ReportFiling | None]:
        rows = ReportFiling.objects.filter(report_id__in=keys)
        return by_key(keys, rows, lambda f: f.report_id)


class EntriesByRankingLoader(DataLoader[int, list[RedFlagEntry]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[RedFlagEntry]]:
        rows = list(RedFlagEntry.objects.filter(ranking_id__in=keys).order_by("ranking_id", "rank"))
        return _grouped(keys, rows, "ranking_id")


class EvidenceByClaimLoader(DataLoader[int, list[ClaimEvidence]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[ClaimEvidence]]:
        rows = list(ClaimEvidence.objects.filter(claim_id__in=keys).order_by("claim_id", "pk"))
        return _grouped(keys, rows, "claim_id")


class UserByIdLoader(DataLoader[int, User]):
    def batch_load(self, keys: Sequence[int]) -> list[User | None]:
        return by_key(keys, User.objects.filter(pk__in=keys), lambda u: u.pk)


class PublishedFormulaByIdLoader(DataLoader[int, PublishedFormula]):
    """By formula pk. Every version is read at once: a version's effective end is the next
    one's publication, and there are only a handful."""

    def batch_load(self, keys: Sequence[int]) -> list[PublishedFormula | None]:
        return by_key(keys, formula_versions(), lambda p: p.formula.pk)
