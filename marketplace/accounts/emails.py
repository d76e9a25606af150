"""The account e-mails (confirm your address, reset your password, someone tried to register
with your address), sent through Django's e-mail backend once the transaction commits.

Links are the storefront's `redirectUrl` with `email` and `token` added to its query
string, as Saleor builds them, so a Saleor storefront's pages handle them unchanged.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from marketplace.accounts.models import User
from marketplace.accounts.tokens import (
    account_confirmation_token_generator,
    account_deletion_token_generator,
    password_reset_token_generator,
)


def link_with_params(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _send_after_commit(*, to: str, subject: str, body: str) -> None:
    def send() -> None:
        send_mail(
            subject=subject,
            message=body,
            from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
            recipient_list=[to],
        )

    # robust: a mail server that is down is logged by Django and does not turn the already
    # committed registration or reset into an API error.
    transaction.on_commit(send, robust=True)


def send_account_confirmation(*, user: User, redirect_url: str) -> None:
    token = account_confirmation_token_generator.make_token(user)
    link = link_with_params(redirect_url, email=user.email, token=token)
    _send_after_commit(
        to=user.email,
        subject="确认您的乡村集市账户 / Confirm your Ruralmart account",
        body=(
            "欢迎注册！请打开下面的链接确认您的邮箱：\n"
            "Welcome! Open this link to confirm your e-mail address:\n\n"
            f"{link}\n"
        ),
    )


def send_password_reset(*, user: User, redirect_url: str) -> None:
    token = password_reset_token_generator.make_token(user)
    link = link_with_params(redirect_url, email=user.email, token=token)
    _send_after_commit(
        to=user.email,
        subject="重置密码 / Reset your Ruralmart password",
        body=(
            "请打开下面的链接设置新密码；如果不是您本人操作，请忽略本邮件。\n"
            "Open this link to choose a new password. If you did not ask for this, "
            "ignore this e-mail.\n\n"
            f"{link}\n"
        ),
    )


def send_account_deletion_request(*, user: User, redirect_url: str) -> None:
    token = account_deletion_token_generator.make_token(user)
    link = link_with_params(redirect_url, email=user.email, token=token)
    _send_after_commit(
        to=user.email,
        subject="确认注销账户 / Confirm deleting your Ruralmart account",
        body=(
            "您申请注销乡村集市账户。请打开下面的链接确认；如果不是您本人操作，请忽略本邮件并修改密码。\n"
            "You asked to delete your Ruralmart account. Open this link to confirm. If you did "
            "not ask for this, ignore this e-mail and change your password.\n\n"
            f"{link}\n"
        ),
    )


def send_account_already_exists(*, user: User) -> None:
    # Registration answers the same whether or not the address is taken (so it cannot be
    # used to learn who has an account); the owner hears about the attempt instead.
    _send_after_commit(
        to=user.email,
        subject="您已注册过乡村集市 / You already have a Ruralmart account",
        body=(
            "有人使用您的邮箱尝试注册。若是您本人，请直接登录或找回密码；否则无需处理。\n"
            "Someone tried to register with your e-mail address. If it was you, log in or "
            "reset your password; otherwise there is nothing to do.\n"
        ),
    )
