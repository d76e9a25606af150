"""Two transactions that each create two new accounts, in opposite orders, at once. Without
the account-creation lock each would hold an uncommitted index entry the other needs and
PostgreSQL would kill one as a deadlock (CI saw it between settlers); with it they queue."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import Account, AccountKind

pytestmark = pytest.mark.django_db(transaction=True)


def test_creators_of_the_same_new_accounts_in_opposite_orders_do_not_deadlock() -> None:
    kinds = [AccountKind.PLATFORM_FEES, AccountKind.LOGISTICS_PAYABLE]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def creator(order: list[str]) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                account_get_or_create(kind=order[0])
                # Long enough for the other creator to take its first account.
                time.sleep(0.3)
                account_get_or_create(kind=order[1])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=creator, args=(kinds,)),
        threading.Thread(target=creator, args=(list(reversed(kinds)),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(Account.objects.filter(kind__in=kinds).values_list("kind", flat=True)) == sorted(
        kinds
    )
