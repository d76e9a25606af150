"""The share register: effective-dated periods that never overlap, every change audited,
and only the village's own manager (or a platform admin) writing it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from collective_econ.models import AgreementKind, MemberShare, ShareRegisterChange
from collective_econ.shares.selectors import investor_agreements_in, share_register
from collective_econ.shares.services import (
    collective_member_register,
    investor_agreement_set,
    investor_register,
    member_shares_set,
)
from tests.api_distribution.books import make_books

pytestmark = pytest.mark.django_db


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return next(iter(exc.value.error_dict.values()))[0].code


def test_changing_shares_from_a_day_closes_the_open_period_and_is_audited() -> None:
    books = make_books(households=1, shares=["10"])
    member = books.members[0]
    member_shares_set(
        actor=books.manager,
        member=member,
        shares="12.5",
        valid_from=date(2024, 7, 1),
        reason="inherited 2.5 shares",
    )
    periods = list(MemberShare.objects.filter(member=member).order_by("valid_from"))
    assert [(p.shares, p.valid_from, p.valid_to) for p in periods] == [
        (Decimal("10.0000"), date(2020, 1, 1), date(2024, 7, 1)),
        (Decimal("12.5000"), date(2024, 7, 1), None),
    ]
    assert share_register(village=books.village, on=date(2024, 6, 30))[0].shares == 10
    assert share_register(village=books.village, on=date(2024, 7, 1))[0].shares == Decimal("12.5")
    history = ShareRegisterChange.objects.filter(village=books.village).order_by("pk")
    assert [(h.entity, h.action) for h in history] == [
        ("MEMBER", "ADD"),
        ("MEMBER_SHARE", "OPEN"),
        ("MEMBER_SHARE", "CLOSE"),
        ("MEMBER_SHARE", "OPEN"),
    ]
    closed = history[2]
    assert closed.before["valid_to"] is None and closed.after["valid_to"] == "2024-07-01"
    assert closed.actor == books.manager and closed.reason == "inherited 2.5 shares"


def test_zero_shares_ends_membership_from_that_day() -> None:
    books = make_books(households=1, shares=["3"])
    assert (
        member_shares_set(
            actor=books.manager,
            member=books.members[0],
            shares=0,
            valid_from=date(2025, 1, 1),
            reason="left the collective",
        )
        is None
    )
    assert share_register(village=books.village, on=date(2025, 1, 1)) == []
    assert len(share_register(village=books.village, on=date(2024, 12, 31))) == 1


def test_overlapping_bounded_period_is_refused_and_nothing_written() -> None:
    books = make_books(households=1)
    member = collective_member_register(
        actor=books.manager, household=books.households[0], reason="joined"
    )
    member_shares_set(
        actor=books.manager,
        member=member,
        shares="5",
        valid_from=date(2021, 1, 1),
        valid_to=date(2023, 1, 1),
        reason="first term",
    )
    before = ShareRegisterChange.objects.count()
    with pytest.raises(ValidationError) as exc:
        member_shares_set(
            actor=books.manager,
            member=member,
            shares="6",
            valid_from=date(2022, 6, 1),
            valid_to=date(2024, 1, 1),
            reason="x",
        )
    assert _code(exc) == "overlapping_period"
    assert ShareRegisterChange.objects.count() == before
    assert MemberShare.objects.filter(member=member).count() == 1


@pytest.mark.parametrize(
    ("shares", "code"),
    [
        ("-1", "invalid_amount"),
        ("abc", "invalid_amount"),
        (1.5, "invalid_amount"),
        ("1.00001", "invalid_amount"),
    ],
)
def test_bad_share_counts_are_coded(shares: object, code: str) -> None:
    books = make_books(households=1, shares=["1"])
    with pytest.raises(ValidationError) as exc:
        member_shares_set(
            actor=books.manager,
            member=books.members[0],
            shares=shares,
            valid_from=date(2025, 1, 1),
            reason="x",
        )
    assert _code(exc) == code


def test_period_ending_before_it_starts_is_refused_by_service_and_database() -> None:
    books = make_books(households=1, shares=["1"])
    with pytest.raises(ValidationError) as exc:
        member_shares_set(
            actor=books.manager,
            member=books.members[0],
            shares="1",
            valid_from=date(2030, 1, 1),
            valid_to=date(2029, 1, 1),
            reason="x",
        )
    assert _code(exc) == "invalid_period"
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberShare.objects.create(
            member=books.members[0],
            shares=1,
            valid_from=date(2030, 1, 1),
            valid_to=date(2030, 1, 1),
        )


def test_another_villages_manager_cannot_write_the_register() -> None:
    books = make_books(households=1, shares=["1"])
    other = make_books(households=0)
    for actor in (other.manager, books.officer, None):
        with pytest.raises(ValidationError) as exc:
            member_shares_set(
                actor=actor,
                member=books.members[0],
                shares="2",
                valid_from=date(2025, 1, 1),
                reason="x",
            )
        assert _code(exc) == "not_permitted"
    assert MemberShare.objects.filter(member=books.members[0]).count() == 1


def test_investor_agreements_are_effective_dated() -> None:
    books = make_books(households=0)
    investor = investor_register(
        actor=books.manager,
        village=books.village,
        name="临沧茶业有限公司",
        reason="tea factory investment",
    )
    investor_agreement_set(
        actor=books.manager,
        investor=investor,
        kind=AgreementKind.FIXED_RETURN,
        capital_amount="100000.00",
        rate="0.05",
        valid_from=date(2022, 1, 1),
        reason="agreement",
    )
    investor_agreement_set(
        actor=books.manager,
        investor=investor,
        kind=AgreementKind.PROFIT_SHARE,
        capital_amount="100000.00",
        rate="0.1",
        valid_from=date(2025, 1, 1),
        reason="renegotiated",
    )
    in_2024 = list(
        investor_agreements_in(
            village=books.village, start=date(2024, 1, 1), end=date(2024, 12, 31)
        )
    )
    assert [a.kind for a in in_2024] == [AgreementKind.FIXED_RETURN]
    with pytest.raises(ValidationError) as exc:
        investor_agreement_set(
            actor=books.manager,
            investor=investor,
            kind="FIXED_RETURN",
            capital_amount="1.00",
            rate="1.5",
            valid_from=date(2026, 1, 1),
            reason="x",
        )
    assert _code(exc) == "invalid_amount"
