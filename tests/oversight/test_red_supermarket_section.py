"""The Red Supermarket section: services by category, cash withdrawn, parcels, unusual
withdrawals and open reconciliation differences equal the rows they come from."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from logistics.parcels.models import ParcelDispatch, StationParcel
from logistics.stations.models import VillageStation
from marketplace.accounts.models import Role
from marketplace.agency.models import (
    AgencyOrder,
    CashWithdrawal,
    DiscrepancyKind,
    ReconciliationItem,
    ReconciliationRun,
    ServiceItem,
    WithdrawalStatus,
)
from marketplace.agency.models import OrderStatus as AgencyStatus
from marketplace.oversight.access import township_scope
from marketplace.oversight.dashboard import dashboard_build
from marketplace.oversight.periods import Period
from tests import factories
from tests.agency.world import CARD, ensure_catalogue
from tests.oversight.world import at, oversight_township

pytestmark = pytest.mark.django_db

Q4 = Period(kind="range", first_month=date(2026, 9, 1), last_month=date(2026, 11, 1))
NOW = datetime(2026, 12, 3, 12, tzinfo=timezone.get_default_timezone())


def _order(supermarket, operator, code: str, status: str, amount: str, when: datetime, n: int):  # type: ignore[no-untyped-def]
    order = AgencyOrder.objects.create(
        request_id=f"section-{code}-{n}",
        supermarket=supermarket,
        item=ServiceItem.objects.get(code=code),
        fields={"account": "1234567890"},
        account="1234567890",
        amount=Decimal(amount),
        commission=Decimal("0.10"),
        payment_method="CASH",
        status=status,
        operator=operator,
    )
    AgencyOrder.objects.filter(pk=order.pk).update(created_at=when)


def _withdrawal(supermarket, operator, amount: str, when: datetime, n: int) -> None:  # type: ignore[no-untyped-def]
    row = CashWithdrawal.objects.create(
        request_id=f"section-withdrawal-{n}",
        supermarket=supermarket,
        item=ServiceItem.objects.get(code="cash-withdrawal"),
        card_number=CARD,
        card_masked="6222 **** **** 3446",
        amount=Decimal(amount),
        business_day=when.date(),
        status=WithdrawalStatus.SUCCESS,
        operator=operator,
    )
    CashWithdrawal.objects.filter(pk=row.pk).update(created_at=when)


def test_the_section_counts_what_the_supermarkets_did(settings):
    settings.AGENCY_WITHDRAWAL_CARD_DAILY_LIMIT = "2000"
    settings.OVERSIGHT_UNUSUAL_WITHDRAWAL_SHARE = "0.8"
    ensure_catalogue()
    built = oversight_township(villages=2)
    one, two = built.villages
    first = factories.red_supermarket(shop_obj=one.shop)
    second = factories.red_supermarket(shop_obj=two.shop)
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=one.shop)
    _order(first, operator, "electricity-sgcc", AgencyStatus.SUCCESS, "120.00", at(2026, 10, 3), 1)
    _order(second, operator, "electricity-sgcc", AgencyStatus.SUCCESS, "80.00", at(2026, 11, 3), 2)
    # Refunded, and outside the period: neither counts.
    _order(first, operator, "electricity-sgcc", AgencyStatus.FAILED, "50.00", at(2026, 10, 4), 3)
    _order(first, operator, "electricity-sgcc", AgencyStatus.SUCCESS, "70.00", at(2026, 8, 4), 4)
    _withdrawal(first, operator, "1800.00", at(2026, 10, 8), 1)
    _withdrawal(first, operator, "200.00", at(2026, 11, 9), 2)
    station = VillageStation.objects.create(
        village=one.village, name="服务站", address="村委会", opening_hours="8-20", capacity=50
    )
    StationParcel.objects.create(
        station=station,
        carrier="zhongtong",
        waybill="73100012345678",
        recipient_phone="13800138000",
        pickup_code_hash="x" * 64,
        arrived_at=at(2026, 11, 12),
        logged_in_by=operator,
    )
    ParcelDispatch.objects.create(
        station=station,
        request_id="00000000-0000-0000-0000-000000000001",
        carrier="zhongtong",
        waybill="73100012345679",
        sender_phone="13800138000",
        weight_grams=800,
        fee_amount=Decimal("8.00"),
        created_by=operator,
    )
    ParcelDispatch.objects.filter(waybill="73100012345679").update(created_at=at(2026, 11, 13))
    run = ReconciliationRun.objects.create(business_day="2026-11-01", source="provider:utility")
    for external_id, cleared in (("open", False), ("cleared", True)):
        ReconciliationItem.objects.create(
            run=run,
            business_day="2026-11-01",
            source="provider:utility",
            external_id=external_id,
            kind=DiscrepancyKind.MISSING,
            supermarket=second,
            cleared=cleared,
            cleared_at=NOW if cleared else None,
        )
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=built.township)

    board = dashboard_build(
        scope=township_scope(user=officer, township_id=built.township.pk), period=Q4, now=NOW
    )

    by_category = {row[0]: row[1:] for row in board.panel("agency_by_category").rows}
    assert by_category["水电燃气"] == [2, Decimal("200.00")]
    assert by_category["助农取款"] == [2, Decimal("2000.00")]
    months = {row[0]: row[1:] for row in board.panel("cash_and_parcels").rows}
    assert months == {
        "2026-09": [0, Decimal("0.00"), 0, 0],
        "2026-10": [1, Decimal("1800.00"), 0, 0],
        "2026-11": [1, Decimal("200.00"), 1, 1],
    }
    assert board.panel("unusual_withdrawals").rows == [[one.village.name, 1, Decimal("1800.00")]]
    assert board.panel("open_reconciliation_differences").rows == [[two.village.name, 1, 0, 0]]
