"""Drafting, approving, filing and paying a distribution cost the same number of SQL
statements for 2 members as for 12: the register, the allocations, the member accounts
and their balances are each read or written in one go."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collective_econ.distribution.services import (
    distribution_approve,
    distribution_create,
    distribution_file,
    distribution_pay,
)
from tests.api_distribution.books import BOOK_YEAR, make_books, post_collective_income

pytestmark = pytest.mark.django_db


def _workflow_queries(members: int) -> list[int]:
    books = make_books(households=members, shares=[str(i + 1) for i in range(members)])
    post_collective_income(books.village, "5000.00")
    counts = []

    def measure(step: Any) -> Any:
        with CaptureQueriesContext(connection) as ctx:
            try:
                return step()
            finally:
                counts.append(len(ctx.captured_queries))

    draft = measure(
        lambda: distribution_create(
            actor=books.manager,
            village=books.village,
            year=BOOK_YEAR,
            reserve_fund_percent="10",
            welfare_fund_percent="5",
            reason="plan",
        )
    )
    measure(
        lambda: distribution_approve(
            actor=books.manager,
            distribution=draft,
            assembly_date=timezone.localdate(),
            attendance=members,
            resolution="通过",
        )
    )
    filed = measure(
        lambda: distribution_file(actor=books.officer, distribution=draft, reason="reviewed")
    )
    with pytest.raises(ValidationError):  # PAYOUTS_OUTSTANDING, counted all the same
        measure(lambda: distribution_pay(actor=books.manager, distribution=filed, reason="x"))
    return counts


def test_workflow_query_counts_do_not_grow_with_members() -> None:
    small = _workflow_queries(2)
    large = _workflow_queries(12)
    assert small == large
