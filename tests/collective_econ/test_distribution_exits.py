"""The workflow's exits: the township returns an approved distribution, the book-keeper
cancels a draft or a returned one; both keep the row and its events, post nothing, and
free the village's year for a corrected draft (the partial UNIQUE index holds only live
rows). Refusals are coded; the back office buttons call the same services."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from collective_econ.distribution.services import distribution_cancel, distribution_return
from collective_econ.models import (
    Distribution,
    DistributionEvent,
    DistributionStatus,
    JournalTransaction,
)
from tests.api_distribution.books import (
    BOOK_YEAR,
    Books,
    approve_distribution,
    draft_distribution,
    error_code,
    filed_distribution,
    make_books,
    post_collective_income,
)

pytestmark = pytest.mark.django_db
YEAR = BOOK_YEAR


def _draft(books: Books, *, reserve: str = "10") -> Distribution:
    return draft_distribution(books, year=YEAR, reserve=reserve)


def _approved(books: Books) -> Distribution:
    return approve_distribution(books, _draft(books))


@pytest.fixture
def books() -> Books:
    books = make_books(households=2, shares=["1", "1"])
    post_collective_income(books.village, "1000.00", year=YEAR)
    return books


def test_township_returns_an_approved_distribution_and_the_year_is_drafted_again(
    books: Books,
) -> None:
    approved = _approved(books)
    returned = distribution_return(
        actor=books.officer, distribution=approved, reason="welfare fund above the rules"
    )
    assert returned.status == DistributionStatus.RETURNED
    event = DistributionEvent.objects.get(distribution=approved, action="return")
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        "APPROVED",
        "RETURNED",
        books.officer,
        "welfare fund above the rules",
    )
    assert not JournalTransaction.objects.filter(kind="DISTRIBUTION").exists()
    corrected = _draft(books, reserve="8")
    assert corrected.status == DistributionStatus.DRAFT and corrected.pk != approved.pk
    # The returned row is history, not deleted; it can still be discarded.
    cancelled = distribution_cancel(actor=books.manager, distribution=returned, reason="tidy")
    assert cancelled.status == DistributionStatus.CANCELLED
    assert [e.action for e in DistributionEvent.objects.filter(distribution=approved)] == [
        "create",
        "approve",
        "return",
        "cancel",
    ]
    assert Distribution.objects.filter(village=books.village, year=YEAR).count() == 2


def test_book_keeper_cancels_a_draft_and_may_draft_again(books: Books) -> None:
    draft = _draft(books)
    distribution_cancel(actor=books.manager, distribution=draft, reason="wrong percentage")
    event = DistributionEvent.objects.get(distribution=draft, action="cancel")
    assert (event.from_status, event.to_status, event.actor) == (
        "DRAFT",
        "CANCELLED",
        books.manager,
    )
    assert _draft(books).status == DistributionStatus.DRAFT
    # Still one live distribution a year: a second live draft is refused.
    with pytest.raises(ValidationError) as exc:
        _draft(books)
    assert error_code(exc) == "already_exists"


def test_return_is_refused_to_the_village_and_other_townships_and_out_of_order(
    books: Books,
) -> None:
    other = make_books(households=0)
    draft = _draft(books)
    with pytest.raises(ValidationError) as exc:
        distribution_return(actor=books.officer, distribution=draft, reason="early")
    assert error_code(exc) == "invalid_transition"
    approve_distribution(books, draft)
    for actor in (books.manager, other.officer, other.manager, None):
        with pytest.raises(ValidationError) as exc:
            distribution_return(actor=actor, distribution=draft, reason="no")
        assert error_code(exc) == "not_permitted"
    with pytest.raises(ValidationError) as exc:
        distribution_return(actor=books.officer, distribution=draft, reason="  ")
    assert error_code(exc) == "invalid"
    draft.refresh_from_db()
    assert draft.status == DistributionStatus.APPROVED
    assert not DistributionEvent.objects.filter(distribution=draft, action="return").exists()


def test_filed_distributions_are_neither_returned_nor_cancelled(books: Books) -> None:
    filed = filed_distribution(books, year=YEAR)
    with pytest.raises(ValidationError) as exc:
        distribution_return(actor=books.officer, distribution=filed, reason="late")
    assert error_code(exc) == "invalid_transition"
    with pytest.raises(ValidationError) as exc:
        distribution_cancel(actor=books.manager, distribution=filed, reason="late")
    assert error_code(exc) == "invalid_transition"
    filed.refresh_from_db()
    assert filed.status == DistributionStatus.FILED


def test_cancel_is_refused_to_the_township_and_for_approved_or_cancelled_rows(
    books: Books,
) -> None:
    other = make_books(households=0)
    draft = _draft(books)
    for actor in (books.officer, other.manager, None):
        with pytest.raises(ValidationError) as exc:
            distribution_cancel(actor=actor, distribution=draft, reason="no")
        assert error_code(exc) == "not_permitted"
    with pytest.raises(ValidationError) as exc:
        distribution_cancel(actor=books.manager, distribution=draft, reason="")
    assert error_code(exc) == "invalid"
    distribution_cancel(actor=books.admin, distribution=draft, reason="county discards it")
    with pytest.raises(ValidationError) as exc:
        distribution_cancel(actor=books.manager, distribution=draft, reason="twice")
    assert error_code(exc) == "invalid_transition"
    approved = _approved(books)
    with pytest.raises(ValidationError) as exc:
        distribution_cancel(actor=books.manager, distribution=approved, reason="after vote")
    assert error_code(exc) == "invalid_transition"


def test_the_database_holds_one_live_distribution_a_year(books: Books) -> None:
    draft = _draft(books)
    fields: dict[str, Any] = {
        "village": books.village,
        "year": YEAR,
        "record_date": draft.record_date,
        "reserve_fund_percent": 0,
        "welfare_fund_percent": 0,
    }
    Distribution.objects.create(status=DistributionStatus.CANCELLED, **fields)
    Distribution.objects.create(status=DistributionStatus.RETURNED, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Distribution.objects.create(status=DistributionStatus.DRAFT, **fields)


def test_back_office_return_and_cancel_buttons(client: Any, books: Books) -> None:
    approved = _approved(books)
    step = reverse("admin:backoffice_distribution_step", args=[approved.pk, "return"])
    client.force_login(books.manager)
    change = client.get(reverse("admin:collective_econ_distribution_change", args=[approved.pk]))
    assert "Send back to the village" in change.content.decode()
    refused = client.post(step, {"reason": "mine"}, follow=True)
    assert "township" in refused.content.decode()
    client.force_login(books.officer)
    client.post(step, {"reason": "percentages wrong"})
    approved.refresh_from_db()
    assert approved.status == DistributionStatus.RETURNED
    cancel = reverse("admin:backoffice_distribution_step", args=[approved.pk, "cancel"])
    client.post(cancel, {"reason": "officer may not"})
    approved.refresh_from_db()
    assert approved.status == DistributionStatus.RETURNED
    client.force_login(books.manager)
    client.post(cancel, {"reason": "redrafted"})
    approved.refresh_from_db()
    assert approved.status == DistributionStatus.CANCELLED
    assert DistributionEvent.objects.get(distribution=approved, action="cancel").reason == (
        "redrafted"
    )
