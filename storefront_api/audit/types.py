"""GraphQL types of data requests and audit entries (Ruralmart extensions)."""

from __future__ import annotations

from typing import Any

import graphene
from django.utils import timezone
from graphql_relay import to_global_id

from marketplace.audit.error_codes import DataRequestErrorCode as DataRequestErrorCodeDomain
from marketplace.audit.models import (
    AuditAction,
    AuditEntry,
    DataAccessRequest,
    DataRequestStatus,
)
from storefront_api.account.dataloaders import UserByIdLoader
from storefront_api.audit.dataloaders import DataRequestByIdLoader, HouseholdsByDataRequestLoader
from storefront_api.core.connection import CountableConnection
from storefront_api.core.dataloaders import get_loader, then
from storefront_api.core.enums import domain_enum
from storefront_api.organisations.dataloaders import TownshipByIdLoader, VillageByIdLoader
from storefront_api.shops.types import Household_, Township_, Village_

DataAccessRequestStatusEnum = domain_enum(
    DataRequestStatus, name="DataAccessRequestStatusEnum", description="Where a data request is."
)
AuditActionEnum = domain_enum(AuditAction, name="AuditActionEnum", description="What was done.")
DataRequestErrorCode = domain_enum(DataRequestErrorCodeDomain, name="DataRequestErrorCode")


class DataRequestError(graphene.ObjectType):
    field = graphene.String(description="The argument at fault; null for the whole input.")
    message = graphene.String()
    code = graphene.Field(DataRequestErrorCode, required=True)


def _email_of(info: Any, user_id: int | None) -> Any:
    if user_id is None:
        return None
    return then(
        get_loader(info.context, UserByIdLoader).load(user_id),
        lambda user: user.email if user is not None else None,
    )


class DataAccessRequest_(graphene.ObjectType):
    class Meta:
        name = "DataAccessRequest"
        interfaces = (graphene.relay.Node,)
        description = (
            "Ruralmart extension: a request (查询公函) to read households' unmasked personal "
            "data; once approved it unmasks its scope for its requester until it expires."
        )

    requesting_unit = graphene.String(required=True)
    requester_email = graphene.String(required=True)
    purpose = graphene.String(required=True)
    households = graphene.List(
        graphene.NonNull(Household_), required=True, description="The scope, when households."
    )
    village = graphene.Field(Village_, description="The scope, when a village.")
    township = graphene.Field(Township_, description="The scope, when a township.")
    period_from = graphene.Date(required=True)
    period_to = graphene.Date(required=True)
    expires_at = graphene.DateTime(required=True)
    status = graphene.Field(DataAccessRequestStatusEnum, required=True)
    is_active = graphene.Boolean(
        required=True, description="Approved and not expired: it unmasks its scope now."
    )
    has_letter = graphene.Boolean(required=True)
    letter_content_type = graphene.String()
    letter_url = graphene.String(
        description="Where the letter downloads, for a signed-in back-office user who may see "
        "this request; every download is written to the audit log."
    )
    submitted_at = graphene.DateTime()
    decided_by_email = graphene.String()
    decided_at = graphene.DateTime()
    decision_reason = graphene.String()
    revoked_at = graphene.DateTime()
    created_at = graphene.DateTime(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, DataAccessRequest)

    @staticmethod
    def resolve_requester_email(root: DataAccessRequest, info: Any) -> Any:
        return _email_of(info, root.requester_id)

    @staticmethod
    def resolve_decided_by_email(root: DataAccessRequest, info: Any) -> Any:
        return _email_of(info, root.decided_by_id)

    @staticmethod
    def resolve_households(root: DataAccessRequest, info: Any) -> Any:
        return get_loader(info.context, HouseholdsByDataRequestLoader).load(root.pk)

    @staticmethod
    def resolve_village(root: DataAccessRequest, info: Any) -> Any:
        if root.village_id is None:
            return None
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def resolve_township(root: DataAccessRequest, info: Any) -> Any:
        if root.township_id is None:
            return None
        return get_loader(info.context, TownshipByIdLoader).load(root.township_id)

    @staticmethod
    def resolve_is_active(root: DataAccessRequest, info: Any) -> bool:
        return root.status == DataRequestStatus.APPROVED and root.expires_at > timezone.now()

    @staticmethod
    def resolve_has_letter(root: DataAccessRequest, info: Any) -> bool:
        return bool(root.letter)

    @staticmethod
    def resolve_letter_content_type(root: DataAccessRequest, info: Any) -> str | None:
        return root.letter_content_type or None

    @staticmethod
    def resolve_letter_url(root: DataAccessRequest, info: Any) -> str | None:
        return root.letter.url if root.letter else None


class AuditEntry_(graphene.ObjectType):
    class Meta:
        name = "AuditEntry"
        interfaces = (graphene.relay.Node,)
        description = "Ruralmart extension: one link of the append-only, hash-chained audit log."

    sequence = graphene.Int(required=True)
    created_at = graphene.DateTime(required=True)
    actor_email = graphene.String(required=True, description="Empty for the system.")
    action = graphene.Field(AuditActionEnum, required=True)
    target_type = graphene.String(required=True)
    target_id = graphene.String(required=True)
    household_ids = graphene.List(
        graphene.NonNull(graphene.ID), required=True, description="Global IDs of households."
    )
    fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    where = graphene.String(required=True, description="The page or endpoint of a read.")
    basis = graphene.String(
        required=True, description="The role that entitled a read, or DATA_REQUEST."
    )
    request = graphene.Field(DataAccessRequest_)
    details = graphene.JSONString(required=True)
    previous_hash = graphene.String(required=True)
    entry_hash = graphene.String(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, AuditEntry)

    @staticmethod
    def resolve_household_ids(root: AuditEntry, info: Any) -> list[str]:
        return [to_global_id("Household", pk) for pk in root.household_ids]

    @staticmethod
    def resolve_request(root: AuditEntry, info: Any) -> Any:
        if root.request_id is None:
            return None
        return get_loader(info.context, DataRequestByIdLoader).load(root.request_id)


class DataAccessRequestCountableConnection(CountableConnection):
    class Meta:
        node = DataAccessRequest_
        strict_types = True


class AuditEntryCountableConnection(CountableConnection):
    class Meta:
        node = AuditEntry_
        strict_types = True
