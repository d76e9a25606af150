"""Root fields of the caller's inbox: `myNotifications`, `myUnreadNotificationCount` and
`notificationMarkRead`. Anonymous callers are refused (PermissionDenied), not answered
with an empty inbox."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.notifications.error_codes import NotificationErrorCode
from marketplace.notifications.selectors import inbox_of, inbox_unread_count
from marketplace.notifications.services import inbox_mark_read
from storefront_api.core.connection import connection_args, paginate
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.core.mutations import (
    ErrorsMutation,
)
from storefront_api.notifications.types import (
    InboxNotification,
    InboxNotificationCountableConnection,
    NotificationError,
)


def _user(info: Any) -> Any:
    user = info.context.user
    if not user.is_authenticated:
        raise PermissionDenied("Your notifications: log in.")
    return user


class NotificationQueries(graphene.ObjectType):
    my_notifications = graphene.Field(
        InboxNotificationCountableConnection,
        unread_only=graphene.Boolean(default_value=False),
        description="Ruralmart extension: the caller's in-app notifications, newest first.",
        **connection_args(),
    )
    my_unread_notification_count = graphene.Int(
        required=True, description="Ruralmart extension: how many are unread."
    )

    @staticmethod
    def resolve_my_notifications(
        root: Any, info: Any, unread_only: bool = False, **page: Any
    ) -> Any:
        messages = inbox_of(user=_user(info), unread_only=unread_only)
        return paginate(
            messages,
            InboxNotificationCountableConnection,
            connection_name="myNotifications",
            **page,
        )

    @staticmethod
    def resolve_my_unread_notification_count(root: Any, info: Any) -> int:
        return inbox_unread_count(user=_user(info))


class NotificationMarkRead(ErrorsMutation):
    class Arguments:
        ids = graphene.List(graphene.NonNull(graphene.ID), required=True)

    class Meta:
        description = (
            "Ruralmart extension: mark these of the caller's notifications read (at most 100; "
            "an id that is not theirs refuses the whole call)."
        )

    notifications = graphene.List(graphene.NonNull(InboxNotification))
    unread_count = graphene.Int()
    errors = graphene.List(graphene.NonNull(NotificationError), required=True)

    error_type = NotificationError
    error_codes = NotificationErrorCode

    @classmethod
    def perform(cls, info: Any, ids: list[str]) -> NotificationMarkRead:
        user = _user(info)
        try:
            pks = [decode_id(each, expected_type="InboxNotification", field="ids") for each in ids]
        except ApiError as exc:
            return cls(
                notifications=[],
                errors=[
                    NotificationError(
                        field="ids", message=exc.message, code=NotificationErrorCode.INVALID
                    )
                ],
            )
        messages = inbox_mark_read(user=user, ids=pks)
        return cls(notifications=messages, unread_count=inbox_unread_count(user=user), errors=[])


class NotificationMutations(graphene.ObjectType):
    notification_mark_read = NotificationMarkRead.Field()
