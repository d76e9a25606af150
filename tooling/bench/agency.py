"""Bench hook: one electricity bill paid in cash at the counter, end to end against the
agency sandbox (order + posting + receipt, the signed submit, the settlement), with its
timings and SQL statement count. `ruralmart bench counter` calls it in a loop and reports
p50/p95; the sandbox's own time is measured apart so the target excludes it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marketplace.accounts.models import User
from marketplace.agency.models import OrderStatus
from marketplace.agency.orders import agency_order_create
from marketplace.agency.providers.base import OrderRequest, ProviderAdapter, SubmitResult
from marketplace.agency.providers.http import adapter_for
from marketplace.red_supermarket.models import RedSupermarket
from tooling.bench.browse import Check
from tooling.bench.stats import statements_captured


@dataclass(frozen=True)
class BillPaymentTiming:
    total_ms: float
    provider_ms: float
    sql_statements: int
    status: str

    @property
    def own_ms(self) -> float:
        """Time spent in our code and database, the provider's answer excluded."""
        return self.total_ms - self.provider_ms


class _TimedAdapter:
    """The real adapter, with the time spent waiting for the provider added up."""

    def __init__(self, inner: ProviderAdapter) -> None:
        self.inner = inner
        self.code = inner.code
        self.waited = 0.0

    def submit(self, order: OrderRequest) -> SubmitResult:
        started = time.perf_counter()
        try:
            return self.inner.submit(order)
        finally:
            self.waited += time.perf_counter() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def agency_bill_payment_once(
    *,
    supermarket: RedSupermarket,
    operator: User,
    request_id: str,
    account: str = "5300012345",
    amount: Decimal = Decimal("100.00"),
    adapter: ProviderAdapter | None = None,
) -> BillPaymentTiming:
    timed = _TimedAdapter(adapter or adapter_for("utility"))
    started = time.perf_counter()
    with statements_captured() as queries:
        order = agency_order_create(
            supermarket=supermarket,
            operator=operator,
            request_id=request_id,
            item_code="electricity-sgcc",
            fields={"account": account},
            amount=amount,
            adapter=timed,  # type: ignore[arg-type]
        )
    total = time.perf_counter() - started
    if order.status != OrderStatus.SUCCESS:
        raise RuntimeError(f"bench bill payment ended {order.status}: {order.failure_reason}")
    return BillPaymentTiming(
        total_ms=total * 1000,
        provider_ms=timed.waited * 1000,
        sql_statements=len(queries.captured_queries),
        status=order.status,
    )


def agency_bill_figure(bench: Any, options: dict[str, Any]) -> tuple[str, dict[str, Any], Check]:
    """`ruralmart bench counter`'s second figure: as many electricity bills as timed sales,
    paid at the bench's supermarket against a local agency sandbox. No target is set for it
    in the issue beyond reporting; the check is that its statements stay constant."""
    from django.test.utils import override_settings

    from marketplace.agency.catalogue import agency_catalogue_sync
    from marketplace.agency.models import ServiceItem
    from marketplace.agency.providers.sandbox.from_settings import (
        point_providers_at,
        sandbox_from_settings,
    )
    from marketplace.red_supermarket.counter.selectors import till_shift_open_at
    from marketplace.red_supermarket.counter.services import till_shift_open
    from tooling.bench.stats import summarize

    if not ServiceItem.objects.filter(code="electricity-sgcc").exists():
        agency_catalogue_sync()
    # Agency cash needs an open till, as at the counter.
    if till_shift_open_at(supermarket=bench.supermarket) is None:
        till_shift_open(supermarket=bench.supermarket, operator=bench.operator, float_amount="0")
    runs = options["warmup"] + options["sales"]
    stamp = f"{time.time_ns() % 10**12:012d}"
    totals: list[float] = []
    own: list[float] = []
    statements: set[int] = set()
    with (
        sandbox_from_settings(port=0, auto_callback=False) as sandbox,
        override_settings(AGENCY_PROVIDERS=point_providers_at(sandbox)),
    ):
        for n in range(runs):
            timing = agency_bill_payment_once(
                supermarket=bench.supermarket,
                operator=bench.operator,
                request_id=f"bench-bill-{stamp}-{n:06d}",
            )
            if n >= options["warmup"]:
                totals.append(timing.total_ms / 1000)
                own.append(timing.own_ms / 1000)
                statements.add(timing.sql_statements)
    summary: dict[str, Any] = dict(summarize(totals).as_dict())
    summary["own_p50_ms"] = summarize(own).as_dict()["p50_ms"]
    summary["statements"] = sorted(statements)
    check = Check(
        "agency bill payment statements",
        "constant",
        ", ".join(str(s) for s in sorted(statements)),
        len(statements) == 1,
    )
    return "Agency electricity bill, end to end against the sandbox", summary, check
