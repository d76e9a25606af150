"""Counter stock under the online rules: the supermarket's warehouse rows are locked in pk
order (the order checkout completion, fulfilment and `stock_deallocate` lock them in, so a
counter sale cannot deadlock against an online purchase), free units are the checkout's own
definition (on hand − allocated − live checkout reservations), and the CHECK
`0 <= quantity_allocated <= quantity` is the last line of defence.

A pending Alipay sale holds its units in `Stock.quantity_allocated` (so neither the web shop
nor another till can sell them); paying takes them out of `quantity` and the allocation
together, failing gives the allocation back. Each step is one UPDATE for all the rows, so
a sale of 1 line and of 20 costs the same statements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db.models import Case, F, IntegerField, Value, When

from marketplace.catalog.models import ProductVariant
from marketplace.checkout.selectors import stock_available_for_checkout
from marketplace.core.errors import refuse
from marketplace.inventory.models import Stock
from marketplace.red_supermarket.counter.error_codes import CounterErrorCode


def _by_row(per_stock: Mapping[int, int]) -> Case:
    return Case(
        *(When(pk=pk, then=Value(n)) for pk, n in per_stock.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def counter_stock_lock(
    *,
    warehouse_id: int,
    wanted: Sequence[tuple[ProductVariant, int]],
    now: datetime,
) -> dict[int, Stock]:
    """Lock the warehouse's rows for the tracked variants of `wanted` ((variant, units)) and
    refuse with INSUFFICIENT_STOCK naming every short one. Returns variant pk → stock row."""
    tracked = [(v, n) for v, n in wanted if v.track_inventory]
    if not tracked:
        return {}
    stocks = list(
        Stock.objects.select_for_update()
        .filter(warehouse_id=warehouse_id, product_variant_id__in={v.pk for v, _ in tracked})
        .order_by("pk")
    )
    free = stock_available_for_checkout(stocks=stocks, checkout=None, now=now)
    by_variant = {s.product_variant_id: s for s in stocks}
    short = [v for v, n in tracked if v.pk not in by_variant or free[by_variant[v.pk].pk] < n]
    if short:
        names = "、".join(f"{v.product.name} {v.name}".strip() for v in short)
        raise refuse(
            "lines", f"库存不足 / not enough stock: {names}.", CounterErrorCode.INSUFFICIENT_STOCK
        )
    return by_variant


def counter_stock_hold(*, per_stock: Mapping[int, int]) -> None:
    """Allocate units to a pending sale (rows already locked by `counter_stock_lock`)."""
    if per_stock:
        Stock.objects.filter(pk__in=list(per_stock)).update(
            quantity_allocated=F("quantity_allocated") + _by_row(per_stock)
        )


def counter_stock_take(*, per_stock: Mapping[int, int], held: bool) -> None:
    """The goods left with the buyer: out of stock on hand, and out of the allocation when
    they were held for a pending payment."""
    if not per_stock:
        return
    changes = {"quantity": F("quantity") - _by_row(per_stock)}
    if held:
        changes["quantity_allocated"] = F("quantity_allocated") - _by_row(per_stock)
    _lock_rows(per_stock)
    Stock.objects.filter(pk__in=list(per_stock)).update(**changes)


def counter_stock_release(*, per_stock: Mapping[int, int]) -> None:
    """Give a failed or cancelled sale's allocation back."""
    if per_stock:
        _lock_rows(per_stock)
        Stock.objects.filter(pk__in=list(per_stock)).update(
            quantity_allocated=F("quantity_allocated") - _by_row(per_stock)
        )


def _lock_rows(per_stock: Mapping[int, int]) -> None:
    list(
        Stock.objects.select_for_update()
        .filter(pk__in=list(per_stock))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
