"""Real races against PostgreSQL: a cancel and a fulfil of the same shop order, released
together from two threads, each with its own connection. Exactly one wins, the other is
refused with its code, and stock is consistent with the winner; never a deadlock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from marketplace.accounts.models import Role
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.inventory.models import Allocation, Stock
from marketplace.orders.lifecycle import shop_order_cancel, shop_order_fulfil
from marketplace.orders.models import OrderEvent, OrderStatus, ShopOrder
from tests import factories
from tests.checkout import helpers
from tests.checkout.helpers import goods, line

pytestmark = pytest.mark.django_db(transaction=True)


def race(works: list[Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Run each work in its own thread, released together by a barrier; returns
    ("ok", result), ("refused", codes) or ("error", repr) per work."""
    barrier = threading.Barrier(len(works))
    outcomes: list[tuple[str, Any]] = [("error", "did not finish")] * len(works)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[i] = ("ok", works[i]())
        except ValidationError as exc:
            outcomes[i] = ("refused", [e.code for es in exc.error_dict.values() for e in es])
        except Exception as exc:  # anything else is a failure the test reports
            outcomes[i] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_cancel_racing_fulfil_has_exactly_one_winner(channel):
    shop = helpers.shop_with_delivery()
    tea = goods(shop=shop, channel=channel, stock=100)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop)
    winners = set()
    for _ in range(6):
        checkout = checkout_services.checkout_create(
            channel=channel, email="buyer@example.cn", lines=[line(tea, 3)]
        )
        order = checkout_complete(checkout=helpers.ready(checkout))
        shop_order_id = order.shop_orders.get().pk
        before = Stock.objects.get(product_variant=tea)

        cancel, fulfil = race(
            [
                lambda pk=shop_order_id: (
                    shop_order_cancel(
                        actor=manager,
                        shop_order=ShopOrder.objects.select_related("shop").get(pk=pk),
                        reason="out of stock",
                    ).status
                ),
                lambda pk=shop_order_id: (
                    shop_order_fulfil(
                        actor=manager,
                        shop_order=ShopOrder.objects.select_related("shop").get(pk=pk),
                    ).status
                ),
            ]
        )

        after = Stock.objects.get(pk=before.pk)
        status = ShopOrder.objects.get(pk=shop_order_id).status
        events = set(OrderEvent.objects.filter(order=order).values_list("type", flat=True))
        assert not Allocation.objects.filter(order_line__shop_order_id=shop_order_id).exists()
        if cancel[0] == "ok":
            assert cancel == ("ok", "CANCELED") and fulfil == ("refused", ["invalid"])
            assert status == OrderStatus.CANCELED
            # The three units are free again and never left the warehouse.
            assert (after.quantity, after.quantity_allocated) == (
                before.quantity,
                before.quantity_allocated - 3,
            )
            assert "CANCELED" in events and "FULFILLMENT_FULFILLED_ITEMS" not in events
            winners.add("cancel")
        else:
            assert fulfil == ("ok", "FULFILLED") and cancel == ("refused", ["cannot_cancel_order"])
            assert status == OrderStatus.FULFILLED
            assert (after.quantity, after.quantity_allocated) == (
                before.quantity - 3,
                before.quantity_allocated - 3,
            )
            assert "FULFILLMENT_FULFILLED_ITEMS" in events and "CANCELED" not in events
            winners.add("fulfil")
    # Whichever won each round, the books balance: every unit is in stock or shipped.
    stock = Stock.objects.get(product_variant=tea)
    assert stock.quantity_allocated == 0
    shipped = 3 * ShopOrder.objects.filter(status=OrderStatus.FULFILLED).count()
    assert stock.quantity == 100 - shipped
    assert winners  # at least one round ran to an outcome
