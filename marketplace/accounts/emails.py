"""The account e-mails (confirm your address, reset your password, someone tried to register
with your address), sent through the notification service's e-mail channel once the
transaction commits.

Links are the storefront's `redirectUrl` with `email` and `token` added to its query
string, as Saleor builds them, so a Saleor storefront's pages handle them unchanged.
"""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from marketplace.accounts.models import User
from marketplace.accounts.tokens import (
    account_confirmation_token_generator,
    account_deletion_token_generator,
    password_reset_token_generator,
)
from marketplace.notifications.models import Channel
from marketplace.notifications.services import notification_send


def link_with_params(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _notify(*, user: User, template: str, event: str, link: str = "") -> None:
    # The link carries a token: it stays out of the outbox (a secret of the template) and
    # out of the event key, which names the token by a digest only. A mail server that is
    # down marks the outbox row FAILED; the committed registration or reset stands.
    digest = hashlib.sha256(link.encode()).hexdigest()[:24] if link else uuid.uuid4().hex
    notification_send(
        event_key=f"account:{user.pk}:{event}:{digest}",
        template=template,
        context={"link": link} if link else {},
        recipient=user,
        email=user.email,
        channels=[Channel.EMAIL],
    )


def send_account_confirmation(*, user: User, redirect_url: str) -> None:
    token = account_confirmation_token_generator.make_token(user)
    link = link_with_params(redirect_url, email=user.email, token=token)
    _notify(user=user, template="account_confirmation", event="confirm", link=link)


def send_password_reset(*, user: User, redirect_url: str) -> None:
    token = password_reset_token_generator.make_token(user)
    link = link_with_params(redirect_url, email=user.email, token=token)
    _notify(user=user, template="password_reset", event="password-reset", link=link)


def send_account_deletion_request(*, user: User, redirect_url: str) -> None:
    token = account_deletion_token_generator.make_token(user)
    link = link_with_params(redirect_url, email=user.email, token=token)
    _notify(user=user, template="account_deletion", event="delete", link=link)


def send_account_already_exists(*, user: User) -> None:
    # Registration answers the same whether or not the address is taken (so it cannot be
    # used to learn who has an account); the owner hears about the attempt instead. Each
    # attempt is its own event.
    _notify(user=user, template="account_already_exists", event="already-exists")
