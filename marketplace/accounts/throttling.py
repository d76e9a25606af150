"""Login throttling and the other "not too often" checks, counted in PostgreSQL.

Failed logins are counted per account (the e-mail typed, whether or not such an account
exists, so the answer does not reveal which accounts exist) and per client IP, over a
sliding window. Past either limit, logins are refused until enough failures age out of the
window, even with the right password. A successful login clears the account's failures.

Settings (read at call time, so tests may override them):
    LOGIN_THROTTLE_ACCOUNT_LIMIT    failures per account in the window (default 5)
    LOGIN_THROTTLE_IP_LIMIT         failures per IP in the window (default 20)
    LOGIN_THROTTLE_WINDOW_SECONDS   the window (default 900)
    LOGIN_TRUST_X_FORWARDED_FOR     take the client IP from X-Forwarded-For (default False;
                                    enable only behind a proxy that sets the header)

The count and the insert are not serialised, so a burst of simultaneous failures from many
processes may get a few attempts past the limit; the limit is a brake, not an exact quota.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from marketplace.accounts.models import AuthAttempt, AuthAttemptKind


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def window() -> dt.timedelta:
    return dt.timedelta(seconds=_setting("LOGIN_THROTTLE_WINDOW_SECONDS", 900))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def client_ip(meta: Mapping[str, str]) -> str | None:
    """The caller's IP from a request's META: REMOTE_ADDR, or the address our own proxy
    appended to X-Forwarded-For when LOGIN_TRUST_X_FORWARDED_FOR is on (the right-most
    entry; entries to its left are whatever the client chose to send)."""
    candidate = meta.get("REMOTE_ADDR", "")
    if getattr(settings, "LOGIN_TRUST_X_FORWARDED_FOR", False):
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            candidate = forwarded[-1]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


@dataclass(frozen=True)
class Delay:
    """Logins are refused until `retry_at`; `scope` says whether the account or the IP
    tripped the limit."""

    retry_at: dt.datetime
    scope: str

    @property
    def message(self) -> str:
        seconds = max(int((self.retry_at - timezone.now()).total_seconds()), 1)
        minutes = -(-seconds // 60)
        local = timezone.localtime(self.retry_at).strftime("%Y-%m-%d %H:%M:%S %Z")
        who = "this account" if self.scope == "account" else "your network address"
        return (
            f"Too many failed login attempts for {who}. Try again after {local} "
            f"(in about {minutes} minute{'s' if minutes != 1 else ''})."
        )


def _delay_from(times: list[dt.datetime], limit: int, scope: str) -> Delay | None:
    """Given the window's failure times (oldest first), when the count drops below `limit`."""
    if len(times) < limit:
        return None
    # The count falls under the limit once the (len - limit + 1) oldest have aged out.
    return Delay(retry_at=times[len(times) - limit] + window(), scope=scope)


def login_delay(*, email: str, ip: str | None) -> Delay | None:
    """Why and until when a login for `email` from `ip` must wait, or None."""
    since = timezone.now() - window()
    failures = AuthAttempt.objects.filter(kind=AuthAttemptKind.LOGIN_FAILURE, created_at__gt=since)
    account_limit = _setting("LOGIN_THROTTLE_ACCOUNT_LIMIT", 5)
    account_times = list(
        failures.filter(email=normalise_email(email))
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    delays = [_delay_from(account_times, account_limit, "account")]
    if ip is not None:
        ip_limit = _setting("LOGIN_THROTTLE_IP_LIMIT", 20)
        ip_times = list(
            failures.filter(ip_address=ip)
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        delays.append(_delay_from(ip_times, ip_limit, "ip"))
    found = [delay for delay in delays if delay is not None]
    return max(found, key=lambda delay: delay.retry_at) if found else None


_RETENTION = dt.timedelta(days=1)


def _prune() -> None:
    # Keeps the table small whatever keys callers invent (random e-mails included): an
    # index range scan that finds few rows each time, since it runs on every insert.
    horizon = timezone.now() - max(_RETENTION, window())
    AuthAttempt.objects.filter(created_at__lt=horizon).delete()


def record_login_failure(*, email: str, ip: str | None) -> None:
    _prune()
    AuthAttempt.objects.create(
        kind=AuthAttemptKind.LOGIN_FAILURE, email=normalise_email(email), ip_address=ip
    )


def clear_login_failures(*, email: str) -> None:
    AuthAttempt.objects.filter(
        kind=AuthAttemptKind.LOGIN_FAILURE, email=normalise_email(email)
    ).delete()


def recently_recorded(*, kind: AuthAttemptKind, email: str, seconds: int) -> bool:
    """Whether an event of `kind` for `email` was recorded in the last `seconds`."""
    return AuthAttempt.objects.filter(
        kind=kind,
        email=normalise_email(email),
        created_at__gt=timezone.now() - dt.timedelta(seconds=seconds),
    ).exists()


def record(*, kind: AuthAttemptKind, email: str, ip: str | None) -> None:
    _prune()
    AuthAttempt.objects.create(kind=kind, email=normalise_email(email), ip_address=ip)
