"""Real races: threads completing checkouts at once against PostgreSQL.

Each thread uses its own connection (closed at the end); a barrier releases them together.
Every outcome is either an order or a clean refusal: no deadlock, no other exception.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from marketplace.bookings.models import DayCapacity
from marketplace.checkout import services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.inventory.models import Allocation, Reservation, Stock
from marketplace.orders.models import Order
from tests.checkout import helpers
from tests.checkout.helpers import goods, line

pytestmark = pytest.mark.django_db(transaction=True)


def race(n: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """Run `work(i)` in n threads released together; return ("ok", result) or
    ("refused", codes) or ("error", repr) per thread."""
    barrier = threading.Barrier(n)
    outcomes: list[tuple[str, Any]] = [("error", "did not finish")] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[i] = ("ok", work(i))
        except ValidationError as exc:
            outcomes[i] = ("refused", [e.code for es in exc.error_dict.values() for e in es])
        except Exception as exc:  # anything else is a failure the test reports
            outcomes[i] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _ready_checkouts(channel, count: int, lines_for: Callable[[], list]) -> list:
    checkouts = []
    for i in range(count):
        checkout = services.checkout_create(
            channel=channel,
            email=f"buyer{i}@example.cn",
            shipping_address=helpers.ADDRESS,
            lines=lines_for(),
        )
        checkouts.append(helpers.ready(checkout))
    return checkouts


def test_fifty_buyers_race_for_the_last_ten_units(channel):
    shop = helpers.shop_with_delivery()
    tea = goods(shop=shop, channel=channel, stock=50)
    checkouts = _ready_checkouts(channel, 50, lambda: [line(tea, 1)])
    # Down to the last ten units, and every cart's reservation has lapsed: nobody holds a
    # unit any more, so completion decides.
    Stock.objects.filter(product_variant=tea).update(quantity=10)
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))

    outcomes = race(50, lambda i: checkout_complete(checkout=checkouts[i]).pk)

    kinds = Counter(kind for kind, _ in outcomes)
    assert [o for o in outcomes if o[0] == "error"] == []
    assert kinds == {"ok": 10, "refused": 40}
    assert all(codes == ["insufficient_stock"] for kind, codes in outcomes if kind == "refused")
    assert Order.objects.count() == 10
    assert Stock.objects.get(product_variant=tea).quantity_allocated == 10
    assert sum(Allocation.objects.values_list("quantity_allocated", flat=True)) == 10


def test_one_checkout_completed_from_five_threads_makes_one_order(channel):
    shop = helpers.shop_with_delivery()
    tea = goods(shop=shop, channel=channel, stock=5)
    (checkout,) = _ready_checkouts(channel, 1, lambda: [line(tea, 2)])

    outcomes = race(5, lambda i: checkout_complete(checkout=checkout).pk)

    assert {kind for kind, _ in outcomes} == {"ok"}, outcomes
    assert len({order_id for _, order_id in outcomes}) == 1
    assert Order.objects.count() == 1
    assert Stock.objects.get(product_variant=tea).quantity_allocated == 2


@override_settings(RESERVE_STOCK_DURATION_MINUTES=0)
def test_twenty_buyers_race_for_one_homestay_room_night(channel):
    # With reservations off, nothing is held while shopping and the calendar is decided at
    # completion only.
    shop = helpers.shop_with_delivery()
    room = helpers.homestay(shop=shop, channel=channel, rooms=1)
    night = helpers.stay(1, guests=2)
    checkouts = _ready_checkouts(channel, 20, lambda: [line(room, 1, night)])

    outcomes = race(20, lambda i: checkout_complete(checkout=checkouts[i]).pk)

    assert [o for o in outcomes if o[0] == "error"] == []
    assert Counter(kind for kind, _ in outcomes) == {"ok": 1, "refused": 19}
    assert all(codes == ["insufficient_stock"] for kind, codes in outcomes if kind == "refused")
    day = DayCapacity.objects.get(product=room.product, date=night.start_date)
    assert (day.allocated, day.held) == (1, 0)
