"""`ruralmart demo`: the banner, and the serve/stop sequence, without starting a server."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from marketplace.management.commands import demo as demo_command
from tooling.demo import DemoLogin, DemoSummary

LOGINS = [
    DemoLogin(
        "admin@ruralmart.example",
        "ruralmart-demo",
        "PLATFORM_ADMIN",
        "Platform admin (county)",
        "全平台",
    ),
    DemoLogin("buyer@ruralmart.example", "ruralmart-demo", "BUYER", "Buyer", "城市买家"),
]


@pytest.mark.smoke
def test_banner_shows_urls_first_query_and_logins():
    banner = demo_command.demo_banner(port=8765, logins=LOGINS, worker_running=False)
    assert "http://127.0.0.1:8765/graphql/" in banner
    assert "http://127.0.0.1:8765/admin/" in banner
    assert 'products(first: 5, channel: "urban-retail")' in banner
    assert "password: ruralmart-demo" in banner
    for login in LOGINS:
        assert login.email in banner and login.role_label in banner
    assert "eagerly" in banner and "Celery worker is running" not in banner


def test_banner_mentions_the_worker_when_one_runs():
    banner = demo_command.demo_banner(port=8000, logins=LOGINS, worker_running=True)
    assert "Celery worker is running" in banner and "eagerly" not in banner


def test_banner_names_the_folder_the_demo_mails_go_to():
    assert "E-mails" not in demo_command.demo_banner(port=8000, logins=LOGINS, worker_running=True)
    banner = demo_command.demo_banner(
        port=8000, logins=LOGINS, worker_running=True, mail_folder="/tmp/rm/mail"
    )
    assert "files in /tmp/rm/mail/" in banner


class _FakeWorker:
    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.terminated = False

    def poll(self) -> int | None:
        return 0 if self.terminated else None

    def terminate(self) -> None:
        self.terminated = True

    def wait(self, timeout: float | None = None) -> int:
        return 0


@pytest.fixture
def fake_run(monkeypatch, settings):
    """Stand-ins for migrate, the loader, runserver (which 'gets' Ctrl-C) and Popen."""
    calls: list[tuple[str, dict[str, Any]]] = []
    workers: list[_FakeWorker] = []

    def fake_call_command(name: str, *args: Any, **kwargs: Any) -> None:
        calls.append((name, {"args": args, **kwargs}))
        if name == "runserver":
            raise KeyboardInterrupt

    def fake_popen(argv: list[str]) -> _FakeWorker:
        workers.append(_FakeWorker(argv))
        return workers[-1]

    summary = DemoSummary(
        counts={}, added={}, logins=LOGINS, approved_shops=8, applied_shops=1, tourism_offers=8
    )
    summary.format = lambda: "Demo data loaded."  # type: ignore[method-assign]
    monkeypatch.setattr(demo_command, "call_command", fake_call_command)
    monkeypatch.setattr(demo_command, "load_demo_data", lambda **kw: summary)
    monkeypatch.setattr(demo_command.subprocess, "Popen", fake_popen)
    settings.PORT = 8123
    settings.ALIPAY_GATEWAY = ""
    settings.ALIPAY_SANDBOX_URL = "http://127.0.0.1:8001/gateway.do"
    settings.KUAIDI100_SANDBOX_URL = "http://127.0.0.1:8002"
    settings.KUAIDI100_BASE_URL = "http://127.0.0.1:8002"
    return calls, workers


def test_demo_migrates_loads_serves_and_stops_cleanly_on_ctrl_c(fake_run, settings):
    calls, workers = fake_run
    settings.CELERY_TASK_ALWAYS_EAGER = True
    out = io.StringIO()

    call_command("demo", stdout=out)

    assert [name for name, _ in calls] == ["migrate", "runserver"]
    runserver = calls[1][1]
    assert runserver["args"] == ("127.0.0.1:8123",)
    assert runserver["use_reloader"] is False and runserver["insecure_serving"] is True
    # The only children are the local Alipay, carrier, SMS and agency sandboxes, stopped
    # with the server.
    assert [w.argv[1:] for w in workers] == [
        ["-m", "marketplace.cli", "alipay_sandbox"],
        ["-m", "marketplace.cli", "carrier_sandbox"],
        ["-m", "marketplace.cli", "sms_sandbox"],
        ["-m", "marketplace.cli", "agency_sandbox"],
    ]
    assert all(w.terminated for w in workers)
    text = out.getvalue()
    assert "http://127.0.0.1:8123/graphql/" in text and "Demo stopped" in text
    assert "Alipay sandbox (pay pages, QR codes, trades): http://127.0.0.1:8001/" in text
    assert "Alipay sandbox stopped." in text
    assert "Carrier sandbox (Kuaidi100: zhongtong, youzhengguonei): http://127.0.0.1:8002/" in text
    assert "Carrier sandbox stopped." in text
    assert "SMS sandbox (Aliyun Dysmsapi): SMS sent at http://127.0.0.1:8003/sms/" in text
    assert "SMS sandbox stopped." in text


def test_demo_runs_and_stops_a_worker_when_a_broker_is_configured(fake_run, settings):
    calls, workers = fake_run
    settings.CELERY_TASK_ALWAYS_EAGER = False

    call_command("demo", "--port", "9001", stdout=io.StringIO())

    assert calls[1][1]["args"] == ("127.0.0.1:9001",)
    # The worker, then the Alipay, carrier, SMS and agency sandboxes.
    assert len(workers) == 5 and all(w.terminated for w in workers)
    assert workers[0].argv[1:] == [
        "-m",
        "celery",
        "-A",
        "marketplace",
        "worker",
        "--loglevel=info",
        "--pool=solo",
    ]


def test_demo_starts_no_sandbox_against_a_real_alipay(fake_run, settings):
    _, workers = fake_run
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.ALIPAY_GATEWAY = "https://openapi.alipay.com/gateway.do"
    out = io.StringIO()

    call_command("demo", stdout=out)

    assert [w.argv[-1] for w in workers] == ["carrier_sandbox", "sms_sandbox", "agency_sandbox"]
    assert "Alipay sandbox" not in out.getvalue()


def test_demo_starts_no_carrier_sandbox_against_a_real_kuaidi100(fake_run, settings):
    _, workers = fake_run
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.KUAIDI100_BASE_URL = "https://poll.kuaidi100.com"
    out = io.StringIO()

    call_command("demo", stdout=out)

    assert [w.argv[-1] for w in workers] == ["alipay_sandbox", "sms_sandbox", "agency_sandbox"]
    assert "Carrier sandbox" not in out.getvalue()


def test_demo_starts_no_sms_sandbox_against_a_real_aliyun(fake_run, settings):
    _, workers = fake_run
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.ALIYUN_SMS_ENDPOINT = "https://dysmsapi.aliyuncs.com"
    out = io.StringIO()

    call_command("demo", stdout=out)

    assert [w.argv[-1] for w in workers] == [
        "alipay_sandbox",
        "carrier_sandbox",
        "agency_sandbox",
    ]
    assert "SMS sandbox" not in out.getvalue()
