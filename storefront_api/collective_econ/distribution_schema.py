"""Root fields for the share register, distributions and payouts (Ruralmart extensions),
wired into `storefront_api.schema` beside the other domains."""

from __future__ import annotations

from typing import Any

import graphene

from storefront_api.collective_econ import distribution as api
from storefront_api.collective_econ import payouts, share_register
from storefront_api.core.connection import connection_args, paginate


class DistributionQueries(graphene.ObjectType):
    share_register = graphene.Field(
        share_register.ShareRegister,
        village=graphene.ID(required=True),
        on=graphene.Date(description="Default: today."),
        description="A village collective's members and their shares on a day (staff only).",
    )
    distribution = graphene.Field(
        api.Distribution,
        id=graphene.ID(required=True),
        description="One distribution of a village whose books the caller may read.",
    )
    distributions = graphene.Field(
        api.DistributionCountableConnection,
        village=graphene.ID(),
        year=graphene.Int(),
        description="Distributions the caller may read, newest year first (staff only).",
        **connection_args(),
    )

    @staticmethod
    def resolve_share_register(root: Any, info: Any, village: str, on: Any = None) -> Any:
        return share_register.resolve_share_register(info, village=village, on=on)

    @staticmethod
    def resolve_distribution(root: Any, info: Any, id: str) -> Any:
        return api.resolve_distribution(info, id=id)

    @staticmethod
    def resolve_distributions(
        root: Any, info: Any, village: str | None = None, year: int | None = None, **page: Any
    ) -> Any:
        rows = api.resolve_distributions(info, village=village, year=year)
        return paginate(
            rows,
            api.DistributionCountableConnection,
            connection_name="distributions",
            **page,
        )


class DistributionMutations(graphene.ObjectType):
    distribution_create = api.DistributionCreate.Field()
    distribution_approve = api.DistributionApprove.Field()
    distribution_file = api.DistributionFile.Field()
    distribution_pay = api.DistributionPay.Field()
    distribution_return = api.DistributionReturn.Field()
    distribution_cancel = api.DistributionCancel.Field()
    share_register_member_set = share_register.ShareRegisterMemberSet.Field()
    investor_register = share_register.InvestorRegister.Field()
    investor_agreement_set = share_register.InvestorAgreementSet.Field()
    payout_create = payouts.PayoutCreate.Field()
    payout_retry = payouts.PayoutRetry.Field()
