"""Benchmark of the Kuaidi100 tracking callback: p50/p95 and SQL statements per push.

Runs in-process against the database Django is connected to: it books `--waybills`
consignments (no order needed), then posts `--pushes` signed pushes to
/logistics/kuaidi100/callback/ through Django's full request stack, each push carrying the
waybill's whole track so far (Kuaidi100 resends the whole track every time), one new event
longer than the last. Every push commits, as in production. Its rows are deleted at the end.

Target on the 2-core reference machine: p50 <= 10 ms, statements per push constant however
long the track grows.

Registering it (the `logistics` scenario lives in `tooling/bench/scenarios.py`):

    from tooling.bench import logistics_callback
    ...
    results["callback"] = logistics_callback.run(options, say)   # inside the scenario
    # and logistics_callback.add_arguments(parser) in the scenario's add_arguments
"""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.test import Client

from tooling.bench.dataset import Say, ScenarioFailed
from tooling.bench.stats import query_count_label, summarize

CALLBACK_PATH = "/logistics/kuaidi100/callback/"
TARGET_P50_MS = 10.0
CHINA = ZoneInfo("Asia/Shanghai")
_CARRIER = "zhongtong"
_PREFIX = "BENCH"


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--callback-pushes", type=int, default=200)
    parser.add_argument("--callback-waybills", type=int, default=20)


def _push_form(number: str, events: int, start: datetime) -> dict[str, str]:
    from logistics.carriers.kuaidi100 import push_sign

    data = [
        {
            "time": (start + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S"),
            "ftime": (start + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S"),
            "context": f"快件到达第{i}个中转站",
            "areaName": "云南省临沧市",
            "statusCode": "1" if i == 0 else "0",
        }
        for i in range(events)
    ]
    param = json.dumps(
        {
            "status": "polling",
            "lastResult": {"com": _CARRIER, "nu": number, "state": "0", "data": data[::-1]},
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return {"param": param, "sign": push_sign(param, settings.KUAIDI100_CALLBACK_SALT)}


def run(options: dict[str, Any], say: Say) -> dict[str, Any]:
    from logistics.shipments.models import Shipment, ShipmentKind

    pushes = max(1, int(options.get("callback_pushes", 200)))
    waybill_count = max(1, int(options.get("callback_waybills", 20)))
    stamp = f"{int(time.time() * 1000) % 10**8:08d}"
    numbers = [f"{_PREFIX}{stamp}{i:05d}" for i in range(waybill_count)]
    Shipment.objects.bulk_create(
        Shipment(kind=ShipmentKind.CONSIGNMENT, carrier=_CARRIER, tracking_number=number)
        for number in numbers
    )
    client = Client()
    start = datetime.now(CHINA) - timedelta(days=2)
    seconds: list[float] = []
    counts: list[int] = []
    count = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    try:
        client.post(CALLBACK_PATH, _push_form(numbers[0], 1, start))  # warm-up, not measured
        for i in range(pushes):
            number = numbers[i % waybill_count]
            form = _push_form(number, 2 + i // waybill_count, start)
            count = 0
            with connection.execute_wrapper(counter):
                began = time.perf_counter()
                answer = client.post(CALLBACK_PATH, form)
                seconds.append(time.perf_counter() - began)
            counts.append(count)
            if answer.status_code != 200:
                raise ScenarioFailed(f"callback answered {answer.status_code}: {answer.content!r}")
    finally:
        Shipment.objects.filter(tracking_number__in=numbers).delete()
    summary = summarize(seconds)
    distinct = sorted(set(counts))
    say(
        f"tracking callback: {summary.count} pushes, p50 {summary.p50_ms:.2f} ms, "
        f"p95 {summary.p95_ms:.2f} ms, SQL statements per push {query_count_label(distinct)} "
        f"(target p50 <= {TARGET_P50_MS:.0f} ms)"
    )
    return {
        **summary.as_dict(),
        "statements_per_push": distinct,
        "target_p50_ms": TARGET_P50_MS,
        "meets_target": summary.p50_ms <= TARGET_P50_MS,
    }
