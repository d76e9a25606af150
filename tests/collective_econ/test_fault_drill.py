"""Fault drill: a real Celery worker process settling a few hundred lines is SIGKILLed
mid-settlement at least 20 times. Afterwards every transaction balances, every line is
settled exactly once, and the ledger holds exactly what the orders were paid.

Needs CELERY_BROKER_URL (a real broker the worker process can share); the worker runs the
project's Celery app with `--pool=solo` (one process, so SIGKILL leaves no orphans) on a
queue of its own, against this test's database.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from collective_econ.ledger.selectors import account_balance, unbalanced_transaction_ids
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind, JournalTransaction
from marketplace.celery import app
from marketplace.payments.ledger import payment_received_post
from marketplace.payments.models import TransactionItem
from tests.collective_econ.conftest import sell

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"), reason="needs a broker shared with a worker"
    ),
]

QUEUE = "collective-econ-fault-drill"
KILLS = 20
ROOT = Path(__file__).resolve().parents[2]


def _settled() -> int:
    return JournalTransaction.objects.filter(kind="SETTLEMENT").count()


def _start_worker() -> subprocess.Popen[bytes]:
    settings_db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgresql://{settings_db['USER']}@{settings_db['HOST']}:{settings_db['PORT']}"
            f"/{settings_db['NAME']}"
        ),
        # Small batches: many commits per task, so a kill lands between and inside them.
        "SETTLEMENT_BATCH_SIZE": "3",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "marketplace.celery",
            "worker",
            "--pool=solo",
            "-Q",
            QUEUE,
            "--loglevel=WARNING",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _purge() -> None:
    # The queue may not exist yet.
    with app.connection_for_write() as conn, contextlib.suppress(Exception):
        conn.default_channel.queue_purge(QUEUE)


def _wait(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_sigkilled_workers_never_settle_twice_or_leave_half_a_transaction(village: Any) -> None:
    sold = [
        sell(
            shop=village.shop,
            lines=[
                ("12.30", 1, village.household),
                ("4.55", 2, None),
                ("9.99", 1, village.household),
            ],
            shipping="6.00",
            discount="0.50",
        )
        for _ in range(100)
    ]
    # Half the orders were posted as received for the shop when paid (they settle from
    # SHOP), half before such postings existed (from Alipay clearing).
    for s in sold[::2]:
        assert payment_received_post(tx=TransactionItem.objects.get(order=s.order))
    lines = sum(len(s.lines) for s in sold)
    _purge()
    kills_mid_settlement = 0
    rng = random.Random(8)
    try:
        for _ in range(KILLS):
            before = _settled()
            worker = _start_worker()
            try:
                app.send_task("collective_econ.settle_due", queue=QUEUE)
                assert _wait(lambda b=before: _settled() > b, timeout=60), "no progress"
                time.sleep(rng.uniform(0, 0.05))
            finally:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)
            if _settled() < lines:
                kills_mid_settlement += 1
            _purge()
        worker = _start_worker()
        try:
            # One run settles at most max_batches × 3 lines; beat would send the next.
            for _ in range(lines // 3 // 50 + 1):
                app.send_task("collective_econ.settle_due", queue=QUEUE)
            assert _wait(lambda: _settled() == lines, timeout=180)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
    finally:
        _purge()
    assert kills_mid_settlement == KILLS
    settled = JournalTransaction.objects.filter(kind="SETTLEMENT")
    assert settled.values("order_line_id").distinct().count() == lines == settled.count()
    assert unbalanced_transaction_ids() == []
    paid = sum((s.order.total_amount for s in sold), Decimal("0.00"))
    clearing = account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    assert account_balance(account=clearing) == paid
    shop = account_get_or_create(kind=AccountKind.SHOP, owner=village.shop)
    assert account_balance(account=shop) == Decimal("0.00")
