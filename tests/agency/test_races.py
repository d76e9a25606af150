"""Real races against PostgreSQL: threads pressing the same request id, and many
withdrawals on one card and one supermarket at once."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from collective_econ.models import JournalTransaction
from marketplace.agency.models import AgencyOrder, CashWithdrawal, WithdrawalStatus
from marketplace.agency.orders import agency_order_create
from marketplace.agency.withdrawals import cash_withdrawal_create
from tests.agency.test_orders import balances
from tests.agency.world import CARD, make_counter, put_cash_in_till
from tests.payments.test_races import race as payments_race

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def race(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    return payments_race(threads, work)


def test_the_same_request_id_pressed_in_many_threads_pays_once(sandbox):
    counter = make_counter()
    results = race(
        lambda _: agency_order_create(
            supermarket=counter.supermarket,
            operator=counter.operator,
            request_id="race-same-request-1",
            item_code="electricity-sgcc",
            fields={"account": "3100012345"},
            amount="88.00",
        )
    )
    assert all(isinstance(result, AgencyOrder) for result in results), results
    assert {result.pk for result in results} == {AgencyOrder.objects.get().pk}
    assert (
        JournalTransaction.objects.filter(idempotency_key__startswith="agency-order:").count() == 1
    )
    assert balances(counter)[0] == Decimal("88.00")
    # The provider saw (and charged) one order.
    assert sum(1 for key in sandbox.orders if key[1] == "race-same-request-1") == 1


def test_many_withdrawals_on_one_card_never_exceed_its_daily_limit(sandbox, settings):
    settings.AGENCY_WITHDRAWAL_CARD_DAILY_LIMIT = "1000"
    counters = [make_counter(), make_counter()]
    for counter in counters:
        put_cash_in_till(counter.supermarket, Decimal("5000.00"))
    results = race(
        lambda i: cash_withdrawal_create(
            supermarket=counters[i % 2].supermarket,
            operator=counters[i % 2].operator,
            request_id=f"race-card-{i:04d}",
            card_number=CARD,
            amount="300.00",
        )
    )
    succeeded = [r for r in results if isinstance(r, CashWithdrawal)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(succeeded) == 3 and len(refused) == THREADS - 3, results
    assert sum(
        w.amount for w in CashWithdrawal.objects.filter(status=WithdrawalStatus.SUCCESS)
    ) == Decimal("900.00")


@pytest.mark.parametrize(
    ("station_limit", "till", "paid_out"),
    [("1000", "5000.00", 2), ("20000", "1500.00", 3)],
)
def test_many_withdrawals_at_one_supermarket_never_exceed_its_limit_or_its_till(
    sandbox, settings, station_limit, till, paid_out
):
    settings.AGENCY_WITHDRAWAL_STATION_DAILY_LIMIT = station_limit
    counter = make_counter()
    put_cash_in_till(counter.supermarket, Decimal(till))
    cards = ["6222020200112233446", "6222020200112233453", "6212260200012345670", "6212260200012345688",
             "6228480012345678903", "6228480012345678911", "6217000010012345677", "6217000010012345685"]  # fmt: skip
    results = race(
        lambda i: cash_withdrawal_create(
            supermarket=counter.supermarket,
            operator=counter.operator,
            request_id=f"race-station-{i:04d}",
            card_number=cards[i],
            amount="400.00",
        )
    )
    succeeded = [r for r in results if isinstance(r, CashWithdrawal)]
    assert len(succeeded) == paid_out, results
    assert balances(counter)[0] == Decimal(till) - paid_out * Decimal("400.00") >= 0
