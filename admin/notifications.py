"""The notification outbox and the in-app inboxes in the back office, read-only: rows are
written by the notification service and its delivery task only. Platform admins see them
(they carry phone numbers and e-mail addresses of everyone the platform writes to)."""

from __future__ import annotations

from django.contrib import admin

from admin.scoping import ReadOnlyMixin, Scope, ScopedModelAdmin
from marketplace.notifications.models import InboxMessage, OutboxMessage

OUTBOX_FIELDS = (
    "event_key",
    "channel",
    "template",
    "recipient",
    "phone",
    "email",
    "status",
    "urgent",
    "scheduled_for",
    "attempts",
    "sent_at",
    "provider_id",
    "delivery_status",
    "delivered_at",
    "error_code",
    "error_message",
    "context",
    "created_at",
    "updated_at",
)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope()
    fields = OUTBOX_FIELDS
    readonly_fields = OUTBOX_FIELDS
    list_display = (
        "created_at",
        "channel",
        "template",
        "recipient_key",
        "status",
        "delivery_status",
        "scheduled_for",
        "error_code",
    )
    list_filter = ("status", "channel", "delivery_status", "template", "urgent")
    search_fields = ("event_key", "phone", "email", "provider_id")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope()
    fields = ("user", "template", "title", "body", "read_at", "created_at")
    readonly_fields = fields
    list_display = ("created_at", "user", "title", "read_at")
    list_filter = ("template",)
    search_fields = ("title", "user__email")
    list_select_related = ("user",)
