"""Settling sold lines: who gets what, once; clawbacks after refunds; the beat task."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collective_econ.error_codes import SettlementErrorCode
from collective_econ.ledger.selectors import account_balance, unbalanced_transaction_ids
from collective_econ.ledger.services import account_get_or_create, journal_entry_manual
from collective_econ.models import AccountKind, ConsignmentAgreement, JournalTransaction, Posting
from collective_econ.settlement.services import order_line_clawback, order_line_settle
from collective_econ.tasks import settle_due
from marketplace.payments.models import GatewayId, Refund, RefundStatus, TransactionItem
from tests.collective_econ.conftest import sell

pytestmark = pytest.mark.django_db


def _balance(kind: str, owner: Any = None) -> Decimal:
    return account_balance(account=account_get_or_create(kind=kind, owner=owner))


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return next(iter(exc.value.error_dict.values()))[0].code


def test_consignment_line_pays_household_less_commission_and_fee(
    village: Any, settings: Any
) -> None:
    settings.PLATFORM_FEE_RATES = {"urban-retail": "0.02"}
    ConsignmentAgreement.objects.create(
        shop=village.shop,
        household=village.household,
        commission_rate=Decimal("0.15"),
        effective_from=timezone.now().date() - timedelta(days=400),
    )
    sold = sell(shop=village.shop, lines=[("40.00", 2, village.household)], shipping="12.00")
    entry, created = order_line_settle(line=sold.lines[0])
    assert created
    assert _balance(AccountKind.ALIPAY_CLEARING) == Decimal("92.00")
    assert _balance(AccountKind.LOGISTICS_PAYABLE) == Decimal("-12.00")
    assert _balance(AccountKind.PLATFORM_FEES) == Decimal("-1.60")
    assert _balance(AccountKind.VILLAGE_COLLECTIVE, village.village) == Decimal("-12.00")
    assert _balance(AccountKind.HOUSEHOLD, village.household) == Decimal("-66.40")
    again, created = order_line_settle(line=sold.lines[0])
    assert (again.pk, created) == (entry.pk, False)
    assert Posting.objects.count() == 5


def test_collective_line_and_zero_fee_schedule_give_the_collective_everything(
    village: Any, settings: Any
) -> None:
    settings.PLATFORM_FEE_RATES = {}
    settings.PLATFORM_FEE_DEFAULT_RATE = "0.00"
    sold = sell(shop=village.shop, lines=[("19.90", 3, None)], gateway=GatewayId.CASH)
    order_line_settle(line=sold.lines[0])
    assert _balance(AccountKind.CASH_TILL, village.village) == Decimal("59.70")
    assert _balance(AccountKind.VILLAGE_COLLECTIVE, village.village) == Decimal("-59.70")
    assert not Posting.objects.filter(account__kind=AccountKind.PLATFORM_FEES).exists()


def test_default_commission_applies_without_an_agreement(village: Any, settings: Any) -> None:
    settings.CONSIGNMENT_DEFAULT_COMMISSION_RATE = "0.10"
    settings.PLATFORM_FEE_DEFAULT_RATE = "0.00"
    sold = sell(shop=village.shop, lines=[("10.00", 1, village.household)])
    order_line_settle(line=sold.lines[0])
    assert _balance(AccountKind.HOUSEHOLD, village.household) == Decimal("-9.00")


def test_discount_is_shared_so_the_lines_add_up_to_what_was_paid(village: Any) -> None:
    sold = sell(
        shop=village.shop,
        lines=[("10.00", 1, None), ("10.00", 1, village.household), ("10.00", 1, None)],
        shipping="8.00",
        discount="1.00",
    )
    for line in sold.lines:
        order_line_settle(line=line)
    assert _balance(AccountKind.ALIPAY_CLEARING) == sold.shop_order.total_amount
    assert unbalanced_transaction_ids() == []


@pytest.mark.parametrize("days_ago", [None, 2])
def test_a_line_inside_its_refund_window_is_not_due(
    village: Any, days_ago: int | None, settings: Any
) -> None:
    settings.SETTLEMENT_REFUND_WINDOW_DAYS = 7
    sold = sell(shop=village.shop, lines=[("10.00", 1, None)], fulfilled_days_ago=days_ago)
    with pytest.raises(ValidationError) as exc:
        order_line_settle(line=sold.lines[0])
    assert _code(exc) == SettlementErrorCode.NOT_DUE.value
    assert not JournalTransaction.objects.exists()


def test_bad_fee_schedule_is_a_coded_error_and_writes_nothing(village: Any, settings: Any) -> None:
    settings.PLATFORM_FEE_RATES = {"urban-retail": "-0.1"}
    sold = sell(shop=village.shop, lines=[("10.00", 1, None)])
    with pytest.raises(ValidationError) as exc:
        order_line_settle(line=sold.lines[0])
    assert _code(exc) == SettlementErrorCode.INVALID_RATE.value
    assert not Posting.objects.exists()


def test_the_beat_task_settles_due_lines_in_batches_once(village: Any, settings: Any) -> None:
    settings.SETTLEMENT_BATCH_SIZE = 2
    due = [sell(shop=village.shop, lines=[("5.00", 1, village.household)]) for _ in range(5)]
    sell(shop=village.shop, lines=[("5.00", 1, None)], fulfilled_days_ago=1)
    assert settle_due.delay().get()["settled"] == 5
    assert settle_due.delay().get()["settled"] == 0
    assert JournalTransaction.objects.filter(kind="SETTLEMENT").count() == 5
    assert _balance(AccountKind.ALIPAY_CLEARING) == sum(d.order.total_amount for d in due)


def test_lines_that_cannot_settle_do_not_hold_back_the_others(village: Any, settings: Any) -> None:
    settings.SETTLEMENT_BATCH_SIZE = 2
    for _ in range(3):
        broken = sell(shop=village.shop, lines=[("5.00", 1, None)])
        # Marked paid, but no charged payment behind it: refused (NOT_DUE), logged, skipped.
        TransactionItem.objects.filter(order=broken.order).update(
            status="CANCELLED", charged_amount=0
        )
    good = [sell(shop=village.shop, lines=[("5.00", 1, None)]) for _ in range(2)]
    counts = settle_due.delay().get()
    assert (counts["settled"], counts["skipped"]) == (2, 3)
    assert sorted(JournalTransaction.objects.values_list("order_line_id", flat=True)) == sorted(
        g.lines[0].pk for g in good
    )


def test_clawback_takes_back_from_the_same_accounts(village: Any, settings: Any) -> None:
    settings.PLATFORM_FEE_RATES = {"urban-retail": "0.10"}
    settings.CONSIGNMENT_DEFAULT_COMMISSION_RATE = "0.10"
    sold = sell(shop=village.shop, lines=[("100.00", 1, village.household)])
    order_line_settle(line=sold.lines[0])
    order_line_clawback(line=sold.lines[0], amount="50.00", key="t1")
    order_line_clawback(line=sold.lines[0], amount="50.00", key="t1")  # replay: nothing
    assert _balance(AccountKind.ALIPAY_CLEARING) == Decimal("50.00")
    assert _balance(AccountKind.HOUSEHOLD, village.household) == Decimal("-40.00")
    assert _balance(AccountKind.PLATFORM_FEES) == Decimal("-5.00")
    with pytest.raises(ValidationError) as exc:
        order_line_clawback(line=sold.lines[0], amount="50.01", key="t2")
    assert _code(exc) == SettlementErrorCode.EXCEEDS_SETTLED.value
    for bad in ("-1", "abc", "0"):
        with pytest.raises(ValidationError):
            order_line_clawback(line=sold.lines[0], amount=bad, key=f"bad{bad}")
    assert unbalanced_transaction_ids() == []


def test_clawback_after_payout_flags_a_receivable(village: Any, settings: Any) -> None:
    settings.PLATFORM_FEE_DEFAULT_RATE = "0.00"
    settings.CONSIGNMENT_DEFAULT_COMMISSION_RATE = "0.00"
    sold = sell(shop=village.shop, lines=[("30.00", 1, village.household)])
    order_line_settle(line=sold.lines[0])
    household = account_get_or_create(kind=AccountKind.HOUSEHOLD, owner=village.household)
    # Payouts do not exist yet: a manual entry pays ¥25 of the ¥30 out.
    journal_entry_manual(
        idempotency_key="payout",
        postings=[
            (household, "25.00"),
            (account_get_or_create(kind=AccountKind.ALIPAY_CLEARING), "-25.00"),
        ],
        memo="paid out",
    )
    order_line_clawback(line=sold.lines[0], amount="30.00", key="full")
    assert _balance(AccountKind.HOUSEHOLD, village.household) == Decimal("0.00")
    assert _balance(AccountKind.HOUSEHOLD_RECEIVABLE, village.household) == Decimal("25.00")


def test_clawback_of_an_unsettled_line_is_refused(village: Any) -> None:
    sold = sell(shop=village.shop, lines=[("30.00", 1, None)])
    with pytest.raises(ValidationError) as exc:
        order_line_clawback(line=sold.lines[0], amount="1.00", key="x")
    assert _code(exc) == SettlementErrorCode.NOT_SETTLED.value


def test_the_beat_task_claws_back_refunds_after_settlement(village: Any) -> None:
    sold = sell(shop=village.shop, lines=[("10.00", 1, None), ("30.00", 1, village.household)])
    settle_due.delay().get()
    Refund.objects.create(
        shop_order=sold.shop_order,
        transaction=TransactionItem.objects.get(order=sold.order),
        out_request_no="R1",
        idempotency_key="k",
        amount=Decimal("20.00"),
        status=RefundStatus.SUCCESS,
        completed_at=timezone.now(),
    )
    assert settle_due.delay().get()["clawbacks"] == 2
    assert settle_due.delay().get()["clawbacks"] == 0
    assert _balance(AccountKind.ALIPAY_CLEARING) == Decimal("20.00")
    assert unbalanced_transaction_ids() == []


def test_a_batch_costs_the_same_statements_for_5_lines_as_for_50(
    village: Any, settings: Any
) -> None:
    settings.SETTLEMENT_BATCH_SIZE = 500

    def run(n: int) -> int:
        for i in range(n):
            sell(
                shop=village.shop,
                lines=[("5.00", 1, village.household if i % 2 else None)],
                gateway=GatewayId.CASH if i % 3 == 0 else GatewayId.ALIPAY,
                shipping="1.00",
            )
        with CaptureQueriesContext(connection) as ctx:
            counts = settle_due.delay().get()
        assert counts["settled"] == n
        return len(ctx.captured_queries)

    run(3)  # the accounts are created once
    assert run(5) == run(50)


@pytest.mark.parametrize(
    ("stay_ended_days_ago", "due"),
    [(-2, False), (3, False), (8, True)],  # ahead; inside the 7-day window; past it
)
def test_a_stay_settles_once_it_has_taken_place_and_its_refund_window_passed(
    village: Any, settings: Any, stay_ended_days_ago: int, due: bool
) -> None:
    """Tourism is never 'fulfilled' by a parcel: its line is due once the stay or
    experience has ended and the refund window after it has passed."""
    settings.SETTLEMENT_REFUND_WINDOW_DAYS = 7
    sold = sell(
        shop=village.shop, lines=[("300.00", 1, village.household)], fulfilled_days_ago=None
    )
    line = sold.lines[0]
    line.offering_kind = "HOMESTAY"
    line.booking_end_date = timezone.localdate() - timedelta(days=stay_ended_days_ago)
    line.booking_start_date = line.booking_end_date - timedelta(days=2)
    line.booking_guests = 2
    line.save(
        update_fields=["offering_kind", "booking_start_date", "booking_end_date", "booking_guests"]
    )
    if not due:
        with pytest.raises(ValidationError) as exc:
            order_line_settle(line=line)
        assert _code(exc) == SettlementErrorCode.NOT_DUE.value
        settle_due()
        assert not JournalTransaction.objects.exists()
        return
    settle_due()
    settled = JournalTransaction.objects.get(kind="SETTLEMENT")
    assert settled.order_line_id == line.pk
    household = account_get_or_create(kind=AccountKind.HOUSEHOLD, owner=village.household)
    assert account_balance(account=household) < 0  # credited
    assert unbalanced_transaction_ids() == []
