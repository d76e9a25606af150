"""Several threads, each with its own PostgreSQL connection, settle the same lines at
once: every line is settled exactly once, every transaction balances, and the money in
clearing equals what the orders were paid."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from collective_econ.ledger.selectors import account_balance, unbalanced_transaction_ids
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind, JournalTransaction
from collective_econ.settlement.batch import order_lines_settle_batch
from collective_econ.settlement.services import order_line_settle
from collective_econ.tasks import settle_due_lines
from marketplace.orders.models import OrderLine
from tests.collective_econ.conftest import sell

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_settlers_settle_each_line_once(village: Any) -> None:
    sold = [
        sell(
            shop=village.shop,
            lines=[("7.30", 2, village.household), ("3.10", 1, None)],
            shipping="5.00",
        )
        for _ in range(6)
    ]
    line_ids = [line.pk for s in sold for line in s.lines]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(reverse: bool) -> None:
        try:
            barrier.wait()
            if not reverse:
                settle_due_lines(batch_size=5)
            for pk in reversed(line_ids) if reverse else line_ids:
                order_line_settle(line=OrderLine(pk=pk))
            settle_due_lines(batch_size=5)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i % 2 == 1,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    settled = JournalTransaction.objects.filter(kind="SETTLEMENT")
    assert settled.count() == len(line_ids)
    assert sorted(settled.values_list("order_line_id", flat=True)) == sorted(line_ids)
    assert unbalanced_transaction_ids() == []
    paid = sum((s.order.total_amount for s in sold), Decimal("0.00"))
    assert account_balance(account=account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)) == paid


def test_concurrent_batch_workers_take_disjoint_lines_and_post_each_once(village: Any) -> None:
    sold = [
        sell(shop=village.shop, lines=[("4.40", 1, village.household), ("2.20", 3, None)])
        for _ in range(40)
    ]
    line_ids = {line.pk for s in sold for line in s.lines}
    settled_by: list[list[int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        mine: list[int] = []
        try:
            barrier.wait()
            after = 0
            while True:
                batch = order_lines_settle_batch(limit=7, after_pk=after)
                mine.extend(batch.settled)
                if batch.fetched == 0:
                    break
                after = batch.last_pk
        except BaseException as exc:
            errors.append(exc)
        finally:
            settled_by.append(mine)
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    everything = [pk for mine in settled_by for pk in mine]
    assert sorted(everything) == sorted(line_ids)  # each line by exactly one worker
    assert JournalTransaction.objects.filter(kind="SETTLEMENT").count() == len(line_ids)
    assert unbalanced_transaction_ids() == []
    paid = sum((s.order.total_amount for s in sold), Decimal("0.00"))
    assert account_balance(account=account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)) == paid
