# ruff: noqa: F811  (pytest fixtures imported from api_client are redefined as arguments)
"""Failed logins are throttled per account and per IP, counted in PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from marketplace.accounts.models import AuthAttempt
from tests import factories
from tests.accounts.api_client import buyer, codes, gql  # noqa: F401

pytestmark = pytest.mark.django_db

LOGIN = """
mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) {
    token errors { field message code }
  }
}"""
PASSWORD = "Village-pass-2026"


def login(gql, email="buyer@example.cn", password=PASSWORD):
    return gql.mutate(LOGIN, {"email": email, "password": password})


def fail(gql, times, email="buyer@example.cn"):
    for _ in range(times):
        assert codes(login(gql, email, "wrong")["errors"]) == {("email", "INVALID_CREDENTIALS")}


@pytest.mark.smoke
def test_account_is_throttled_after_five_failures_even_with_the_right_password(gql, buyer):
    fail(gql, 5)
    refused = login(gql)
    assert codes(refused["errors"]) == {("email", "LOGIN_ATTEMPT_DELAYED")}
    assert refused["token"] is None
    message = refused["errors"][0]["message"]
    assert "Try again after" in message and "15 minutes" in message
    # Throttled attempts are not counted again (the delay does not grow by retrying).
    assert AuthAttempt.objects.count() == 5


def test_throttle_applies_from_any_ip_and_ends_with_the_window(gql, buyer):
    fail(gql, 5)
    gql.meta["REMOTE_ADDR"] = "10.9.8.7"
    assert codes(login(gql)["errors"]) == {("email", "LOGIN_ATTEMPT_DELAYED")}
    # Age the failures past the 15-minute window: the account may log in again.
    AuthAttempt.objects.update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert login(gql)["errors"] == []


def test_success_resets_the_account_counter(gql, buyer):
    fail(gql, 4)
    assert login(gql)["errors"] == []
    fail(gql, 4)
    assert login(gql)["errors"] == []


def test_other_accounts_are_not_delayed_by_one_accounts_failures(gql, buyer):
    factories.user(email="neighbour@example.cn", password=PASSWORD)
    fail(gql, 5)
    assert login(gql, "neighbour@example.cn")["errors"] == []


def test_unknown_accounts_are_throttled_like_real_ones(gql):
    fail(gql, 5, email="ghost@example.cn")
    assert codes(login(gql, "ghost@example.cn", "x")["errors"]) == {
        ("email", "LOGIN_ATTEMPT_DELAYED")
    }


def test_ip_is_throttled_after_twenty_failures_across_accounts(gql, buyer, settings):
    gql.meta["REMOTE_ADDR"] = "203.0.113.5"
    for i in range(20):
        fail(gql, 1, email=f"guess{i}@example.cn")
    refused = login(gql)  # a real account with the right password, but from that IP
    assert codes(refused["errors"]) == {("email", "LOGIN_ATTEMPT_DELAYED")}
    assert "network address" in refused["errors"][0]["message"]
    gql.meta["REMOTE_ADDR"] = "203.0.113.6"
    assert login(gql)["errors"] == []


def test_x_forwarded_for_is_ignored_unless_trusted(gql, buyer, settings):
    settings.LOGIN_THROTTLE_IP_LIMIT = 3
    gql.meta["REMOTE_ADDR"] = "198.51.100.1"
    for i in range(3):
        gql.meta["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{i}"  # a client rotating a forged header
        fail(gql, 1, email=f"guess{i}@example.cn")
    assert codes(login(gql)["errors"]) == {("email", "LOGIN_ATTEMPT_DELAYED")}
    assert set(AuthAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}


def test_x_forwarded_for_counts_when_trusted(gql, buyer, settings):
    settings.LOGIN_TRUST_X_FORWARDED_FOR = True
    settings.LOGIN_THROTTLE_IP_LIMIT = 3
    gql.meta["REMOTE_ADDR"] = "10.0.0.1"  # the proxy
    gql.meta["HTTP_X_FORWARDED_FOR"] = "1.2.3.4, 192.0.2.50"
    for i in range(3):
        fail(gql, 1, email=f"guess{i}@example.cn")
    assert codes(login(gql)["errors"]) == {("email", "LOGIN_ATTEMPT_DELAYED")}
    gql.meta["HTTP_X_FORWARDED_FOR"] = "192.0.2.51"  # another client behind the same proxy
    assert login(gql)["errors"] == []


def test_expired_attempts_are_pruned_as_new_ones_arrive(gql, buyer):
    AuthAttempt.objects.create(
        kind="LOGIN_FAILURE",
        email="old@example.cn",
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    fail(gql, 1)
    assert list(AuthAttempt.objects.values_list("email", flat=True)) == ["buyer@example.cn"]
