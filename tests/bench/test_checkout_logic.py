"""The checkout bench without a server: baskets, reply checks, one purchase against fakes,
target evaluation, the table and the report file."""

from __future__ import annotations

import json
from base64 import b64decode
from datetime import datetime
from typing import Any

import pytest

from tooling.bench import checkout as bench
from tooling.bench.client import Reply
from tooling.bench.server import RunningServer


def _plan(shops: int = 4, variants: int = 3) -> bench.Plan:
    return bench.Plan(
        shops=tuple(
            bench.ShopPlan(
                shop_id=s,
                variant_ids=tuple(s * 100 + v for v in range(variants)),
                express_id=s * 10 + 1,
                pickup_id=s * 10 + 2,
            )
            for s in range(1, shops + 1)
        )
    )


def _shop_of(variant_id: int) -> int:
    return variant_id // 100


def test_plan_survives_the_trip_through_json() -> None:
    plan = _plan()
    assert bench.Plan.from_json(plan.to_json()) == plan


@pytest.mark.parametrize(("shops", "variants"), [(2, 2), (3, 3), (50, 3)])
def test_every_basket_takes_two_shops_and_adds_a_different_variant(
    shops: int, variants: int
) -> None:
    plan = _plan(shops, variants)
    by_id = {s.shop_id: s for s in plan.shops}
    for index in range(shops * variants * 3):
        basket = bench.basket_for(plan, index)
        first, second = (_shop_of(v) for v in basket.create_variant_ids)
        assert first != second
        assert _shop_of(basket.added_variant_id) == first
        assert basket.added_variant_id != basket.create_variant_ids[0]
        assert basket.delivery_method_ids == (by_id[first].express_id, by_id[second].pickup_id)


def test_baskets_spread_over_every_shop_and_variant() -> None:
    plan = _plan(5, 3)
    baskets = [bench.basket_for(plan, i) for i in range(60)]
    used = {v for b in baskets for v in (*b.create_variant_ids, b.added_variant_id)}
    assert used == {v for s in plan.shops for v in s.variant_ids}
    pairs = {tuple(_shop_of(v) for v in b.create_variant_ids) for b in baskets}
    assert len(pairs) > 5  # not always the same neighbour


def test_a_basket_needs_two_shops() -> None:
    with pytest.raises(ValueError):
        bench.basket_for(_plan(1), 0)


def test_create_variables_use_relay_ids_in_the_bench_channel() -> None:
    basket = bench.basket_for(_plan(), 0)
    variables = bench.create_variables(basket, email="a@bench.ruralmart.cn")
    assert variables["input"]["channel"] == "urban-retail"
    assert variables["input"]["email"] == "a@bench.ruralmart.cn"
    ids = [b64decode(ln["variantId"]).decode() for ln in variables["input"]["lines"]]
    assert ids == [f"ProductVariant:{pk}" for pk in basket.create_variant_ids]


def _reply(body: Any, status: int = 200, queries: int | None = 7, seconds: float = 0.01) -> Reply:
    raw = json.dumps(body).encode() if body is not None else b"<html>oops</html>"
    return Reply(status=status, seconds=seconds, body=body, raw=raw, queries=queries)


def test_payload_accepts_a_clean_reply_and_refuses_every_kind_of_failure() -> None:
    clean = {"data": {"checkoutCreate": {"errors": [], "checkout": {"id": "x"}}}}
    assert bench.payload(_reply(clean), "checkoutCreate", "create")["checkout"] == {"id": "x"}
    failures = [
        (_reply(clean, status=500), "HTTP 500"),
        (_reply(None), "not JSON"),
        (_reply({"errors": [{"message": "boom"}], "data": None}), "GraphQL errors"),
        (
            _reply({"data": {"checkoutCreate": {"errors": [{"code": "INSUFFICIENT_STOCK"}]}}}),
            "INSUFFICIENT_STOCK",
        ),
        (_reply({"data": {"checkoutCreate": None}}), "no checkoutCreate payload"),
    ]
    for reply, message in failures:
        with pytest.raises(bench.BenchFailure, match=message):
            bench.payload(reply, "checkoutCreate", "create")


def test_payload_parts_are_checked() -> None:
    found = {"checkout": {"id": "c1", "lines": [{"id": 1}, {"id": 2}]}}
    assert bench.checkout_id_of(found, "create", lines=2) == "c1"
    with pytest.raises(bench.BenchFailure, match="2 lines, not 3"):
        bench.checkout_id_of(found, "add", lines=3)
    with pytest.raises(bench.BenchFailure, match="no checkout"):
        bench.checkout_id_of({"checkout": None}, "create", lines=2)
    assert bench.qr_code_of({"data": {"qrCode": "http://s/qr/t"}}) == "http://s/qr/t"
    assert bench.qr_code_of({"data": json.dumps({"qrCode": "q"})}) == "q"
    with pytest.raises(bench.BenchFailure, match="no qrCode"):
        bench.qr_code_of({"data": {"payUrl": "http://s/pay"}})
    assert bench.order_of({"order": {"id": "T3JkZXI6MQ=="}}) == "T3JkZXI6MQ=="
    with pytest.raises(bench.BenchFailure, match="no order"):
        bench.order_of({"order": None})


def test_the_notify_handler_must_answer_exactly_success() -> None:
    bench.check_notify_answer(200, b"success")
    for status, body in [(200, b"fail"), (500, b"success"), (403, b"")]:
        with pytest.raises(bench.BenchFailure, match="notify handler"):
            bench.check_notify_answer(status, body)


def test_order_ids_must_be_orders() -> None:
    order = bench.global_id("Order", "8c0e6a2e-31f4-4d5c-9a57-3c1c55c4e0a1")
    assert bench._order_pks([order]) == ["8c0e6a2e-31f4-4d5c-9a57-3c1c55c4e0a1"]
    with pytest.raises(bench.BenchFailure, match="Checkout ID"):
        bench._order_pks([bench.global_id("Checkout", "x")])


# --- one purchase against fakes ---------------------------------------------------------------


class FakeGraphQL:
    """Answers each mutation by its name; `fail` names one to answer with an errors entry."""

    def __init__(self, fail: str | None = None) -> None:
        self.fail = fail
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lines = 0

    def post(self, query: str, variables: dict[str, Any] | None = None) -> Reply:
        name = query.split("{", 2)[1].split("(")[0].strip()
        self.calls.append((name, variables or {}))
        if name == self.fail:
            return _reply({"data": {name: {"errors": [{"field": None, "code": "INVALID"}]}}})
        found: dict[str, Any] = {"errors": []}
        if name == "checkoutCreate":
            self.lines = 2
        elif name == "checkoutLinesAdd":
            self.lines += 1
        if name in ("checkoutCreate", "checkoutLinesAdd"):
            found["checkout"] = {"id": "Q2hlY2tvdXQ6MQ==", "lines": [{"id": 1}] * self.lines}
        elif name == "transactionInitialize":
            found["data"] = {"qrCode": "http://sandbox/qr/tok", "outTradeNo": "RM1"}
        elif name == "checkoutComplete":
            found["order"] = {"id": bench.global_id("Order", "o-1"), "number": "1"}
        else:
            found["checkout"] = {"id": "Q2hlY2tvdXQ6MQ=="}
        return _reply({"data": {name: found}}, seconds=0.02)

    def close(self) -> None:
        pass


class FakeNotifier:
    def __init__(self, answer: bytes = b"success") -> None:
        self.answer = answer
        self.posted: list[tuple[str, dict[str, str]]] = []

    def post(self, path: str, params: dict[str, str]) -> tuple[int, bytes, float, int | None]:
        self.posted.append((path, dict(params)))
        return 200, self.answer, 0.03, 11

    def close(self) -> None:
        pass


class FakePayer:
    def __init__(self) -> None:
        self.paid: list[tuple[str, bool]] = []

    def scan(self, qr_code: str) -> str:
        assert qr_code == "http://sandbox/qr/tok"
        return "RM1"

    def pay(self, out_trade_no: str, *, deliver: bool = True) -> dict[str, str]:
        self.paid.append((out_trade_no, deliver))
        return {"out_trade_no": out_trade_no, "sign": "s"}


def _buyer(graphql: FakeGraphQL, notifier: FakeNotifier, payer: FakePayer) -> bench.Buyer:
    buyer = bench.Buyer(RunningServer("127.0.0.1", 9, log_path=None), payer)  # type: ignore[arg-type]
    buyer.graphql = graphql  # type: ignore[assignment]
    buyer.notifier = notifier  # type: ignore[assignment]
    return buyer


def test_a_purchase_runs_every_step_in_order_and_times_each() -> None:
    graphql, notifier, payer = FakeGraphQL(), FakeNotifier(), FakePayer()
    tally = bench.Tally()
    basket = bench.basket_for(_plan(), 0)
    order = _buyer(graphql, notifier, payer).purchase(basket, email="b@x.cn", tally=tally)
    assert order == bench.global_id("Order", "o-1")
    assert [name for name, _ in graphql.calls] == [
        "checkoutCreate",
        "checkoutLinesAdd",
        "checkoutShippingAddressUpdate",
        "checkoutDeliveryMethodUpdate",
        "checkoutDeliveryMethodUpdate",
        "transactionInitialize",
        "checkoutComplete",
    ]
    methods = [v["method"] for name, v in graphql.calls if name == "checkoutDeliveryMethodUpdate"]
    assert methods == [bench.global_id("ShippingMethod", m) for m in basket.delivery_method_ids]
    gateway = next(v for name, v in graphql.calls if name == "transactionInitialize")["gateway"]
    assert gateway == {"id": "ruralmart.payments.alipay", "data": {"method": "QR"}}
    # The sandbox signs but does not deliver: the bench POSTs it, and times that.
    assert payer.paid == [("RM1", False)]
    assert notifier.posted == [("/payments/alipay/notify/", {"out_trade_no": "RM1", "sign": "s"})]
    assert {k: len(v) for k, v in tally.seconds.items()} == {
        "create": 1,
        "lines_add": 1,
        "address": 1,
        "delivery": 2,
        "pay_init": 1,
        "notify": 1,
        "complete": 1,
    }
    assert tally.queries["notify"] == {11}


def test_an_untimed_purchase_records_nothing() -> None:
    tally = bench.Tally()
    _buyer(FakeGraphQL(), FakeNotifier(), FakePayer()).purchase(
        bench.basket_for(_plan(), 1), email="b@x.cn", tally=None
    )
    assert all(not v for v in tally.seconds.values())


@pytest.mark.parametrize(
    "failing", ["checkoutLinesAdd", "transactionInitialize", "checkoutComplete"]
)
def test_an_errors_entry_anywhere_stops_the_purchase(failing: str) -> None:
    graphql = FakeGraphQL(fail=failing)
    with pytest.raises(bench.BenchFailure, match=failing):
        _buyer(graphql, FakeNotifier(), FakePayer()).purchase(
            bench.basket_for(_plan(), 0), email="b@x.cn", tally=bench.Tally()
        )
    assert graphql.calls[-1][0] == failing


def test_a_refused_notification_stops_the_purchase_before_completion() -> None:
    graphql = FakeGraphQL()
    with pytest.raises(bench.BenchFailure, match="not 'success'"):
        _buyer(graphql, FakeNotifier(answer=b"fail"), FakePayer()).purchase(
            bench.basket_for(_plan(), 0), email="b@x.cn", tally=bench.Tally()
        )
    assert "checkoutComplete" not in [name for name, _ in graphql.calls]


# --- figures, checks and the report -----------------------------------------------------------


def _tally(ms: float) -> bench.Tally:
    tally = bench.Tally()
    for key in bench.STEP_KEYS:
        for k in range(10):
            tally.add(key, (ms + k) / 1000, 9)
    return tally


def _results(ms: float) -> bench.Results:
    return bench.Results(
        steps=bench.step_results(_tally(ms), _tally(ms * 3)),
        buyers=20,
        concurrent_checkouts=100,
        concurrent_seconds=8.0,
        sequential_checkouts=10,
        order_ids=["a"] * 110,
    )


def _background(notified: int = 110, mode: str = "worker") -> bench.Background:
    return bench.Background(
        mode=mode,
        broker="redis://127.0.0.1:6379/1" if mode == "worker" else None,
        orders=110,
        notified=notified,
        drain_seconds=1.5 if mode == "worker" else None,
    )


def test_targets_pass_and_miss_on_the_sequential_p50() -> None:
    fast = {c.name: c.passed for c in bench.evaluate(_results(20), _background())}
    assert fast == {
        "checkoutCreate (2 shops) p50": True,
        "checkoutComplete p50": True,
        "order-placed notices sent": True,
    }
    slow = {c.name: c.passed for c in bench.evaluate(_results(50), _background(notified=100))}
    assert slow == {
        "checkoutCreate (2 shops) p50": False,  # 54.5 ms > 40
        "checkoutComplete p50": True,  # 54.5 ms ≤ 60
        "order-placed notices sent": False,
    }


def test_a_step_without_samples_is_a_failure_not_a_zero() -> None:
    empty = bench.Tally()
    with pytest.raises(bench.BenchFailure, match="no timed requests"):
        bench.step_results(_tally(10), empty)


def test_table_shows_steps_throughput_and_how_tasks_ran() -> None:
    results = _results(20)
    text = bench.render(results, bench.evaluate(results, _background()), _background())
    assert "checkoutComplete" in text and "Alipay notify handler" in text
    assert "100 in 8.0 s = 12.5 checkouts/s" in text
    assert "a real Celery worker on redis://127.0.0.1:6379/1" in text
    assert "PASS" in text
    eager = bench.render(results, [], _background(mode="eager"))
    assert "ran eagerly inside gunicorn" in eager


def test_report_holds_figures_settings_background_and_verdict(tmp_path) -> None:
    results = _results(50)
    background = _background()
    checks = bench.evaluate(results, background)
    path = bench.write_report(
        directory=tmp_path / "bench",
        results=results,
        checks=checks,
        background=background,
        settings={"buyers": 20},
        started=datetime(2026, 1, 2, 3, 4, 5),
    )
    assert path.name == "checkout-20260102-030405.json"
    document = json.loads(path.read_text())
    assert document["scenario"] == "checkout"
    assert document["passed"] is False
    assert document["background_tasks"]["mode"] == "worker"
    assert document["results"]["concurrent"]["checkouts_per_second"] == 12.5
    steps = {s["key"]: s for s in document["results"]["steps"]}
    assert set(steps) == set(bench.STEP_KEYS)
    assert steps["complete"]["sequential"]["p50_ms"] == pytest.approx(54.5)
    assert steps["complete"]["sql_queries_per_request"] == [9]


def test_broker_passwords_stay_out_of_the_output() -> None:
    assert bench.redact("redis://:s3cret@10.0.0.1:6379/1") == "redis://:***@10.0.0.1:6379/1"
    assert bench.redact("redis://127.0.0.1:6379/1") == "redis://127.0.0.1:6379/1"
