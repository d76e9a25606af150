"""Reads of the notification service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from marketplace.notifications.models import InboxMessage, OutboxMessage

if TYPE_CHECKING:
    from marketplace.accounts.models import User


def inbox_of(*, user: User, unread_only: bool = False) -> QuerySet[InboxMessage]:
    """A user's inbox, newest first."""
    messages = InboxMessage.objects.filter(user=user).order_by("-created_at", "-pk")
    return messages.filter(read_at__isnull=True) if unread_only else messages


def inbox_unread_count(*, user: User) -> int:
    return InboxMessage.objects.filter(user=user, read_at__isnull=True).count()


def outbox_for_event(*, event_key: str) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(event_key=event_key).order_by("pk")
