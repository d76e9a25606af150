"""Supervision root fields: `approvalQueue`, `platformApprovalQueue`, `complaints`,
`periodicReports`, `periodicReportFile`, `redFlagRanking`, `redFlagHistory`,
`redFlagScoringFormulas`, `administratorRoster`, and the claim, queue, filing and roster
mutations."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.supervision.red_flag import formula_versions
from storefront_api.core.connection import connection_args, paginate
from storefront_api.supervision import mutations, resolvers
from storefront_api.supervision.types import (
    AdministratorTerm,
    ApprovalQueueItem,
    ComplaintCountableConnection,
    ComplaintStatusEnum,
    PeriodicReportCountableConnection,
    PeriodicReportFile,
    PeriodKindEnum,
    RedFlagRanking_,
    ReportFileFormat,
    ScoringFormula_,
)


class ComplaintFilterInput(graphene.InputObjectType):
    township = graphene.ID(description="Only complaints about shops of this township.")
    village = graphene.ID(description="Only complaints about shops of this village.")
    status = graphene.Field(ComplaintStatusEnum)
    filed_from = graphene.Date(description="Filed on or after this day.")
    filed_to = graphene.Date(description="Filed on or before this day.")


class SupervisionQueries(graphene.ObjectType):
    complaints = graphene.Field(
        ComplaintCountableConnection,
        filter=graphene.Argument(ComplaintFilterInput),
        description=(
            "Ruralmart extension: complaints about the shops the caller oversees, newest "
            "first: a township officer's township, a county officer's county, a village "
            "manager's village (platform admins: all). Complainants are masked."
        ),
        **connection_args(),
    )
    approval_queue = graphene.List(
        graphene.NonNull(ApprovalQueueItem),
        required=True,
        township=graphene.ID(required=True),
        description=(
            "Ruralmart extension: a township's pending applications and claims, by due date."
        ),
    )
    platform_approval_queue = graphene.List(
        graphene.NonNull(ApprovalQueueItem),
        required=True,
        description=(
            "Ruralmart extension: shops the townships recommended, awaiting a platform "
            "admin's approval, by due date (platform admins only)."
        ),
    )
    periodic_reports = graphene.Field(
        PeriodicReportCountableConnection,
        township=graphene.ID(),
        county=graphene.ID(description="A county's own reports and its townships' reports."),
        period_kind=graphene.Argument(PeriodKindEnum),
        first_period=graphene.String(description="From this period (2026-11 or 2026-Q4)."),
        last_period=graphene.String(description="Up to this period, inclusive."),
        description="Ruralmart extension: stored periodic reports, newest first.",
        **connection_args(),
    )
    periodic_report_file = graphene.Field(
        PeriodicReportFile,
        id=graphene.ID(required=True),
        format=graphene.Argument(ReportFileFormat, required=True),
        description="Ruralmart extension: a stored report as XLSX or PDF.",
    )
    red_flag_ranking = graphene.Field(
        RedFlagRanking_,
        township=graphene.ID(required=True),
        quarter=graphene.String(required=True, description="e.g. 2026-Q3"),
        description="Ruralmart extension: the quarter's red-flag ranking; null before it is run.",
    )
    red_flag_scoring_formulas = graphene.List(
        graphene.NonNull(ScoringFormula_),
        required=True,
        description=(
            "Ruralmart extension: every published red-flag formula version, newest first, "
            "with its weights, what each component measures, its normalisation, "
            "missing-data and tie rules, and when it was in force. Public: villages are "
            "ranked by it, so anyone may read how."
        ),
    )
    red_flag_history = graphene.List(
        graphene.NonNull(RedFlagRanking_),
        required=True,
        township=graphene.ID(required=True),
        description="Ruralmart extension: every red-flag ranking of the township, newest first.",
    )
    administrator_roster = graphene.List(
        graphene.NonNull(AdministratorTerm),
        required=True,
        village=graphene.ID(required=True),
        description="Ruralmart extension: every administrator term of the village, current first.",
    )

    @staticmethod
    def resolve_complaints(root: Any, info: Any, filter: Any = None, **page: Any) -> Any:
        complaints = resolvers.complaints(info, filter=filter or {})
        return paginate(
            complaints, ComplaintCountableConnection, connection_name="complaints", **page
        )

    @staticmethod
    def resolve_approval_queue(root: Any, info: Any, township: str) -> Any:
        return resolvers.approval_queue_items(info, township_id=township)

    @staticmethod
    def resolve_platform_approval_queue(root: Any, info: Any) -> Any:
        return resolvers.platform_approval_queue_items(info)

    @staticmethod
    def resolve_periodic_reports(
        root: Any,
        info: Any,
        township: str | None = None,
        county: str | None = None,
        period_kind: Any = None,
        first_period: str | None = None,
        last_period: str | None = None,
        **page: Any,
    ) -> Any:
        reports = resolvers.periodic_reports(
            info,
            township_id=township,
            county_id=county,
            period_kind=period_kind,
            first_period=first_period,
            last_period=last_period,
        )
        return paginate(
            reports, PeriodicReportCountableConnection, connection_name="periodicReports", **page
        )

    @staticmethod
    def resolve_periodic_report_file(root: Any, info: Any, id: str, format: Any) -> Any:
        return resolvers.periodic_report_file(info, report_id=id, file_format=format)

    @staticmethod
    def resolve_red_flag_ranking(root: Any, info: Any, township: str, quarter: str) -> Any:
        return resolvers.red_flag_ranking(info, township_id=township, quarter=quarter)

    @staticmethod
    def resolve_red_flag_scoring_formulas(root: Any, info: Any) -> Any:
        return formula_versions()

    @staticmethod
    def resolve_red_flag_history(root: Any, info: Any, township: str) -> Any:
        return resolvers.red_flag_history(info, township_id=township)

    @staticmethod
    def resolve_administrator_roster(root: Any, info: Any, village: str) -> Any:
        return resolvers.administrator_roster(info, village_id=village)


class SupervisionMutations(graphene.ObjectType):
    certification_claim_create = mutations.CertificationClaimCreate.Field()
    certification_claim_decide = mutations.CertificationClaimDecide.Field()
    approval_queue_shop_decide = mutations.ApprovalQueueShopDecide.Field()
    periodic_report_submit = mutations.PeriodicReportSubmit.Field()
    administrator_appoint = mutations.AdministratorAppoint.Field()
    complaint_create = mutations.ComplaintCreate.Field()
    platform_approval_queue_shop_decide = mutations.PlatformApprovalQueueShopDecide.Field()
