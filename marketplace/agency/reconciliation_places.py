"""Which Red Supermarket an outside party's record belongs to, when that day's records of
ours do not hold it (a MISSING item).

A provider statement line carries our request id; Alipay's bill carries our out_trade_no.
Either may be a row of ours from another day (created before midnight, settled after) or
one the day's comparison leaves out (an Alipay order still paying): then the row names its
supermarket. Failing that, the counter's out_trade_nos begin `RSC<pk>` and the agency's
`RSA<pk>` followed by the request id; the pk is taken only when exactly one supermarket
fits, since a request id starting with digits makes the split ambiguous."""

from __future__ import annotations

import re
from collections.abc import Collection

from marketplace.agency.models import AgencyOrder, CashWithdrawal, TicketBooking
from marketplace.red_supermarket.models import CounterSale, RedSupermarket

_TRADE_PREFIX = re.compile(r"^RS[AC](\d+)")


def supermarkets_of_external_ids(external_ids: Collection[str]) -> dict[str, int]:
    """external id → supermarket pk for those that can be placed; the rest are left out."""
    if not external_ids:
        return {}
    ids = list(external_ids)
    found: dict[str, int] = {}
    lookups = (
        (AgencyOrder, "request_id"),
        (CashWithdrawal, "request_id"),
        (TicketBooking, "request_id"),
        (AgencyOrder, "out_trade_no"),
        (CounterSale, "out_trade_no"),
    )
    for model, column in lookups:
        rows = model.objects.filter(**{f"{column}__in": ids}).values_list(  # type: ignore[attr-defined]
            column, "supermarket_id"
        )
        found.update({external_id: pk for external_id, pk in rows if external_id not in found})
    found.update(_placed_by_trade_prefix([i for i in ids if i not in found]))
    return found


def _placed_by_trade_prefix(external_ids: list[str]) -> dict[str, int]:
    candidates: dict[str, list[int]] = {}
    for external_id in external_ids:
        match = _TRADE_PREFIX.match(external_id)
        if match:
            digits = match.group(1)
            candidates[external_id] = [int(digits[:end]) for end in range(1, len(digits) + 1)]
    wanted = {pk for pks in candidates.values() for pk in pks}
    existing = set(RedSupermarket.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    placed: dict[str, int] = {}
    for external_id, pks in candidates.items():
        fitting = [pk for pk in pks if pk in existing]
        if len(fitting) == 1:
            placed[external_id] = fitting[0]
    return placed
