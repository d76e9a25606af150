"""The `checkout` scenario: whole purchases over real HTTP, paid through the Alipay sandbox.

Each purchase is what a storefront and Alipay send: `checkoutCreate` with two lines from two
village shops, `checkoutLinesAdd`, the shipping address, a delivery method per shop,
`transactionInitialize` (Alipay QR), the sandbox's signed payment notification POSTed to
`/payments/alipay/notify/` (the "notify handler"), and `checkoutComplete`. Purchases run
first one at a time (latency per step), then from 20 buyer threads at once (completed
checkouts per second).

Around them this module runs the pieces production has: gunicorn (gthread) on the bench
database, the sandbox in this process on an ephemeral port, and a real Celery worker when
CELERY_BROKER_URL names a broker (otherwise tasks run eagerly inside gunicorn, which the
report says). Before measuring, a child process connected to the bench database picks the
variants and makes sure each shop has delivery methods and plenty of stock
(`prepare_plan`). Every reply is checked: an HTTP error, a GraphQL error, a non-empty
`errors` list, a notify answer other than `success`, or a missing order fails the run.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from unittest import mock
from urllib.parse import urlencode

from tooling.bench import browse, databases, server
from tooling.bench.browse import Check
from tooling.bench.client import GraphQLClient, Reply
from tooling.bench.dataset import (
    Say,
    ScenarioFailed,
    TargetsMissed,
    add_dataset_arguments,
    dataset_settings,
    prepare,
    require_bench_database,
)
from tooling.bench.server import RunningServer, ServerConfig, ServerError
from tooling.bench.stats import LatencySummary, query_count_label, summarize

CHANNEL = "urban-retail"
NOTIFY_PATH = "/payments/alipay/notify/"
EMAIL_DOMAIN = "bench.ruralmart.cn"
# Stock each benchmarked variant keeps free above what is already allocated: far more than
# any run takes, so a buyer never meets INSUFFICIENT_STOCK and the figures stay comparable.
DEFAULT_STOCK_HEADROOM = 1_000_000

ADDRESS = {
    "firstName": "李",
    "lastName": "娜",
    "streetAddress1": "朝阳区望京街道阜通东大街 6 号",
    "city": "北京市",
    "cityArea": "朝阳区",
    "postalCode": "100102",
    "country": "CN",
    "countryArea": "北京市",
    "phone": "139 1000 2000",
}

_ERRORS = "errors { field message code }"
CREATE = (
    "mutation BenchCreate($input: CheckoutCreateInput!) { checkoutCreate(input: $input) { "
    + _ERRORS
    + " checkout { id lines { id } } } }"
)
LINES_ADD = (
    "mutation BenchLinesAdd($id: ID, $lines: [CheckoutLineInput!]!) { "
    "checkoutLinesAdd(id: $id, lines: $lines) { " + _ERRORS + " checkout { id lines { id } } } }"
)
ADDRESS_UPDATE = (
    "mutation BenchAddress($id: ID, $address: AddressInput!) { "
    "checkoutShippingAddressUpdate(id: $id, shippingAddress: $address) { "
    + _ERRORS
    + " checkout { id } } }"
)
DELIVERY_UPDATE = (
    "mutation BenchDelivery($id: ID, $method: ID) { "
    "checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $method) { "
    + _ERRORS
    + " checkout { id } } }"
)
PAY_INIT = (
    "mutation BenchPay($id: ID!, $gateway: PaymentGatewayToInitialize!) { "
    "transactionInitialize(id: $id, paymentGateway: $gateway) { "
    + _ERRORS
    + " data transaction { id } } }"
)
COMPLETE = (
    "mutation BenchComplete($id: ID) { checkoutComplete(id: $id) { "
    + _ERRORS
    + " order { id number } } }"
)
ALIPAY_GATEWAY_ID = "ruralmart.payments.alipay"


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    target_p50_ms: float | None = None


STEPS = (
    Step("create", "checkoutCreate (2 shops)", 40),
    Step("lines_add", "checkoutLinesAdd"),
    Step("address", "checkoutShippingAddressUpdate"),
    Step("delivery", "checkoutDeliveryMethodUpdate"),
    Step("pay_init", "transactionInitialize (QR)"),
    Step("notify", "Alipay notify handler"),
    Step("complete", "checkoutComplete", 60),
)
STEP_KEYS = tuple(step.key for step in STEPS)


class BenchFailure(RuntimeError):
    """A reply that was not a clean success: the numbers would be meaningless."""


# --- the plan: which shops, variants and delivery methods the buyers use -------------------


@dataclass(frozen=True)
class ShopPlan:
    shop_id: int
    variant_ids: tuple[int, ...]  # at least two buyable, stocked goods variants
    express_id: int
    pickup_id: int


@dataclass(frozen=True)
class Plan:
    shops: tuple[ShopPlan, ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "shops": [
                    {
                        "shop_id": s.shop_id,
                        "variant_ids": list(s.variant_ids),
                        "express_id": s.express_id,
                        "pickup_id": s.pickup_id,
                    }
                    for s in self.shops
                ]
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Plan:
        raw = json.loads(text)
        return cls(
            shops=tuple(
                ShopPlan(
                    shop_id=int(s["shop_id"]),
                    variant_ids=tuple(int(v) for v in s["variant_ids"]),
                    express_id=int(s["express_id"]),
                    pickup_id=int(s["pickup_id"]),
                )
                for s in raw["shops"]
            )
        )


def prepare_plan(*, max_shops: int, variants_per_shop: int, stock_headroom: int) -> Plan:
    """Run inside a process connected to the bench database: choose up to `max_shops`
    approved shops with at least two buyable goods variants in CHANNEL, give each an
    express and a pickup delivery method where it has none, and top up the chosen variants'
    stock to `stock_headroom` free units. Idempotent: a second run changes nothing new."""
    from decimal import Decimal

    from django.db import transaction
    from django.db.models import F
    from django.db.models.functions import Greatest
    from django.utils import timezone

    from logistics.models import DeliveryMethod, DeliveryMethodKind
    from marketplace.catalog.models import OfferingKind, ProductVariant
    from marketplace.channels.models import Channel
    from marketplace.checkout import selectors
    from marketplace.inventory.models import Stock, Warehouse
    from marketplace.organisations.models import Shop, ShopStatus

    if variants_per_shop < 2:
        raise ValueError("each shop needs at least two variants (one to create, one to add)")
    channel = Channel.objects.filter(slug=CHANNEL).first()
    if channel is None:
        raise BenchFailure(f"No '{CHANNEL}' channel: is the bench database seeded?")
    now = timezone.now()
    plans: list[ShopPlan] = []
    with transaction.atomic():
        for shop in Shop.objects.filter(status=ShopStatus.APPROVED).order_by("pk"):
            if len(plans) >= max_shops:
                break
            candidates = list(
                ProductVariant.objects.filter(
                    product__shop=shop,
                    product__offering_kind__in=[OfferingKind.PRODUCE, OfferingKind.GOODS],
                    product__product_type__is_shipping_required=True,
                    track_inventory=True,
                    quantity_limit_per_customer__isnull=True,
                    stocks__isnull=False,
                )
                .select_related("product__shop")
                .distinct()
                .order_by("pk")[: variants_per_shop * 4]
            )
            by_variant, by_product = selectors.channel_listings(
                channel_id=channel.pk, variants=candidates
            )
            buyable = [
                v.pk
                for v in candidates
                if selectors.variant_purchase_refusal(
                    variant=v,
                    variant_listing=by_variant.get(v.pk),
                    product_listing=by_product.get(v.product_id),
                    now=now,
                )
                is None
            ][:variants_per_shop]
            station = Warehouse.objects.filter(shop=shop).order_by("pk").first()
            if len(buyable) < 2 or station is None:
                continue
            methods = DeliveryMethod.objects.filter(shop=shop, is_active=True).order_by("pk")
            express = methods.filter(kind=DeliveryMethodKind.EXPRESS_FLAT).first()
            if express is None:
                express = DeliveryMethod.objects.create(
                    shop=shop,
                    kind=DeliveryMethodKind.EXPRESS_FLAT,
                    name="邮政快递",
                    price_amount=Decimal("10.00"),
                    minimum_delivery_days=2,
                    maximum_delivery_days=5,
                )
            pickup = methods.filter(kind=DeliveryMethodKind.VILLAGE_PICKUP).first()
            if pickup is None:
                pickup = DeliveryMethod.objects.create(
                    shop=shop,
                    kind=DeliveryMethodKind.VILLAGE_PICKUP,
                    name="村服务站自提",
                    price_amount=Decimal("0.00"),
                    pickup_warehouse=station,
                )
            plans.append(
                ShopPlan(
                    shop_id=shop.pk,
                    variant_ids=tuple(buyable),
                    express_id=express.pk,
                    pickup_id=pickup.pk,
                )
            )
        variant_ids = [v for plan in plans for v in plan.variant_ids]
        Stock.objects.filter(product_variant_id__in=variant_ids).update(
            quantity=Greatest(F("quantity"), F("quantity_allocated") + stock_headroom)
        )
    if len(plans) < 2:
        raise BenchFailure("The bench database has fewer than two shops with buyable goods.")
    return Plan(shops=tuple(plans))


# --- what each purchase buys ---------------------------------------------------------------


@dataclass(frozen=True)
class Basket:
    """One purchase: two lines from two shops at create, a third line added later (from the
    first shop), express from the first shop and pickup from the second."""

    create_variant_ids: tuple[int, int]
    added_variant_id: int
    delivery_method_ids: tuple[int, int]


def basket_for(plan: Plan, index: int) -> Basket:
    """The basket of purchase `index`. Consecutive purchases walk the shops and their
    variants, so concurrent buyers spread their row locks over many stock rows, the way
    real buyers of different goods do."""
    shops = plan.shops
    count = len(shops)
    if count < 2:
        raise ValueError("a basket needs two shops")
    first = shops[index % count]
    # The second shop is 1..count-1 places on, varying with the round, never the first.
    second = shops[(index + 1 + (index // count) % (count - 1)) % count]
    round_ = index // count
    a = first.variant_ids[round_ % len(first.variant_ids)]
    added = first.variant_ids[(round_ + 1) % len(first.variant_ids)]
    b = second.variant_ids[round_ % len(second.variant_ids)]
    return Basket(
        create_variant_ids=(a, b),
        added_variant_id=added,
        delivery_method_ids=(first.express_id, second.pickup_id),
    )


def global_id(type_name: str, pk: object) -> str:
    from base64 import b64encode

    return b64encode(f"{type_name}:{pk}".encode()).decode()


def create_variables(basket: Basket, *, email: str) -> dict[str, Any]:
    return {
        "input": {
            "channel": CHANNEL,
            "email": email,
            "lines": [
                {"variantId": global_id("ProductVariant", pk), "quantity": 1}
                for pk in basket.create_variant_ids
            ],
        }
    }


# --- checking replies ----------------------------------------------------------------------


def payload(reply: Reply, field_name: str, label: str) -> dict[str, Any]:
    """The mutation's payload from a clean reply, or BenchFailure saying what was wrong."""
    problem = reply.problem()
    if problem is not None:
        raise BenchFailure(f"{label}: {problem}")
    body = (reply.body or {}).get("data") or {}
    found = body.get(field_name)
    if not isinstance(found, dict):
        raise BenchFailure(f"{label}: no {field_name} payload in {reply.raw[:300]!r}")
    errors = found.get("errors")
    if errors:
        raise BenchFailure(f"{label}: errors {json.dumps(errors, ensure_ascii=False)[:500]}")
    return found


def checkout_id_of(found: dict[str, Any], label: str, *, lines: int) -> str:
    checkout = found.get("checkout") or {}
    if not checkout.get("id"):
        raise BenchFailure(f"{label}: no checkout in the payload")
    if len(checkout.get("lines") or []) != lines:
        raise BenchFailure(f"{label}: {len(checkout.get('lines') or [])} lines, not {lines}")
    return str(checkout["id"])


def qr_code_of(found: dict[str, Any]) -> str:
    data = found.get("data")
    if isinstance(data, str):  # a JSON scalar may arrive serialised
        data = json.loads(data)
    if not isinstance(data, dict) or not data.get("qrCode"):
        raise BenchFailure(f"transactionInitialize: no qrCode in data {data!r}")
    return str(data["qrCode"])


def order_of(found: dict[str, Any]) -> str:
    """The new order's ID (that it is paid is checked in the database, `verify_orders`)."""
    order = found.get("order") or {}
    if not order.get("id"):
        raise BenchFailure("checkoutComplete: no order was created")
    return str(order["id"])


def check_notify_answer(status: int, body: bytes) -> None:
    if status != 200 or body.strip() != b"success":
        raise BenchFailure(f"notify handler: HTTP {status} {body[:200]!r}, not 'success'")


# --- one purchase ---------------------------------------------------------------------------


class Payer(Protocol):
    """The buyer's side of Alipay: the sandbox's hooks."""

    def scan(self, qr_code: str) -> str: ...

    def pay(self, out_trade_no: str, *, deliver: bool = True) -> dict[str, str]: ...


class FormPoster:
    """Timed form POSTs on one persistent connection (what Alipay's notifier sends)."""

    def __init__(self, host: str, port: int, *, timeout: float = 60) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def post(self, path: str, params: Mapping[str, str]) -> tuple[int, bytes, float, int | None]:
        body = urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            self._conn.request("POST", path, body=body, headers=headers)
            response = self._conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # An idle keep-alive connection closed by the server; the handler is idempotent.
            self.close()
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            started = time.perf_counter()
            self._conn.request("POST", path, body=body, headers=headers)
            response = self._conn.getresponse()
        raw = response.read()
        seconds = time.perf_counter() - started
        header = response.getheader("X-DB-Queries")
        if response.will_close:
            self.close()
        return response.status, raw, seconds, int(header) if header and header.isdigit() else None


@dataclass
class Tally:
    """Per step: wall times in seconds and the SQL counts the server reported."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in STEP_KEYS})
    queries: dict[str, set[int]] = field(default_factory=lambda: {k: set() for k in STEP_KEYS})
    orders: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, key: str, seconds: float, queries: int | None) -> None:
        self.seconds[key].append(seconds)
        if queries is not None:
            self.queries[key].add(queries)

    def merge(self, other: Tally) -> None:
        for key in STEP_KEYS:
            self.seconds[key] += other.seconds[key]
            self.queries[key] |= other.queries[key]
        self.orders += other.orders
        self.failures += other.failures


class Buyer:
    """One storefront session: a GraphQL connection, and Alipay's notify connection."""

    def __init__(self, running: RunningServer, payer: Payer) -> None:
        self.graphql = GraphQLClient(running.host, running.port)
        self.notifier = FormPoster(running.host, running.port)
        self.payer = payer

    def close(self) -> None:
        self.graphql.close()
        self.notifier.close()

    def _call(
        self, tally: Tally | None, key: str, query: str, variables: dict[str, Any], name: str
    ) -> dict[str, Any]:
        reply = self.graphql.post(query, variables)
        found = payload(reply, name, name)
        if tally is not None:
            tally.add(key, reply.seconds, reply.queries)
        return found

    def purchase(self, basket: Basket, *, email: str, tally: Tally | None) -> str:
        """Buy `basket` from create to order; returns the order's ID. `tally` None: untimed."""
        created = self._call(
            tally, "create", CREATE, create_variables(basket, email=email), "checkoutCreate"
        )
        checkout_id = checkout_id_of(created, "checkoutCreate", lines=2)
        added = self._call(
            tally,
            "lines_add",
            LINES_ADD,
            {
                "id": checkout_id,
                "lines": [
                    {
                        "variantId": global_id("ProductVariant", basket.added_variant_id),
                        "quantity": 2,
                    }
                ],
            },
            "checkoutLinesAdd",
        )
        checkout_id_of(added, "checkoutLinesAdd", lines=3)
        self._call(
            tally,
            "address",
            ADDRESS_UPDATE,
            {"id": checkout_id, "address": ADDRESS},
            "checkoutShippingAddressUpdate",
        )
        for method_id in basket.delivery_method_ids:
            self._call(
                tally,
                "delivery",
                DELIVERY_UPDATE,
                {"id": checkout_id, "method": global_id("ShippingMethod", method_id)},
                "checkoutDeliveryMethodUpdate",
            )
        started = self._call(
            tally,
            "pay_init",
            PAY_INIT,
            {"id": checkout_id, "gateway": {"id": ALIPAY_GATEWAY_ID, "data": {"method": "QR"}}},
            "transactionInitialize",
        )
        # The buyer scans and pays in the Alipay app; Alipay then notifies us.
        out_trade_no = self.payer.scan(qr_code_of(started))
        notification = self.payer.pay(out_trade_no, deliver=False)
        status, body, seconds, queries = self.notifier.post(NOTIFY_PATH, notification)
        check_notify_answer(status, body)
        if tally is not None:
            tally.add("notify", seconds, queries)
        completed = self._call(tally, "complete", COMPLETE, {"id": checkout_id}, "checkoutComplete")
        return order_of(completed)


# --- measuring ------------------------------------------------------------------------------


@dataclass
class StepResult:
    step: Step
    sequential: LatencySummary
    concurrent: LatencySummary
    query_counts: list[int]

    @property
    def queries_label(self) -> str:
        return query_count_label(self.query_counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.step.key,
            "label": self.step.label,
            "sequential": self.sequential.as_dict(),
            "concurrent": self.concurrent.as_dict(),
            "sql_queries_per_request": self.query_counts,
        }


@dataclass
class Results:
    steps: list[StepResult]
    buyers: int
    concurrent_checkouts: int
    concurrent_seconds: float
    sequential_checkouts: int
    order_ids: list[str]

    @property
    def checkouts_per_second(self) -> float:
        return self.concurrent_checkouts / self.concurrent_seconds if self.concurrent_seconds else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "steps": [s.as_dict() for s in self.steps],
            "sequential_checkouts": self.sequential_checkouts,
            "concurrent": {
                "buyers": self.buyers,
                "completed_checkouts": self.concurrent_checkouts,
                "wall_seconds": round(self.concurrent_seconds, 3),
                "checkouts_per_second": round(self.checkouts_per_second, 2),
            },
        }


def step_results(sequential: Tally, concurrent: Tally) -> list[StepResult]:
    results = []
    for step in STEPS:
        if not sequential.seconds[step.key] or not concurrent.seconds[step.key]:
            raise BenchFailure(f"{step.label}: no timed requests")
        results.append(
            StepResult(
                step=step,
                sequential=summarize(sequential.seconds[step.key]),
                concurrent=summarize(concurrent.seconds[step.key]),
                query_counts=sorted(sequential.queries[step.key] | concurrent.queries[step.key]),
            )
        )
    return results


def _email(run: str, index: int) -> str:
    return f"buyer-{run}-{index:05d}@{EMAIL_DOMAIN}"


def measure(
    running: RunningServer,
    payer: Payer,
    plan: Plan,
    *,
    checkouts: int,
    warmup: int,
    buyers: int,
    per_buyer: int,
    say: Say = print,
) -> Results:
    run = datetime.now().strftime("%H%M%S")
    counter = iter(range(10**9))
    lock = threading.Lock()

    def next_index() -> int:
        with lock:
            return next(counter)

    say(f"  warm-up: {warmup} purchases")
    say(f"  sequential: {checkouts} purchases, one at a time")
    sequential = Tally()
    buyer = Buyer(running, payer)
    try:
        for _ in range(warmup):
            index = next_index()
            buyer.purchase(basket_for(plan, index), email=_email(run, index), tally=None)
        for _ in range(checkouts):
            index = next_index()
            sequential.orders.append(
                buyer.purchase(basket_for(plan, index), email=_email(run, index), tally=sequential)
            )
    finally:
        buyer.close()

    say(f"  concurrent: {buyers} buyers × {per_buyer} purchases")
    tallies = [Tally() for _ in range(buyers)]
    start = threading.Barrier(buyers + 1)

    def shop(tally: Tally) -> None:
        session = Buyer(running, payer)
        try:
            start.wait()
            for _ in range(per_buyer):
                index = next_index()
                tally.orders.append(
                    session.purchase(basket_for(plan, index), email=_email(run, index), tally=tally)
                )
        except Exception as exc:  # reported with the others, never swallowed
            tally.failures.append(str(exc) if isinstance(exc, BenchFailure) else repr(exc))
        finally:
            session.close()

    wall = browse.run_released_together(shop, tallies, start)
    concurrent = Tally()
    for tally in tallies:
        concurrent.merge(tally)
    if concurrent.failures:
        raise BenchFailure(
            f"{len(concurrent.failures)} of {buyers} buyers failed; first: {concurrent.failures[0]}"
        )
    return Results(
        steps=step_results(sequential, concurrent),
        buyers=buyers,
        concurrent_checkouts=len(concurrent.orders),
        concurrent_seconds=wall,
        sequential_checkouts=len(sequential.orders),
        order_ids=sequential.orders + concurrent.orders,
    )


# --- evaluating and reporting ---------------------------------------------------------------


@dataclass(frozen=True)
class Background:
    """How Celery tasks ran during the bench, and how many order notices got sent."""

    mode: str  # "worker" or "eager"
    broker: str | None
    orders: int
    notified: int
    drain_seconds: float | None

    def describe(self) -> str:
        if self.mode == "eager":
            return "no CELERY_BROKER_URL: tasks ran eagerly inside gunicorn's requests"
        return f"a real Celery worker on {self.broker}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "broker": self.broker,
            "orders": self.orders,
            "orders_notified": self.notified,
            "drain_seconds": None if self.drain_seconds is None else round(self.drain_seconds, 2),
        }


def redact(url: str) -> str:
    """A broker URL without its password, for the terminal and the report."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def evaluate(results: Results, background: Background) -> list[Check]:
    checks = []
    for result in results.steps:
        target = result.step.target_p50_ms
        if target is not None:
            checks.append(
                Check(
                    name=f"{result.step.label} p50",
                    target=f"≤ {target:g} ms",
                    actual=f"{result.sequential.p50_ms:.1f} ms",
                    passed=result.sequential.p50_ms <= target,
                )
            )
    checks.append(
        Check(
            name="order-placed notices sent",
            target=f"all {background.orders}",
            actual=str(background.notified),
            passed=background.notified == background.orders,
        )
    )
    return checks


def render(results: Results, checks: Sequence[Check], background: Background) -> str:
    header = ("step", "p50 ms", "p95 ms", f"p50 ×{results.buyers}", f"p95 ×{results.buyers}", "SQL")
    rows = [
        (
            r.step.label,
            f"{r.sequential.p50_ms:.1f}",
            f"{r.sequential.p95_ms:.1f}",
            f"{r.concurrent.p50_ms:.1f}",
            f"{r.concurrent.p95_ms:.1f}",
            r.queries_label,
        )
        for r in results.steps
    ]
    lines = browse._table(header, rows)
    lines.append("")
    lines.append(
        f"Completed checkouts with {results.buyers} concurrent buyers: "
        f"{results.concurrent_checkouts} in {results.concurrent_seconds:.1f} s = "
        f"{results.checkouts_per_second:.1f} checkouts/s"
    )
    lines.append(f"Background tasks: {background.describe()}.")
    if background.drain_seconds is not None:
        lines.append(
            f"Order-placed notices: {background.notified}/{background.orders} "
            f"({background.drain_seconds:.1f} s after the last purchase)."
        )
    lines.append("")
    lines += browse._table(
        ("check", "target", "actual", "result"),
        [(c.name, c.target, c.actual, "PASS" if c.passed else "MISS") for c in checks],
    )
    return "\n".join(lines)


def write_report(
    *,
    directory: Path,
    results: Results,
    checks: Sequence[Check],
    background: Background,
    settings: dict[str, Any],
    started: datetime,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"checkout-{started.strftime('%Y%m%d-%H%M%S')}.json"
    document = {
        "scenario": "checkout",
        "started_at": started.isoformat(timespec="seconds"),
        "git_commit": browse._git_commit(),
        "python": platform.python_version(),
        "settings": settings,
        "background_tasks": background.as_dict(),
        "results": results.as_dict(),
        "checks": [c.__dict__ for c in checks],
        "passed": all(c.passed for c in checks),
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return path


# --- the processes around the measurement ---------------------------------------------------


@contextlib.contextmanager
def serve(
    *, database_url: str, config: ServerConfig, log_path: Path, env: Mapping[str, str]
) -> Iterator[RunningServer]:
    """`server.gunicorn`, with `env` added and ALIPAY_NOTIFY_URL pointing at itself.

    The notify URL must name gunicorn's own port, which `server.gunicorn` chooses inside;
    so the port is chosen here first and handed to it. (If `server.gunicorn` grows `port`
    and `extra_env` arguments, this becomes a plain call.)"""
    port = server.free_port()
    extra = {**env, "ALIPAY_NOTIFY_URL": f"http://127.0.0.1:{port}{NOTIFY_PATH}"}
    with (
        mock.patch.dict(os.environ, extra),
        mock.patch.object(server, "free_port", return_value=port),
        server.gunicorn(database_url=database_url, config=config, log_path=log_path) as running,
    ):
        if running.port != port:
            raise BenchFailure(f"gunicorn bound port {running.port}, not {port}")
        yield running


def worker_node_name() -> str:
    return f"bench-checkout-{os.getpid()}@{socket.gethostname()}"


@contextlib.contextmanager
def celery_worker(
    *, env: Mapping[str, str], log_path: Path, concurrency: int, start_timeout: float = 60
) -> Iterator[str]:
    """A `ruralmart worker` subprocess with `env`, answering pings before this yields its
    node name; stopped (warm shutdown, then kill) on the way out."""
    from marketplace.celery import app

    node = worker_node_name()
    command = [
        sys.executable, "-m", "marketplace.cli", "worker",
        "--loglevel", "warning",
        "--concurrency", str(concurrency),
        "--hostname", node,
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + start_timeout
        while not app.control.ping(destination=[node], timeout=1.0):
            if process.poll() is not None:
                raise BenchFailure(
                    f"The Celery worker exited with code {process.returncode}; see {log_path}"
                )
            if time.monotonic() > deadline:
                raise BenchFailure(f"The Celery worker did not answer within {start_timeout:.0f} s")
        yield node
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown: finish the running tasks
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _order_pks(order_ids: Sequence[str]) -> list[str]:
    from base64 import b64decode

    pks = []
    for order_id in order_ids:
        type_name, _, pk = b64decode(order_id).decode().partition(":")
        if type_name != "Order":
            raise BenchFailure(f"checkoutComplete returned a {type_name} ID, not an Order's")
        pks.append(pk)
    return pks


def verify_orders(*, database_url: str, order_ids: Sequence[str]) -> None:
    """Every order the API returned is in the bench database, paid, once."""
    import psycopg
    from psycopg import sql

    from marketplace.orders.models import Order

    pks = _order_pks(order_ids)
    if len(set(pks)) != len(pks):
        raise BenchFailure("Two purchases returned the same order")
    table = Order._meta.db_table
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT count(*) FROM {} WHERE id = ANY(%s::uuid[]) "
                "AND charge_status IN ('FULL', 'OVERCHARGED')"
            ).format(sql.Identifier(table)),
            [pks],
        ).fetchone()
    found = row[0] if row else 0
    if found != len(pks):
        raise BenchFailure(f"Only {found} of {len(pks)} returned orders are in the database, paid")


def count_notified(*, database_url: str, order_ids: Sequence[str]) -> int:
    """How many of the orders have their order-placed mail recorded (an EMAIL_SENT event)."""
    import psycopg
    from psycopg import sql

    from marketplace.orders.models import OrderEvent, OrderEventType
    from marketplace.orders.notifications import PLACED

    table = OrderEvent._meta.db_table
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT count(DISTINCT order_id) FROM {} WHERE order_id = ANY(%s::uuid[]) "
                "AND type = %s AND parameters->>'notification' = %s"
            ).format(sql.Identifier(table)),
            [_order_pks(order_ids), OrderEventType.EMAIL_SENT.value, PLACED],
        ).fetchone()
    return int(row[0]) if row else 0


def wait_for_notices(
    *, database_url: str, order_ids: Sequence[str], timeout: float, poll: float = 0.5
) -> tuple[int, float]:
    """Wait until every order's notice is recorded or `timeout` passes: (count, seconds)."""
    began = time.monotonic()
    while True:
        notified = count_notified(database_url=database_url, order_ids=order_ids)
        waited = time.monotonic() - began
        if notified >= len(order_ids) or waited >= timeout:
            return notified, waited
        time.sleep(poll)


# --- the command ----------------------------------------------------------------------------


def add_arguments(parser: Any) -> None:
    add_dataset_arguments(parser)
    parser.add_argument("--checkouts", type=int, default=100, help="Timed purchases in a row.")
    parser.add_argument("--warmup", type=int, default=5, help="Untimed purchases first.")
    parser.add_argument("--buyers", type=int, default=20, help="Concurrent buyer threads.")
    parser.add_argument("--per-buyer", type=int, default=5, help="Purchases per buyer thread.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gthread workers.")
    parser.add_argument("--threads", type=int, default=10, help="Threads per gunicorn worker.")
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--shops-used", type=int, default=50, help="Shops the buyers buy from.")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=120,
        help="Seconds to wait for the worker to send every order-placed notice.",
    )
    parser.add_argument(
        "--strict", action="store_true", help="Exit non-zero when a target is missed."
    )


def add_prepare_arguments(parser: Any) -> None:
    parser.add_argument("--expect-database", required=True)
    parser.add_argument("--plan-file", required=True)
    parser.add_argument("--shops-used", type=int, required=True)
    parser.add_argument("--stock-headroom", type=int, default=DEFAULT_STOCK_HEADROOM)


def run_prepare(options: dict[str, Any], say: Say) -> None:
    """Runs in the child connected to the bench database (started by `run`)."""
    require_bench_database(options["expect_database"])
    try:
        plan = prepare_plan(
            max_shops=options["shops_used"],
            variants_per_shop=3,
            stock_headroom=options["stock_headroom"],
        )
    except BenchFailure as exc:
        raise ScenarioFailed(str(exc)) from exc
    Path(options["plan_file"]).write_text(plan.to_json())
    variants = sum(len(s.variant_ids) for s in plan.shops)
    say(f"Buyers will use {variants} variants of {len(plan.shops)} shops, stock topped up.")


def _load_plan(*, database_url: str, name: str, shops_used: int) -> Plan:
    with tempfile.TemporaryDirectory(prefix="ruralmart-bench-") as tmp:
        plan_file = Path(tmp) / "plan.json"
        databases.run_ruralmart(
            [
                "bench", "checkout-prepare",
                "--expect-database", name,
                "--plan-file", str(plan_file),
                "--shops-used", str(shops_used),
            ],
            database_url=database_url,
        )  # fmt: skip
        return Plan.from_json(plan_file.read_text())


def run(options: dict[str, Any], say: Say) -> None:
    from django.conf import settings

    from marketplace.payments.alipay.gateway import SANDBOX_SELLER_ID, alipay_data_dir
    from marketplace.payments.alipay.sandbox import AlipaySandbox

    for name in ("checkouts", "buyers", "per_buyer", "workers", "threads", "shops_used"):
        if options[name] < 1:
            raise ScenarioFailed(f"--{name.replace('_', '-')} must be at least 1.")
    started = datetime.now()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    url = prepare(options, say)
    try:
        plan = _load_plan(
            database_url=url, name=options["database"], shops_used=options["shops_used"]
        )
    except databases.BenchDatabaseError as exc:
        raise ScenarioFailed(str(exc)) from exc

    bench_dir = settings.DATA_DIR / "bench"
    log_path = bench_dir / f"gunicorn-checkout-{stamp}.log"
    worker_log = bench_dir / f"worker-checkout-{stamp}.log"
    broker = os.environ.get("CELERY_BROKER_URL") or None
    config = ServerConfig(
        worker_class="gthread", workers=options["workers"], threads=options["threads"]
    )
    sandbox = AlipaySandbox(
        data_dir=alipay_data_dir(),
        app_id=str(settings.ALIPAY_APP_ID),
        seller_id=str(getattr(settings, "ALIPAY_SELLER_ID", "") or SANDBOX_SELLER_ID),
        port=0,
    )
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(sandbox)
            env = {
                "DEBUG": "0",
                "DATABASE_URL": url,
                "RURALMART_DATA_DIR": str(settings.DATA_DIR),
                "ALIPAY_SANDBOX_URL": sandbox.gateway_url,
            }
            say(f"Alipay sandbox on {sandbox.url}.")
            say(f"Starting {config.describe()} on the bench database.")
            running = stack.enter_context(
                serve(database_url=url, config=config, log_path=log_path, env=env)
            )
            say(f"Serving on http://{running.host}:{running.port}/graphql/ (log: {log_path}).")
            if broker:
                # Started inside `serve`, so it inherits ALIPAY_NOTIFY_URL as well.
                say(f"Starting a Celery worker on {redact(broker)} (log: {worker_log}).")
                stack.enter_context(
                    celery_worker(
                        env=env,
                        log_path=worker_log,
                        concurrency=options["celery_concurrency"],
                    )
                )
            else:
                say("No CELERY_BROKER_URL: tasks run eagerly inside gunicorn.")
            results = measure(
                running,
                sandbox,
                plan,
                checkouts=options["checkouts"],
                warmup=options["warmup"],
                buyers=options["buyers"],
                per_buyer=options["per_buyer"],
                say=say,
            )
            verify_orders(database_url=url, order_ids=results.order_ids)
            if broker:
                say("  waiting for the worker to send the order-placed notices")
            notified, waited = wait_for_notices(
                database_url=url,
                order_ids=results.order_ids,
                timeout=options["drain_timeout"] if broker else 0,
            )
    except ServerError as exc:
        raise ScenarioFailed(str(exc)) from exc
    except BenchFailure as exc:
        raise ScenarioFailed(f"{exc}\n(gunicorn log: {log_path})") from exc
    background = Background(
        mode="worker" if broker else "eager",
        broker=redact(broker) if broker else None,
        orders=len(results.order_ids),
        notified=notified,
        drain_seconds=waited if broker else None,
    )
    if broker and notified == 0:
        raise ScenarioFailed(f"The Celery worker sent no order-placed notice; see {worker_log}")
    checks = evaluate(results, background)
    say("")
    say(render(results, checks, background))
    report = write_report(
        directory=bench_dir,
        results=results,
        checks=checks,
        background=background,
        settings={
            **dataset_settings(options),
            "shops_used": len(plan.shops),
            "checkouts": options["checkouts"],
            "warmup": options["warmup"],
            "buyers": options["buyers"],
            "per_buyer": options["per_buyer"],
            "server": config.describe(),
            "celery_concurrency": options["celery_concurrency"] if broker else None,
            "payment": "Alipay QR (precreate) on the local sandbox",
        },
        started=started,
    )
    say(f"\nResults written to {report}")
    missed = [c.name for c in checks if not c.passed]
    if missed and options["strict"]:
        raise TargetsMissed(f"Missed: {', '.join(missed)}")
