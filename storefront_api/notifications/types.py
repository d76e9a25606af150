"""The caller's in-app inbox as GraphQL (a Ruralmart extension). A notification has no
relations to load: title and body are rendered once, when it is delivered."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.notifications.error_codes import NotificationErrorCode
from marketplace.notifications.models import InboxMessage
from storefront_api.core.connection import CountableConnection
from storefront_api.core.enums import domain_enum

NotificationErrorCodeEnum = domain_enum(NotificationErrorCode, name="NotificationErrorCode")


class InboxNotification(graphene.ObjectType):
    """Ruralmart extension: one notice in the caller's inbox (parcels, orders, ...)."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    kind = graphene.String(required=True, description="The template it was made from.")
    title = graphene.String(required=True)
    body = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    read_at = graphene.DateTime()
    is_read = graphene.Boolean(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, InboxMessage)

    @staticmethod
    def resolve_kind(root: InboxMessage, info: Any) -> str:
        return root.template


class InboxNotificationCountableConnection(CountableConnection):
    class Meta:
        node = InboxNotification
        strict_types = True


class NotificationError(graphene.ObjectType):
    field = graphene.String(description="The argument at fault; null for the whole input.")
    message = graphene.String()
    code = graphene.Field(NotificationErrorCodeEnum, required=True)
