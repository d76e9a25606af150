"""Delivering async notifications the way Alipay does: a form-encoded POST to notify_url,
counted as delivered only when the answer body is exactly `success`, retried with backoff
otherwise (Alipay keeps trying for a day; the sandbox a few times, quickly).

Every attempt is recorded so tests can see what was sent and what came back.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

logger = logging.getLogger("ruralmart.payments.alipay.sandbox")

POST_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class DeliveryAttempt:
    url: str
    params: Mapping[str, str]
    attempt: int
    status: int | None
    body: str

    @property
    def delivered(self) -> bool:
        return self.body == "success"


class Notifier:
    def __init__(self, retry_delays: Sequence[float]) -> None:
        self.retry_delays = tuple(retry_delays)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._attempts: list[DeliveryAttempt] = []
        self._threads: set[threading.Thread] = set()

    @property
    def attempts(self) -> list[DeliveryAttempt]:
        with self._lock:
            return list(self._attempts)

    def deliver(
        self, url: str, params: Mapping[str, str], *, retry: bool = True, wait: bool = True
    ) -> DeliveryAttempt | None:
        """Post now (`wait`) and return the first attempt, retrying in the background if it
        failed; or, with `wait=False`, do everything in the background and return None."""
        params = dict(params)
        if not wait:
            self._in_background(url, params, first_attempt=1, delays=self._delays(retry, 0))
            return None
        first = self._post(url, params, attempt=1)
        if not first.delivered and retry:
            self._in_background(url, params, first_attempt=2, delays=self.retry_delays)
        return first

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no retries are pending; False if some still were at the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = list(self._threads)
            if not threads:
                return True
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                with self._lock:
                    return not self._threads

    def stop(self) -> None:
        self._stopping.set()
        self.wait_idle(timeout=POST_TIMEOUT_SECONDS + 1)

    def _delays(self, retry: bool, first_delay: float) -> tuple[float, ...]:
        return (first_delay, *self.retry_delays) if retry else (first_delay,)

    def _in_background(
        self, url: str, params: dict[str, str], *, first_attempt: int, delays: Sequence[float]
    ) -> None:
        def run() -> None:
            try:
                for offset, delay in enumerate(delays):
                    if self._stopping.wait(delay):
                        return
                    if self._post(url, params, attempt=first_attempt + offset).delivered:
                        return
                logger.warning(
                    "Alipay sandbox gave up notifying %s about %s",
                    url,
                    params.get("out_trade_no"),
                )
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=run, name="alipay-sandbox-notify", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def _post(self, url: str, params: dict[str, str], *, attempt: int) -> DeliveryAttempt:
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(params).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            method="POST",
        )
        status: int | None
        try:
            with urllib.request.urlopen(request, timeout=POST_TIMEOUT_SECONDS) as response:
                status = response.status
                body = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode("utf-8", "replace")
        except (OSError, ValueError) as exc:
            status, body = None, f"<{exc}>"
        result = DeliveryAttempt(url=url, params=params, attempt=attempt, status=status, body=body)
        with self._lock:
            self._attempts.append(result)
        if result.delivered:
            logger.info("Alipay sandbox notified %s (attempt %d)", url, attempt)
        else:
            logger.info(
                "Alipay sandbox notification to %s not acknowledged (attempt %d): %s %.80r",
                url,
                attempt,
                status,
                body,
            )
        return result
