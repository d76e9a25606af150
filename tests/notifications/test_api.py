"""The caller's inbox through GraphQL: refused to anonymous callers, constant query count,
marking read with coded errors."""

from __future__ import annotations

import pytest

from marketplace.notifications.models import InboxMessage
from tests import factories
from tests.api_logistics.conftest import count_queries, denied, gid

pytestmark = pytest.mark.django_db

INBOX = """
query($first: Int, $unread: Boolean) {
  myUnreadNotificationCount
  myNotifications(first: $first, unreadOnly: $unread) {
    totalCount edges { node { id kind title body isRead readAt createdAt } }
  }
}"""
MARK = """
mutation($ids: [ID!]!) {
  notificationMarkRead(ids: $ids) {
    notifications { id isRead } unreadCount errors { field code message }
  }
}"""


def _inbox(user, count: int) -> list[InboxMessage]:
    return [
        InboxMessage.objects.create(
            user=user, template="pickup_code", title=f"包裹 {i}", body="取件码"
        )
        for i in range(count)
    ]


def test_anonymous_callers_are_refused(gql):
    assert denied(gql(INBOX, {"first": 5}))
    assert denied(gql(MARK, {"ids": []}))


def test_inbox_reads_in_constant_queries_and_marks_read(gql):
    villager, other = factories.user(), factories.user()
    mine = _inbox(villager, 7)
    theirs = _inbox(other, 1)
    gql.login(villager)
    few, one = count_queries(gql, INBOX, {"first": 1})
    many, all_ = count_queries(gql, INBOX, {"first": 100})
    assert few == many
    assert len(one["myNotifications"]["edges"]) == 1 and all_["myNotifications"]["totalCount"] == 7
    assert all_["myUnreadNotificationCount"] == 7

    refused = gql.data(
        MARK,
        {"ids": [gid("InboxNotification", mine[0].pk), gid("InboxNotification", theirs[0].pk)]},
    )
    assert refused["notificationMarkRead"]["errors"][0]["code"] == "NOT_YOURS"
    assert not InboxMessage.objects.filter(read_at__isnull=False).exists()
    malformed = gql.data(MARK, {"ids": ["junk"]})["notificationMarkRead"]
    assert malformed["errors"][0]["code"] == "INVALID"

    done = gql.data(MARK, {"ids": [gid("InboxNotification", m.pk) for m in mine[:3]]})
    assert done["notificationMarkRead"]["errors"] == []
    assert all(n["isRead"] for n in done["notificationMarkRead"]["notifications"])
    assert done["notificationMarkRead"]["unreadCount"] == 4
    unread = gql.data(INBOX, {"first": 100, "unread": True})
    assert unread["myNotifications"]["totalCount"] == 4
