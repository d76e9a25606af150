"""Data-request mutations, each thin: refuse callers with no fitting role before any
lookup, resolve the IDs, call one `marketplace.audit` service, and answer its refusals as
`errors` with `DataRequestErrorCode`. "You may not" (PermissionRefused) is a GraphQL
PermissionDenied error, never an `errors` entry."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import graphene

from marketplace.accounts.permissions import can_file_data_request, role_scopes
from marketplace.audit import services
from marketplace.audit.error_codes import DataRequestErrorCode as Code
from marketplace.audit.letters import letter_from_base64
from marketplace.audit.models import DataAccessRequest
from marketplace.audit.selectors import data_requests_visible_to
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.divisions.models import Township, Village
from marketplace.organisations.models import Household
from storefront_api.audit.types import DataAccessRequest_, DataRequestError
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.core.mutations import (
    ErrorsMutation,
)


class DataRequestMutation(ErrorsMutation):
    class Meta:
        abstract = True

    data_access_request = graphene.Field(DataAccessRequest_)
    errors = graphene.List(graphene.NonNull(DataRequestError), required=True)

    error_type = DataRequestError
    error_codes = Code


@contextmanager
def _refusals_as_permission_denied() -> Iterator[None]:
    try:
        yield
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from None


def require_data_request_role(info: Any) -> Any:
    user = info.context.user
    if not user.is_authenticated:
        raise PermissionDenied("Personal-data requests are for staff roles: log in.")
    if not can_file_data_request(user=user):
        raise PermissionDenied("Personal-data requests are for staff roles.")
    return user


def _pk(global_id: str, *, type_name: str, field: str) -> int:
    try:
        return decode_id(global_id, expected_type=type_name, field=field)
    except ApiError as exc:
        raise refuse(field, exc.message, Code.INVALID) from None


def _visible_request(info: Any, global_id: str) -> DataAccessRequest:
    pk = _pk(global_id, type_name="DataAccessRequest", field="id")
    found = data_requests_visible_to(user=info.context.user).filter(pk=pk).first()
    if found is None:
        raise refuse("id", "No such data request.", Code.NOT_FOUND)
    return found


def _rows(model: Any, global_ids: list[str], *, type_name: str, field: str) -> list[Any]:
    pks = [_pk(gid, type_name=type_name, field=field) for gid in global_ids]
    rows = list(model.objects.filter(pk__in=pks))
    if len(rows) != len(set(pks)):
        raise refuse(field, f"No such {type_name}.", Code.NOT_FOUND)
    return rows


class DataAccessLetterInput(graphene.InputObjectType):
    content_base64 = graphene.String(
        required=True, description="The letter's bytes in base64: a PDF, JPEG or PNG, ≤ 5 MiB."
    )


class DataAccessRequestCreateInput(graphene.InputObjectType):
    requesting_unit = graphene.String(required=True)
    purpose = graphene.String(required=True)
    households = graphene.List(graphene.NonNull(graphene.ID), description="Scope: households.")
    village = graphene.ID(description="Scope: a village.")
    township = graphene.ID(description="Scope: a township.")
    period_from = graphene.Date(required=True, description="First day of data that may be read.")
    period_to = graphene.Date(required=True, description="Last day; not after today.")
    expires_at = graphene.DateTime(required=True, description="When the grant ends.")
    letter = graphene.Field(DataAccessLetterInput)


class DataAccessRequestCreate(DataRequestMutation):
    class Arguments:
        input = DataAccessRequestCreateInput(required=True)

    class Meta:
        description = (
            "Ruralmart extension: file a draft personal-data request (staff roles). Exactly "
            "one kind of scope: households, a village or a township."
        )

    @classmethod
    def perform(cls, info: Any, input: Any) -> DataAccessRequestCreate:
        user = require_data_request_role(info)
        households = _rows(
            Household, input.get("households") or [], type_name="Household", field="households"
        )
        village = township = None
        if input.get("village"):
            (village,) = _rows(Village, [input["village"]], type_name="Village", field="village")
        if input.get("township"):
            (township,) = _rows(
                Township, [input["township"]], type_name="Township", field="township"
            )
        letter = None
        if input.get("letter") is not None:
            letter = letter_from_base64(encoded=input["letter"]["content_base64"])
        with _refusals_as_permission_denied():
            created = services.data_request_create(
                requester=user,
                requesting_unit=input["requesting_unit"],
                purpose=input["purpose"],
                households=households,
                village=village,
                township=township,
                period_from=input["period_from"],
                period_to=input["period_to"],
                expires_at=input["expires_at"],
                letter=letter,
            )
        return cls(data_access_request=created, errors=[])


class DataAccessRequestSubmit(DataRequestMutation):
    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = "Ruralmart extension: the requester submits a draft with its letter."

    @classmethod
    def perform(cls, info: Any, id: str) -> DataAccessRequestSubmit:
        user = require_data_request_role(info)
        data_request = _visible_request(info, id)
        with _refusals_as_permission_denied():
            submitted = services.data_request_submit(data_request=data_request, actor=user)
        return cls(data_access_request=submitted, errors=[])


class DataAccessRequestDecide(DataRequestMutation):
    class Arguments:
        id = graphene.ID(required=True)
        approve = graphene.Boolean(required=True)
        reason = graphene.String(description="Required: recorded with the decision.")

    class Meta:
        description = (
            "Ruralmart extension: a township officer of every township in the scope (or a "
            "platform admin) approves or refuses a submitted request; never their own."
        )

    @classmethod
    def perform(
        cls, info: Any, id: str, approve: bool, reason: str | None = None
    ) -> DataAccessRequestDecide:
        user = info.context.user
        scopes = role_scopes(user)
        if not (scopes.is_platform_admin or scopes.township_ids):
            raise PermissionDenied("Deciding on data requests is for township officers.")
        data_request = _visible_request(info, id)
        decided = services.data_request_decide(
            data_request=data_request, officer=user, approve=approve, reason=reason or ""
        )
        return cls(data_access_request=decided, errors=[])


class DataAccessRequestRevoke(DataRequestMutation):
    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    class Meta:
        description = (
            "Ruralmart extension: end an approved grant early (its requester, or the "
            "township officers who could decide on it)."
        )

    @classmethod
    def perform(cls, info: Any, id: str, reason: str) -> DataAccessRequestRevoke:
        user = require_data_request_role(info)
        data_request = _visible_request(info, id)
        with _refusals_as_permission_denied():
            revoked = services.data_request_revoke(
                data_request=data_request, actor=user, reason=reason
            )
        return cls(data_access_request=revoked, errors=[])
