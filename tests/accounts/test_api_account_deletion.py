# ruff: noqa: F811  (pytest fixtures imported from api_client are redefined as arguments)
"""`accountRequestDeletion`: the logged-in buyer gets a confirmation link by e-mail; the
request is throttled, the link only points at our storefronts, and anonymous callers are
refused."""

from __future__ import annotations

from marketplace.accounts.tokens import (
    account_deletion_token_generator,
    password_reset_token_generator,
)
from tests.accounts.api_client import buyer, codes, gql, link_params  # noqa: F401

REQUEST = """mutation($url: String!, $channel: String) {
    accountRequestDeletion(redirectUrl: $url, channel: $channel) {
        errors { field message code } accountErrors { code } } }"""


def test_the_buyer_gets_a_deletion_link(gql, buyer, mailoutbox, django_capture_on_commit_callbacks):
    gql.login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        payload = gql.mutate(
            REQUEST, {"url": "http://localhost:3000/delete", "channel": "urban-retail"}
        )
    assert payload == {"errors": [], "accountErrors": []}
    (message,) = mailoutbox
    assert message.to == ["buyer@example.cn"]
    params = link_params(message.body)
    assert params["email"] == "buyer@example.cn"
    assert account_deletion_token_generator.check_token(buyer, params["token"])
    # Its own kind of token: it cannot reset the password.
    assert not password_reset_token_generator.check_token(buyer, params["token"])


def test_a_second_request_is_throttled(gql, buyer, mailoutbox, django_capture_on_commit_callbacks):
    gql.login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        first = gql.mutate(REQUEST, {"url": "http://localhost/delete"})
        second = gql.mutate(REQUEST, {"url": "http://localhost/delete"})
    assert first["errors"] == []
    assert codes(second["errors"]) == {("redirectUrl", "INVALID")}
    assert second["accountErrors"] == [{"code": "INVALID"}]
    assert len(mailoutbox) == 1


def test_a_foreign_redirect_is_refused(gql, buyer, mailoutbox, django_capture_on_commit_callbacks):
    gql.login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        refused = gql.mutate(REQUEST, {"url": "https://phish.example/delete"})
    assert codes(refused["errors"]) == {("redirectUrl", "INVALID")}
    assert mailoutbox == []


def test_anonymous_callers_are_refused(gql, mailoutbox):
    body = gql(REQUEST, {"url": "http://localhost/delete"})
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert mailoutbox == []
