# ruff: noqa: F811  (pytest fixtures imported from api_client are redefined as arguments)
"""Registration, confirmation, tokens and passwords through the GraphQL API."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from django.conf import settings
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.tokens import REFRESH, create_token
from tests import factories
from tests.accounts.api_client import buyer, codes, gql, link_params  # noqa: F401

pytestmark = pytest.mark.django_db

REGISTER = """
mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) {
    requiresConfirmation
    user { id email firstName isConfirmed }
    errors { field message code }
  }
}"""
CONFIRM = """
mutation($email: String!, $token: String!) {
  confirmAccount(email: $email, token: $token) {
    user { email isConfirmed }
    errors { field message code }
  }
}"""
LOGIN = """
mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) {
    token refreshToken csrfToken
    user { email }
    errors { field message code }
  }
}"""
REFRESH_TOKEN = """
mutation($refreshToken: String) {
  tokenRefresh(refreshToken: $refreshToken) {
    token user { email } errors { field message code }
  }
}"""
VERIFY = """
mutation($token: String!) {
  tokenVerify(token: $token) {
    isValid payload user { email } errors { field message code }
  }
}"""
ME = "{ me { id email firstName lastName isActive isConfirmed } }"
RESET = """
mutation($email: String!, $redirectUrl: String!) {
  requestPasswordReset(email: $email, redirectUrl: $redirectUrl) {
    errors { field message code }
  }
}"""
SET_PASSWORD = """
mutation($email: String!, $token: String!, $password: String!) {
  setPassword(email: $email, token: $token, password: $password) {
    token refreshToken user { email } errors { field message code }
  }
}"""
CHANGE = """
mutation($new: String!, $old: String) {
  passwordChange(newPassword: $new, oldPassword: $old) {
    user { email } errors { field message code }
  }
}"""
UPDATE = """
mutation($input: AccountInput!) {
  accountUpdate(input: $input) {
    user { firstName lastName } errors { field message code }
  }
}"""

REDIRECT = "http://localhost:3000/account/confirm"
PASSWORD = "Village-pass-2026"


def register(gql, email="new@example.cn", password="Tea-terraces-88", **extra):
    variables = {"input": {"email": email, "password": password, "redirectUrl": REDIRECT, **extra}}
    return gql.mutate(REGISTER, variables)


# --- registration and confirmation ----------------------------------------------------------


def test_register_then_confirm_then_login(gql, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payload = register(gql, firstName="丽")
    assert payload["errors"] == []
    assert payload["requiresConfirmation"] is True
    user = User.objects.get(email="new@example.cn")
    assert user.is_confirmed is False and user.first_name == "丽"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new@example.cn"]
    params = link_params(mailoutbox[0].body)
    assert params["email"] == "new@example.cn"
    assert mailoutbox[0].body.count(REDIRECT) == 1

    refused = gql.mutate(LOGIN, {"email": "new@example.cn", "password": "Tea-terraces-88"})
    assert codes(refused["errors"]) == {("email", "ACCOUNT_NOT_CONFIRMED")}
    assert refused["token"] is None

    confirmed = gql.mutate(CONFIRM, params)
    assert confirmed["errors"] == []
    assert confirmed["user"] == {"email": "new@example.cn", "isConfirmed": True}

    login = gql.mutate(LOGIN, {"email": "NEW@example.cn", "password": "Tea-terraces-88"})
    assert login["errors"] == [] and login["token"] and login["refreshToken"]


def test_register_without_confirmation_when_setting_is_off(gql, settings, mailoutbox):
    settings.ACCOUNT_CONFIRMATION_REQUIRED = False
    payload = gql.mutate(
        REGISTER, {"input": {"email": "open@example.cn", "password": "Tea-terraces-88"}}
    )
    assert payload["errors"] == [] and payload["requiresConfirmation"] is False
    login = gql.mutate(LOGIN, {"email": "open@example.cn", "password": "Tea-terraces-88"})
    assert login["errors"] == [] and login["token"]


def test_register_taken_email_answers_alike_and_tells_the_owner(
    gql, buyer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fresh = register(gql, email="fresh@example.cn")
        taken = register(gql, email="buyer@example.cn")
    assert taken["errors"] == [] and fresh["errors"] == []
    assert taken["requiresConfirmation"] == fresh["requiresConfirmation"]
    assert taken["user"] == {**fresh["user"], "email": "buyer@example.cn"}
    assert taken["user"]["id"] == "VXNlcjo="  # base64("User:"): the answer names no account
    assert User.objects.filter(email="buyer@example.cn").count() == 1
    assert User.objects.get(email="buyer@example.cn").check_password(PASSWORD)
    assert [m.to for m in mailoutbox] == [["fresh@example.cn"], ["buyer@example.cn"]]
    assert "already" in mailoutbox[1].subject


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!", "PASSWORD_TOO_SHORT"),
        ("password123", "PASSWORD_TOO_COMMON"),
        ("4829103756", "PASSWORD_ENTIRELY_NUMERIC"),
        ("similar@example.cn", "PASSWORD_TOO_SIMILAR"),
    ],
)
def test_register_refuses_weak_passwords(gql, password, code):
    payload = register(gql, email="similar@example.cn", password=password)
    assert ("password", code) in codes(payload["errors"])
    assert not User.objects.filter(email="similar@example.cn").exists()


@pytest.mark.parametrize(
    ("redirect", "code"),
    [
        ("https://evil.example.com/confirm", "INVALID"),
        ("/account/confirm", "INVALID"),
        ("javascript:alert(1)", "INVALID"),
    ],
)
def test_register_refuses_bad_redirect_urls(gql, redirect, code):
    payload = gql.mutate(
        REGISTER,
        {
            "input": {
                "email": "x@example.cn",
                "password": "Tea-terraces-88",
                "redirectUrl": redirect,
            }
        },
    )
    assert codes(payload["errors"]) == {("redirectUrl", code)}
    assert not User.objects.filter(email="x@example.cn").exists()


def test_register_requires_redirect_url_while_confirmation_is_on(gql):
    payload = gql.mutate(
        REGISTER, {"input": {"email": "x@example.cn", "password": "Tea-terraces-88"}}
    )
    assert codes(payload["errors"]) == {("redirectUrl", "REQUIRED")}


def test_register_refuses_a_bad_email(gql):
    payload = register(gql, email="not-an-email")
    assert codes(payload["errors"]) == {("email", "INVALID")}


def test_allowed_client_hosts_setting_admits_the_storefront(gql, settings):
    settings.ALLOWED_CLIENT_HOSTS = "shop.ruralmart.cn"
    payload = register(gql, redirectUrl="https://shop.ruralmart.cn/confirm")
    assert payload["errors"] == []


def test_confirm_refusals(gql, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(gql)
    params = link_params(mailoutbox[0].body)
    bad_token = gql.mutate(CONFIRM, {"email": params["email"], "token": "1-abc"})
    assert codes(bad_token["errors"]) == {("token", "INVALID")}
    unknown = gql.mutate(CONFIRM, {"email": "nobody@example.cn", "token": params["token"]})
    assert codes(unknown["errors"]) == {("email", "NOT_FOUND")}
    assert User.objects.get(email="new@example.cn").is_confirmed is False


# --- tokens ---------------------------------------------------------------------------------


@pytest.mark.smoke
def test_login_and_me_with_bearer_token(gql, buyer):
    assert gql.data(ME) == {"me": None}
    login = gql.mutate(LOGIN, {"email": "buyer@example.cn", "password": PASSWORD})
    assert login["errors"] == [] and login["csrfToken"] is None
    assert login["user"] == {"email": "buyer@example.cn"}
    payload = jwt.decode(login["refreshToken"], settings.SECRET_KEY, algorithms=["HS256"])
    assert payload["type"] == "refresh"
    gql.use_token(login["token"])
    me = gql.data(ME)["me"]
    assert me["email"] == "buyer@example.cn" and me["isActive"] and me["isConfirmed"]
    buyer.refresh_from_db()
    assert buyer.last_login is not None


def test_login_refusals(gql, buyer):
    wrong = gql.mutate(LOGIN, {"email": "buyer@example.cn", "password": "nope"})
    assert codes(wrong["errors"]) == {("email", "INVALID_CREDENTIALS")}
    assert wrong["token"] is None
    unknown = gql.mutate(LOGIN, {"email": "ghost@example.cn", "password": PASSWORD})
    assert codes(unknown["errors"]) == {("email", "INVALID_CREDENTIALS")}
    factories.user(email="blocked@example.cn", password=PASSWORD, is_active=False)
    inactive = gql.mutate(LOGIN, {"email": "blocked@example.cn", "password": PASSWORD})
    assert codes(inactive["errors"]) == {("email", "INACTIVE")}


def test_refresh_token_gives_a_new_access_token(gql, buyer):
    login = gql.mutate(LOGIN, {"email": "buyer@example.cn", "password": PASSWORD})
    refreshed = gql.mutate(REFRESH_TOKEN, {"refreshToken": login["refreshToken"]})
    assert refreshed["errors"] == [] and refreshed["user"] == {"email": "buyer@example.cn"}
    gql.use_token(refreshed["token"])
    assert gql.data(ME)["me"]["email"] == "buyer@example.cn"


def test_refresh_refusals(gql, buyer):
    missing = gql.mutate(REFRESH_TOKEN, {})
    assert codes(missing["errors"]) == {("refreshToken", "JWT_MISSING_TOKEN")}
    access = create_token(user=buyer)  # an access token is not a refresh token
    wrong_type = gql.mutate(REFRESH_TOKEN, {"refreshToken": access})
    assert codes(wrong_type["errors"]) == {("refreshToken", "JWT_INVALID_TOKEN")}
    garbage = gql.mutate(REFRESH_TOKEN, {"refreshToken": "not.a.jwt"})
    assert codes(garbage["errors"]) == {("refreshToken", "JWT_INVALID_TOKEN")}
    expired = jwt.encode(
        {
            "sub": str(buyer.pk),
            "type": REFRESH,
            "pwd": buyer.password[-12:],
            "exp": int((timezone.now() - dt.timedelta(minutes=1)).timestamp()),
        },
        settings.SECRET_KEY,
        algorithm="HS256",
    )
    stale = gql.mutate(REFRESH_TOKEN, {"refreshToken": expired})
    assert codes(stale["errors"]) == {("refreshToken", "JWT_SIGNATURE_EXPIRED")}
    assert stale["token"] is None


def test_verify_token(gql, buyer):
    token = create_token(user=buyer)
    valid = gql.mutate(VERIFY, {"token": token})
    assert valid["isValid"] is True and valid["errors"] == []
    assert valid["payload"]["email"] == "buyer@example.cn"
    assert valid["user"] == {"email": "buyer@example.cn"}
    forged = jwt.encode(
        {"sub": str(buyer.pk), "type": "access"},
        "a-different-secret-key-of-32-bytes!",
        algorithm="HS256",
    )
    invalid = gql.mutate(VERIFY, {"token": forged})
    assert invalid["isValid"] is False and invalid["user"] is None
    assert codes(invalid["errors"]) == {("token", "JWT_INVALID_TOKEN")}


# --- passwords ------------------------------------------------------------------------------


def test_password_reset_flow(gql, buyer, mailoutbox, django_capture_on_commit_callbacks):
    old_token = create_token(user=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        requested = gql.mutate(
            RESET, {"email": "buyer@example.cn", "redirectUrl": "http://localhost:3000/reset"}
        )
    assert requested["errors"] == []
    params = link_params(mailoutbox[0].body)
    done = gql.mutate(SET_PASSWORD, {**params, "password": "New-bamboo-path-7"})
    assert done["errors"] == [] and done["token"] and done["refreshToken"]
    buyer.refresh_from_db()
    assert buyer.check_password("New-bamboo-path-7")
    # The link is spent once the password has changed, and earlier tokens are dead.
    again = gql.mutate(SET_PASSWORD, {**params, "password": "Another-path-8"})
    assert codes(again["errors"]) == {("token", "INVALID")}
    assert gql.mutate(VERIFY, {"token": old_token})["isValid"] is False


def test_password_reset_refusals(gql, buyer, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        unknown = gql.mutate(
            RESET, {"email": "ghost@example.cn", "redirectUrl": "http://localhost/reset"}
        )
        bad_url = gql.mutate(
            RESET, {"email": "buyer@example.cn", "redirectUrl": "https://phish.example/reset"}
        )
        first = gql.mutate(
            RESET, {"email": "buyer@example.cn", "redirectUrl": "http://localhost/r"}
        )
        second = gql.mutate(
            RESET, {"email": "buyer@example.cn", "redirectUrl": "http://localhost/r"}
        )
    assert unknown["errors"] == []  # the same answer as for a real account
    assert codes(bad_url["errors"]) == {("redirectUrl", "INVALID")}
    assert first["errors"] == []
    assert codes(second["errors"]) == {("email", "PASSWORD_RESET_ALREADY_REQUESTED")}
    assert [m.to for m in mailoutbox] == [["buyer@example.cn"]]


def test_set_password_refusals(gql, buyer, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        gql.mutate(RESET, {"email": "buyer@example.cn", "redirectUrl": "http://localhost/r"})
    params = link_params(mailoutbox[0].body)
    weak = gql.mutate(SET_PASSWORD, {**params, "password": "12345678"})
    assert ("password", "PASSWORD_ENTIRELY_NUMERIC") in codes(weak["errors"])
    bad = gql.mutate(SET_PASSWORD, {**params, "token": "x-y", "password": "New-bamboo-path-7"})
    assert codes(bad["errors"]) == {("token", "INVALID")}
    buyer.refresh_from_db()
    assert buyer.check_password(PASSWORD)


def test_password_change_invalidates_old_tokens(gql, buyer):
    login = gql.mutate(LOGIN, {"email": "buyer@example.cn", "password": PASSWORD})
    gql.use_token(login["token"])
    changed = gql.mutate(CHANGE, {"new": "Fresh-tea-leaves-9", "old": PASSWORD})
    assert changed["errors"] == [] and changed["user"] == {"email": "buyer@example.cn"}
    # The old access token is now refused outright, and so is the old refresh token.
    body = gql(ME)
    assert body["errors"][0]["extensions"]["exception"]["code"] == "InvalidTokenError"
    gql.headers.clear()
    stale = gql.mutate(REFRESH_TOKEN, {"refreshToken": login["refreshToken"]})
    assert codes(stale["errors"]) == {("refreshToken", "JWT_INVALID_TOKEN")}
    fresh = gql.mutate(LOGIN, {"email": "buyer@example.cn", "password": "Fresh-tea-leaves-9"})
    assert fresh["errors"] == []


def test_password_change_refusals(gql, buyer):
    anonymous = gql(CHANGE, {"new": "Fresh-tea-leaves-9", "old": PASSWORD})
    assert anonymous["data"]["passwordChange"] is None
    assert anonymous["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    gql.login(buyer)
    wrong = gql.mutate(CHANGE, {"new": "Fresh-tea-leaves-9", "old": "guess"})
    assert codes(wrong["errors"]) == {("oldPassword", "INVALID_PASSWORD")}
    missing = gql.mutate(CHANGE, {"new": "Fresh-tea-leaves-9"})
    assert codes(missing["errors"]) == {("oldPassword", "REQUIRED")}
    weak = gql.mutate(CHANGE, {"new": "qwerty", "old": PASSWORD})
    assert ("newPassword", "PASSWORD_TOO_SHORT") in codes(weak["errors"])
    assert ("newPassword", "PASSWORD_TOO_COMMON") in codes(weak["errors"])
    buyer.refresh_from_db()
    assert buyer.check_password(PASSWORD)


def test_account_update_names(gql, buyer):
    gql.login(buyer)
    updated = gql.mutate(UPDATE, {"input": {"firstName": "秀英", "lastName": "王"}})
    assert updated == {"user": {"firstName": "秀英", "lastName": "王"}, "errors": []}
    too_long = gql.mutate(UPDATE, {"input": {"firstName": "x" * 65}})
    assert codes(too_long["errors"]) == {("firstName", "INVALID")}
    buyer.refresh_from_db()
    assert buyer.first_name == "秀英"


def test_account_update_needs_login(gql):
    body = gql(UPDATE, {"input": {"firstName": "秀英"}})
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_a_failing_mail_server_does_not_fail_registration(
    gql, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 1  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        payload = register(gql)
    assert payload["errors"] == []
    assert User.objects.filter(email="new@example.cn").exists()
