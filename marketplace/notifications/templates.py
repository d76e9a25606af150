"""The messages the platform sends, by key.

Each template has an Aliyun SMS template (its code, the parameter names the approved text
uses, and that text, which the sandbox renders the way Aliyun does), a title and a body for
the inbox and for e-mail. Parameters come from the caller's `context`; a template may only
name parameters the caller is required to give, so a missing one is refused before anything
is queued.

Urgency decides quiet hours (see `services`): a pickup code is urgent — the villager is often
standing at the counter, or the parcel is perishable produce, and a code that arrives at
08:00 for a parcel logged in at 21:30 costs a second trip — while reminders, order and
account notices are not.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    body: str
    sms_code: str = ""
    sms_text: str = ""
    # E-mail subject; the title when empty.
    subject: str = ""
    urgent: bool = False
    # Context keys kept out of the database (codes, links with tokens): they travel only in
    # the delivery task's arguments, and the stored context shows them redacted.
    secret_params: frozenset[str] = field(default_factory=frozenset)

    @property
    def sms_params(self) -> list[str]:
        return _names(self.sms_text)

    @property
    def params(self) -> list[str]:
        return sorted(
            set(_names(self.title) + _names(self.body) + _names(self.subject))
            | set(self.sms_params)
        )

    def render(self, text: str, context: dict[str, Any]) -> str:
        return text.format_map({k: str(v) for k, v in context.items()})


def _names(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


_TEMPLATES = [
    Template(
        key="pickup_code",
        title="包裹已到{station} / Parcel at {station}",
        body=(
            "您的包裹（{carrier} {waybill}）已到{station}，取件码 {code}，请凭码取件。\n"
            "Your parcel {waybill} is at {station}. Pickup code: {code}"
        ),
        sms_code="SMS_PICKUP_CODE",
        sms_text="您的包裹{waybill}已到{station}，取件码{code}，请及时取件。",
        urgent=True,
        secret_params=frozenset({"code"}),
    ),
    Template(
        key="pickup_reminder",
        title="包裹待取提醒 / Parcel waiting",
        body=(
            "提醒：您的包裹 {waybill} 在{station}等您领取（第{count}次提醒）。\n"
            "Reminder: parcel {waybill} is waiting for you at {station}."
        ),
        sms_code="SMS_PICKUP_REMINDER",
        sms_text="提醒：您的包裹{waybill}仍在{station}待取，逾期将退回。",
    ),
    Template(
        key="shipment_reminder",
        title="Ruralmart order #{number}: parcel update",
        body=(
            "Reminder: parcel {waybill} is waiting for you at {station}.\n"
            "提醒：您的包裹 {waybill} 在{station}等您领取（第{count}次提醒）。"
        ),
        sms_code="SMS_PICKUP_REMINDER",
        sms_text="提醒：您的包裹{waybill}仍在{station}待取，逾期将退回。",
    ),
    Template(
        key="parcel_returned",
        title="包裹已退回 / Parcel returned",
        body=(
            "您的包裹 {waybill} 超期未取，已退回寄件人。\n"
            "Parcel {waybill} was not collected in time and went back to the sender."
        ),
        sms_code="SMS_PARCEL_RETURNED",
        sms_text="您的包裹{waybill}超期未取，已退回寄件人。",
    ),
    Template(
        key="shipment_update",
        title="Ruralmart order #{number}: parcel update",
        body="{text}",
        sms_code="SMS_SHIPMENT_UPDATE",
        sms_text="订单{number}的包裹{waybill}：{status}。",
    ),
    Template(
        key="shipment_at_station",
        title="Ruralmart order #{number}: parcel update",
        body=(
            "Your parcel {waybill} from {shop} is at {station} ({address}, {hours}). "
            "Pickup code: {code}"
        ),
        sms_code="SMS_PICKUP_CODE",
        sms_text="您的包裹{waybill}已到{station}，取件码{code}，请及时取件。",
        urgent=True,
        secret_params=frozenset({"code"}),
    ),
    Template(
        key="order_placed_customer", title="Ruralmart order #{number} received", body="{text}"
    ),
    Template(key="order_placed_shop", title="New order #{number} for {shop}", body="{text}"),
    Template(key="order_canceled", title="Ruralmart order #{number}: cancelled", body="{text}"),
    # Township supervision: queue deadlines, the monthly cadence, the red flag. The wording
    # is the supervision domain's; the SMS only points the administrator at it.
    Template(
        key="supervision_reminder",
        title="{subject}",
        body="{text}",
        sms_code="SMS_SUPERVISION_REMINDER",
        sms_text="【乡村集市】{subject}。详情请登录后台查看。",
    ),
    # A notice whose wording the calling domain owns (the payments domain's mails).
    Template(key="order_notice", title="{subject}", body="{text}"),
    Template(
        key="account_confirmation",
        title="确认您的乡村集市账户 / Confirm your Ruralmart account",
        body=(
            "欢迎注册！请打开下面的链接确认您的邮箱：\n"
            "Welcome! Open this link to confirm your e-mail address:\n\n{link}\n"
        ),
        secret_params=frozenset({"link"}),
    ),
    Template(
        key="password_reset",
        title="重置密码 / Reset your Ruralmart password",
        body=(
            "请打开下面的链接设置新密码；如果不是您本人操作，请忽略本邮件。\n"
            "Open this link to choose a new password. If you did not ask for this, "
            "ignore this e-mail.\n\n{link}\n"
        ),
        secret_params=frozenset({"link"}),
    ),
    Template(
        key="account_deletion",
        title="确认注销账户 / Confirm deleting your Ruralmart account",
        body=(
            "您申请注销乡村集市账户。请打开下面的链接确认；如果不是您本人操作，请忽略本邮件并修改密码。\n"
            "You asked to delete your Ruralmart account. Open this link to confirm. If you "
            "did not ask for this, ignore this e-mail and change your password.\n\n{link}\n"
        ),
        secret_params=frozenset({"link"}),
    ),
    Template(
        key="account_already_exists",
        title="您已注册过乡村集市 / You already have a Ruralmart account",
        body=(
            "有人使用您的邮箱尝试注册。若是您本人，请直接登录或找回密码；否则无需处理。\n"
            "Someone tried to register with your e-mail address. If it was you, log in or "
            "reset your password; otherwise there is nothing to do.\n"
        ),
    ),
]

TEMPLATES: dict[str, Template] = {template.key: template for template in _TEMPLATES}
# The texts Aliyun holds for each approved template code (the sandbox renders with them).
SMS_TEMPLATE_TEXTS: dict[str, str] = {t.sms_code: t.sms_text for t in _TEMPLATES if t.sms_code}


def template_get(key: str) -> Template | None:
    return TEMPLATES.get(key)
