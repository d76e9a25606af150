"""The demo's collective economy: a settled year, the register, and one distribution
filed and paid; loading it again adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from collective_econ.ledger.selectors import unbalanced_transaction_ids
from collective_econ.models import (
    Distribution,
    DistributionEvent,
    JournalTransaction,
    MemberShare,
    Payout,
    ShareRegisterChange,
)
from marketplace.accounts.models import User
from tooling.demo import collective_econ as demo_collective_econ

pytestmark = pytest.mark.django_db

TABLES = (
    Distribution,
    DistributionEvent,
    JournalTransaction,
    MemberShare,
    Payout,
    ShareRegisterChange,
)


def test_demo_has_a_paid_distribution_and_reloading_adds_nothing(demo: Any) -> None:
    paid = Distribution.objects.get()
    assert paid.status == "PAID" and paid.journal_transaction is not None
    assert list(paid.events.values_list("action", flat=True)) == [
        "create",
        "approve",
        "file",
        "pay",
    ]
    cash = Payout.objects.filter(status="SUCCEEDED", method="CASH").select_related("till_shift")
    assert cash.exists()
    # Paid during a till shift at the village's Red Supermarket, which, once closed,
    # counted exactly the cash the ledger expected.
    for payout in cash:
        shift = payout.till_shift
        assert shift is not None and shift.supermarket.shop.village_id == paid.village_id
        assert shift.status == "OPEN" or shift.variance == 0
    assert JournalTransaction.objects.filter(kind="SETTLEMENT").exists()
    assert unbalanced_transaction_ids() == []
    before = {model: model.objects.count() for model in TABLES}
    demo_collective_econ.load(admin=User.objects.filter(is_superuser=True).first())
    assert {model: model.objects.count() for model in TABLES} == before
