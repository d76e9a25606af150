"""Writes to stock outside checkout: giving back what order lines were promised.

In: order line ids (opaque numbers; this module never imports orders). Out: the lines'
`Allocation` rows gone and `Stock.quantity_allocated` lowered by as much, under the stock
rows' locks, so the CHECK `0 <= quantity_allocated <= quantity` keeps holding and the units
are free for the next buyer at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When

from marketplace.inventory.models import Allocation, Stock


@transaction.atomic
def stock_deallocate(*, order_line_ids: Iterable[int]) -> int:
    """Release every allocation of these order lines back to stock; returns the units freed.

    The caller must hold the lock of whatever owns the lines (the shop order row), so no
    fulfilment can consume the same allocations meanwhile. Stock rows are locked in pk
    order, the order checkout completion and fulfilment use, so this cannot deadlock
    against a purchase. Repeating it frees nothing more: the allocations are gone.
    Four queries whatever the number of lines (one when nothing is allocated).
    """
    allocations = list(
        Allocation.objects.filter(order_line_id__in=list(order_line_ids)).order_by("stock_id", "pk")
    )
    if not allocations:
        return 0
    per_stock: dict[int, int] = defaultdict(int)
    for allocation in allocations:
        per_stock[allocation.stock_id] += allocation.quantity_allocated
    list(Stock.objects.select_for_update().filter(pk__in=list(per_stock)).order_by("pk"))
    # One relative UPDATE for every row: a concurrent allocation committed before our lock
    # is kept, and the CHECK refuses going below zero should the books ever disagree.
    Stock.objects.filter(pk__in=list(per_stock)).update(
        quantity_allocated=F("quantity_allocated")
        - Case(
            *(When(pk=pk, then=Value(units)) for pk, units in per_stock.items()),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
    return sum(per_stock.values())
