"""Receipt numbers run without gaps or repeats, and a retried issue returns the same one."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from marketplace.accounts.models import Role
from marketplace.red_supermarket.models import Receipt, ReceiptKind
from marketplace.red_supermarket.receipts import receipt_issue
from tests import factories


def _issue(supermarket, operator, reference: str) -> Receipt:  # type: ignore[no-untyped-def]
    return receipt_issue(
        supermarket=supermarket,
        kind=ReceiptKind.COUNTER_SALE,
        reference=reference,
        lines=[{"name": "酱油", "quantity": 1, "unit_price": "8.50", "amount": "8.50"}],
        total=Decimal("8.5"),
        payment_method="CASH",
        operator=operator,
    )


@pytest.mark.django_db
def test_a_retried_issue_returns_the_receipt_already_issued() -> None:
    supermarket = factories.red_supermarket(shop_obj=factories.shop())
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=supermarket.shop)
    first = _issue(supermarket, operator, "counter-sale:1")
    again = _issue(supermarket, operator, "counter-sale:1")
    second = _issue(supermarket, operator, "counter-sale:2")
    assert again.pk == first.pk
    assert first.total == Decimal("8.50")
    assert first.number.endswith("-0001") and second.number.endswith("-0002")


@pytest.mark.django_db(transaction=True)
def test_tills_printing_at_once_never_share_a_number() -> None:
    supermarket = factories.red_supermarket(shop_obj=factories.shop())
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=supermarket.shop)
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def till(index: int) -> None:
        try:
            start.wait()
            for j in range(5):
                _issue(supermarket, operator, f"counter-sale:{index}-{j}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=till, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Receipt.objects.values_list("number", flat=True))
    assert [int(number.rsplit("-", 1)[1]) for number in numbers] == list(range(1, 31))
