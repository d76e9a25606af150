"""The set-based settler posts exactly what the single-line settler posts, line for line,
and refuses what it refuses without holding back the rest of the batch."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from collective_econ.ledger.selectors import unbalanced_transaction_ids
from collective_econ.models import ConsignmentAgreement, JournalTransaction, Posting
from collective_econ.settlement.batch import order_lines_settle_batch
from collective_econ.settlement.services import order_line_settle
from marketplace.payments.models import GatewayId, TransactionItem
from tests import factories
from tests.collective_econ.conftest import sell

pytestmark = pytest.mark.django_db


def _orders(village: Any) -> list[Any]:
    other_shop = factories.shop()
    other_household = factories.household(village_obj=other_shop.village)
    ConsignmentAgreement.objects.create(
        shop=village.shop,
        household=village.household,
        commission_rate=Decimal("0.1750"),
        effective_from=timezone.now().date() - timedelta(days=30),
    )
    ConsignmentAgreement.objects.create(
        shop=village.shop,
        household=village.household,
        commission_rate=Decimal("0.5000"),
        effective_from=timezone.now().date() + timedelta(days=30),  # not yet in force
    )
    return [
        sell(
            shop=village.shop,
            lines=[
                ("33.33", 3, village.household),
                ("0.01", 1, None),
                ("19.99", 2, village.other_household),
            ],
            shipping="12.50",
            discount="7.77",
        ),
        sell(shop=village.shop, lines=[("8.80", 1, None)], gateway=GatewayId.CASH),
        sell(
            shop=other_shop,
            lines=[("100.00", 1, other_household), ("45.45", 1, None)],
            shipping="3.00",
            discount="0.03",
            channel_slug="county-wholesale",
        ),
        sell(shop=other_shop, lines=[("12.00", 5, other_household)], gateway=GatewayId.DEMO),
    ]


def _postings_by_line() -> dict[int, list[tuple[str, Any, Decimal]]]:
    result: dict[int, list[tuple[str, Any, Decimal]]] = {}
    for entry in JournalTransaction.objects.filter(kind="SETTLEMENT").order_by("pk"):
        result[entry.order_line_id] = [
            (
                p.account.kind,
                p.account.household_id or p.account.village_id,
                p.amount,
            )
            for p in entry.postings.select_related("account").order_by("pk")
        ]
    return result


def test_batch_and_single_line_settlers_post_identical_postings(
    village: Any, settings: Any
) -> None:
    settings.PLATFORM_FEE_RATES = {"urban-retail": "0.0175", "county-wholesale": "0.03"}
    settings.CONSIGNMENT_DEFAULT_COMMISSION_RATE = "0.12"
    sold = _orders(village)
    lines = [line for s in sold for line in s.lines]

    sid = transaction.savepoint()
    for line in lines:
        order_line_settle(line=line)
    single = _postings_by_line()
    memos = dict(JournalTransaction.objects.values_list("order_line_id", "memo"))
    transaction.savepoint_rollback(sid)
    assert not Posting.objects.exists()

    result = order_lines_settle_batch(limit=100)
    assert sorted(result.settled) == sorted(line.pk for line in lines)
    batch = _postings_by_line()
    assert batch == single
    assert dict(JournalTransaction.objects.values_list("order_line_id", "memo")) == memos
    assert unbalanced_transaction_ids() == []


def test_a_batch_run_twice_posts_once_and_continues_after_its_last_line(village: Any) -> None:
    sold = [sell(shop=village.shop, lines=[("5.00", 1, None)]) for _ in range(5)]
    first = order_lines_settle_batch(limit=3)
    assert first.fetched == 3 and len(first.settled) == 3
    second = order_lines_settle_batch(limit=3, after_pk=first.last_pk)
    assert len(second.settled) == 2
    assert order_lines_settle_batch(limit=10).fetched == 0
    assert JournalTransaction.objects.count() == 5
    # A line settled by the single-line path is not due for the batch.
    assert {s.lines[0].pk for s in sold} == set(
        JournalTransaction.objects.values_list("order_line_id", flat=True)
    )


def test_refused_lines_are_reported_and_the_rest_settles(village: Any, settings: Any) -> None:
    settings.PLATFORM_FEE_RATES = {"county-wholesale": "1.5"}
    unpaid = sell(shop=village.shop, lines=[("5.00", 1, None)])
    TransactionItem.objects.filter(order=unpaid.order).update(status="CANCELLED", charged_amount=0)
    bad_fee = sell(shop=village.shop, lines=[("5.00", 1, None)], channel_slug="county-wholesale")
    good = sell(shop=village.shop, lines=[("5.00", 1, village.household)])
    result = order_lines_settle_batch(limit=10)
    assert result.settled == [good.lines[0].pk]
    assert set(result.refused) == {unpaid.lines[0].pk, bad_fee.lines[0].pk}
    assert "no charged payment" in result.refused[unpaid.lines[0].pk]
    assert Posting.objects.filter(transaction__order_line=bad_fee.lines[0]).count() == 0
