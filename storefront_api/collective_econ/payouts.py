"""Ruralmart extensions for payouts (issue 8 §5, §6): the `Payout` type and the
`payoutCreate` / `payoutRetry` mutations. Thin: resolve IDs, call
`collective_econ.payouts.services`, answer its refusals as `PayoutErrorCode`. Alipay
payouts go through the transfer adapter the settings describe (the local sandbox unless a
real gateway is configured)."""

from __future__ import annotations

from typing import Any

import graphene

from collective_econ.error_codes import PayoutErrorCode
from collective_econ.models import Payout as PayoutModel
from collective_econ.models import PayoutAccountKind, PayoutMethod, PayoutStatus
from collective_econ.payouts import services
from collective_econ.payouts.alipay_transfer import transfer_adapter_from_settings
from marketplace.accounts.permissions import role_scopes
from marketplace.core.errors import refuse
from marketplace.organisations.models import Household
from storefront_api.collective_econ.distribution import found_village
from storefront_api.core.dataloaders import get_loader
from storefront_api.core.enums import domain_enum
from storefront_api.core.errors import ApiError
from storefront_api.core.ids import decode_id
from storefront_api.core.mutations import (
    ErrorsMutation,
)
from storefront_api.core.types import Money, as_money
from storefront_api.organisations.dataloaders import HouseholdByIdLoader
from storefront_api.shops.types import Household_

PayoutErrorCodeEnum = domain_enum(PayoutErrorCode, name="PayoutErrorCode")
PayoutStatusEnum = domain_enum(PayoutStatus, name="PayoutStatusEnum")
PayoutMethodEnum = domain_enum(PayoutMethod, name="PayoutMethodEnum")
PayoutAccountKindEnum = domain_enum(PayoutAccountKind, name="PayoutAccountKindEnum")


class Payout(graphene.ObjectType):
    """Ruralmart extension: money paid to a household or member, by Alipay or in cash."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    household = graphene.Field(Household_, required=True)
    account_kind = graphene.Field(PayoutAccountKindEnum, required=True)
    amount = graphene.Field(Money, required=True)
    method = graphene.Field(PayoutMethodEnum, required=True)
    status = graphene.Field(PayoutStatusEnum, required=True)
    out_biz_no = graphene.String(required=True, description="Alipay's idempotency key.")
    receipt_number = graphene.String()
    failure_code = graphene.String(description="Alipay's sub-code when it refused.")
    failure_message = graphene.String()
    attempts = graphene.Int(required=True)
    created = graphene.DateTime(required=True)
    completed = graphene.DateTime()

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, PayoutModel)

    @staticmethod
    def resolve_household(root: PayoutModel, info: Any) -> Any:
        return get_loader(info.context, HouseholdByIdLoader).load(root.household_id)

    @staticmethod
    def resolve_account_kind(root: PayoutModel, info: Any) -> Any:
        return PayoutAccountKind(root.account_kind)

    @staticmethod
    def resolve_amount(root: PayoutModel, info: Any) -> Any:
        return as_money(root.amount, "CNY")

    @staticmethod
    def resolve_method(root: PayoutModel, info: Any) -> Any:
        return PayoutMethod(root.method)

    @staticmethod
    def resolve_status(root: PayoutModel, info: Any) -> Any:
        return PayoutStatus(root.status)

    @staticmethod
    def resolve_created(root: PayoutModel, info: Any) -> Any:
        return root.created_at

    @staticmethod
    def resolve_completed(root: PayoutModel, info: Any) -> Any:
        return root.completed_at


class PayoutError(graphene.ObjectType):
    field = graphene.String(description="The argument at fault; null for the whole input.")
    message = graphene.String()
    code = graphene.Field(PayoutErrorCodeEnum, required=True)


class PayoutMutation(ErrorsMutation):
    class Meta:
        abstract = True

    payout = graphene.Field(Payout)
    errors = graphene.List(graphene.NonNull(PayoutError), required=True)

    error_type = PayoutError
    error_codes = PayoutErrorCode


def _require_payer(info: Any) -> Any:
    user = info.context.user
    scopes = role_scopes(user)
    if not (scopes.is_platform_admin or scopes.managed_village_ids):
        raise refuse(
            None,
            "Payouts are made by the village's shop manager or a platform admin.",
            PayoutErrorCode.NOT_PERMITTED,
        )
    return user


def _found(model: Any, global_id: str, *, type_name: str, field: str) -> Any:
    try:
        pk = decode_id(global_id, expected_type=type_name, field=field)
    except ApiError as exc:
        raise refuse(field, exc.message, PayoutErrorCode.INVALID) from None
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise refuse(field, f"No such {type_name}.", PayoutErrorCode.NOT_FOUND)
    return row


class PayoutCreateInput(graphene.InputObjectType):
    village = graphene.ID(required=True, description="The village paying.")
    household = graphene.ID(required=True)
    account_kind = graphene.Argument(PayoutAccountKindEnum, required=True)
    amount = graphene.String(required=True, description='Yuan, e.g. "120.50".')
    method = graphene.Argument(PayoutMethodEnum, required=True)
    request_id = graphene.String(required=True, description="Your key: a retry pays once.")
    payee_logon_id = graphene.String(description="Alipay login of the payee (ALIPAY).")
    payee_name = graphene.String(description="Payee's real name, checked by Alipay.")
    receipt_number = graphene.String(description="The counter receipt (CASH).")
    memo = graphene.String()


class PayoutCreate(PayoutMutation):
    class Arguments:
        input = PayoutCreateInput(required=True)

    class Meta:
        description = (
            "Ruralmart extension: pay a household its balance due or a member its "
            "distribution, by Alipay transfer or in cash at the Red Supermarket."
        )

    @classmethod
    def perform(cls, info: Any, input: Any) -> PayoutCreate:
        user = _require_payer(info)
        village = found_village(input["village"])
        household = _found(Household, input["household"], type_name="Household", field="household")
        method = getattr(input["method"], "value", input["method"])
        payout = services.payout_create(
            actor=user,
            village=village,
            household=household,
            account_kind=getattr(input["account_kind"], "value", input["account_kind"]),
            amount=input["amount"],
            method=method,
            request_id=input["request_id"],
            adapter=transfer_adapter_from_settings() if method == PayoutMethod.ALIPAY else None,
            payee_logon_id=input.get("payee_logon_id") or "",
            payee_name=input.get("payee_name") or "",
            receipt_number=input.get("receipt_number"),
            memo=input.get("memo") or "",
        )
        return cls(payout=payout, errors=[])


class PayoutRetry(PayoutMutation):
    class Arguments:
        id = graphene.ID(required=True)
        payee_logon_id = graphene.String(description="A corrected Alipay login, if refused.")

    class Meta:
        description = (
            "Ruralmart extension: try a failed or unknown Alipay payout again, with its same "
            "out_biz_no (an unknown one is asked about first)."
        )

    @classmethod
    def perform(cls, info: Any, id: str, payee_logon_id: str | None = None) -> PayoutRetry:
        user = _require_payer(info)
        payout = _found(PayoutModel, id, type_name="Payout", field="id")
        done = services.payout_retry(
            actor=user,
            payout=payout,
            adapter=transfer_adapter_from_settings(),
            payee_logon_id=payee_logon_id,
        )
        return cls(payout=done, errors=[])
