"""Root fields of personal-data requests and the audit log (Ruralmart extensions).

Staff-only: callers without a fitting role get PermissionDenied, never an empty list."""

from __future__ import annotations

import datetime
from typing import Any

import graphene
from django.utils import timezone

from marketplace.accounts.permissions import can_search_audit_log
from marketplace.audit.error_codes import AuditErrorCode as Code
from marketplace.audit.selectors import (
    AuditFilter,
    audit_entries_visible_to,
    data_requests_visible_to,
)
from storefront_api.audit import mutations
from storefront_api.audit.mutations import require_data_request_role
from storefront_api.audit.types import (
    AuditActionEnum,
    AuditEntryCountableConnection,
    DataAccessRequest_,
    DataAccessRequestCountableConnection,
    DataAccessRequestStatusEnum,
)
from storefront_api.core.connection import connection_args, paginate
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id


class DataAccessRequestFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(DataAccessRequestStatusEnum))


class AuditEntryFilterInput(graphene.InputObjectType):
    actor = graphene.ID(description="Global ID of a User.")
    household = graphene.ID(description="Global ID of a Household.")
    action = graphene.Field(AuditActionEnum)
    request = graphene.ID(description="Global ID of a DataAccessRequest.")
    # `from` is a Python keyword: the argument is named in the schema, read as from_.
    from_ = graphene.DateTime(name="from", description="Entries at or after this moment.")
    to = graphene.DateTime(description="Entries at or before this moment.")


def _value(raw: Any) -> str:
    return raw.value if hasattr(raw, "value") else str(raw)


def audit_filter_from(filter: Any) -> AuditFilter:
    """The search as the selector takes it; a reversed or future range is a coded error."""
    if not filter:
        return AuditFilter()
    start: datetime.datetime | None = filter.get("from_")
    end: datetime.datetime | None = filter.get("to")
    if start is not None and end is not None and start > end:
        raise ApiError("`from` comes after `to`.", code=Code.RANGE_REVERSED.name, field="from")
    if start is not None and start > timezone.now():
        raise ApiError(
            "`from` is in the future: nothing is logged there yet.",
            code=Code.RANGE_IN_FUTURE.name,
            field="from",
        )

    def pk(name: str, type_name: str) -> int | None:
        raw = filter.get(name)
        if not raw:
            return None
        found = decode_id(raw, expected_type=type_name, field=name)
        # Beyond bigint no row exists, and PostgreSQL would refuse the array it is put in.
        if not 0 < found < 2**63:
            raise ApiError(f"Couldn't resolve id: {raw}.", code="GRAPHQL_ERROR", field=name)
        return found

    action = filter.get("action")
    return AuditFilter(
        actor_id=pk("actor", "User"),
        household_id=pk("household", "Household"),
        request_id=pk("request", "DataAccessRequest"),
        action=_value(action) if action is not None else None,
        created_from=start,
        created_to=end,
    )


class AuditQueries(graphene.ObjectType):
    data_access_requests = graphene.Field(
        DataAccessRequestCountableConnection,
        filter=graphene.Argument(DataAccessRequestFilterInput),
        description=(
            "Ruralmart extension: the caller's own data requests and, for officers, those "
            "reaching their townships (platform admins: all). Staff roles only."
        ),
        **connection_args(),
    )
    data_access_request = graphene.Field(
        DataAccessRequest_,
        id=graphene.ID(required=True),
        description="Ruralmart extension: one data request visible to the caller, or null.",
    )
    audit_entries = graphene.Field(
        AuditEntryCountableConnection,
        filter=graphene.Argument(AuditEntryFilterInput),
        description=(
            "Ruralmart extension: search the audit log, newest first. Township officers see "
            "their townships' entries, county officers their county's, platform admins all."
        ),
        **connection_args(),
    )

    @staticmethod
    def resolve_data_access_requests(root: Any, info: Any, filter: Any = None, **page: Any) -> Any:
        user = require_data_request_role(info)
        rows = data_requests_visible_to(user=user)
        if filter and filter.get("status"):
            rows = rows.filter(status__in=[_value(s) for s in filter["status"]])
        return paginate(
            rows.order_by("-created_at", "-pk"),
            DataAccessRequestCountableConnection,
            connection_name="dataAccessRequests",
            **page,
        )

    @staticmethod
    def resolve_data_access_request(root: Any, info: Any, id: str) -> Any:
        user = require_data_request_role(info)
        pk = decode_id(id, expected_type="DataAccessRequest")
        return data_requests_visible_to(user=user).filter(pk=pk).first()

    @staticmethod
    def resolve_audit_entries(root: Any, info: Any, filter: Any = None, **page: Any) -> Any:
        user = info.context.user
        if not can_search_audit_log(user=user):
            hint = ": log in." if not user.is_authenticated else "."
            raise PermissionDenied(
                f"The audit log is for bureau officers and platform admins{hint}"
            )
        rows = audit_entries_visible_to(user=user, filters=audit_filter_from(filter))
        return paginate(rows, AuditEntryCountableConnection, connection_name="auditEntries", **page)


class AuditMutations(graphene.ObjectType):
    data_access_request_create = mutations.DataAccessRequestCreate.Field()
    data_access_request_submit = mutations.DataAccessRequestSubmit.Field()
    data_access_request_decide = mutations.DataAccessRequestDecide.Field()
    data_access_request_revoke = mutations.DataAccessRequestRevoke.Field()
