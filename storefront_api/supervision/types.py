"""Supervision types. Staff-only: every root field checks the caller's scope before it
returns one of these."""

from __future__ import annotations

from typing import Any

import graphene
from django.utils import timezone

from marketplace.catalog.models import CertificationKind
from marketplace.supervision.complaints import complainant_shown
from marketplace.supervision.error_codes import SupervisionErrorCode as DomainErrorCode
from marketplace.supervision.indicators import (
    INDICATORS_BY_CODE,
    indicator_definition,
    value_definition,
)
from marketplace.supervision.models import (
    AdministratorAppointment,
    AdministratorPost,
    CertificationClaim,
    ClaimStatus,
    ComplainantKind,
    Complaint,
    ComplaintStatus,
    Education,
    PeriodicReport,
    PeriodKind,
    RedFlagEntry,
    RedFlagRanking,
    ReportValue,
    ScopeKind,
    ValueStatus,
)
from marketplace.supervision.queues import QueueItem
from marketplace.supervision.red_flag import PublishedFormula
from marketplace.supervision.roster import age_on
from storefront_api.core.connection import CountableConnection
from storefront_api.core.dataloaders import get_loader, then
from storefront_api.core.enums import api_enum, domain_enum
from storefront_api.core.ids import to_global_id
from storefront_api.logistics.dataloaders import StationByIdLoader
from storefront_api.logistics.types import VillageStation
from storefront_api.organisations.dataloaders import (
    CountyByIdLoader,
    ShopByIdLoader,
    TownshipByIdLoader,
    VillageByIdLoader,
)
from storefront_api.red_supermarket.dataloaders import SupermarketByIdLoader
from storefront_api.red_supermarket.types import RedSupermarket
from storefront_api.shops.types import County_, Shop, Township_, Village_
from storefront_api.supervision.dataloaders import (
    EntriesByRankingLoader,
    EvidenceByClaimLoader,
    FilingByReportLoader,
    PublishedFormulaByIdLoader,
    ReportValuesByReportLoader,
    UserByIdLoader,
)

SupervisionErrorCode = domain_enum(DomainErrorCode, name="SupervisionErrorCode")
ClaimStatusEnum = domain_enum(ClaimStatus, name="CertificationClaimStatus")
CertificationKindEnum = domain_enum(CertificationKind, name="SupervisionCertificationKind")
PeriodKindEnum = domain_enum(PeriodKind, name="ReportPeriodKind")
ScopeKindEnum = domain_enum(ScopeKind, name="ReportScopeKind")
ValueStatusEnum = domain_enum(ValueStatus, name="ReportValueStatus")
AdministratorPostEnum = domain_enum(AdministratorPost, name="AdministratorPost")
EducationEnum = domain_enum(Education, name="AdministratorEducation")
ComplainantKindEnum = domain_enum(ComplainantKind, name="ComplainantKind")
ComplaintStatusEnum = domain_enum(ComplaintStatus, name="ComplaintStatus")


class SupervisionError(graphene.ObjectType):
    field = graphene.String(description="The argument at fault; null for the whole input.")
    message = graphene.String()
    code = graphene.Field(SupervisionErrorCode, required=True)


class StaffMember(graphene.ObjectType):
    """A back-office user as supervision shows them: their login e-mail and name."""

    email = graphene.String(required=True)
    name = graphene.String(required=True)

    @staticmethod
    def resolve_name(root: Any, info: Any) -> str:
        return f"{root.last_name}{root.first_name}".strip() or root.email


def _user(info: Any, pk: int | None) -> Any:
    return None if pk is None else get_loader(info.context, UserByIdLoader).load(pk)


class ClaimEvidence_(graphene.ObjectType):
    class Meta:
        name = "ClaimEvidence"

    name = graphene.String(required=True)
    content_type = graphene.String(required=True)
    size = graphene.Int(required=True)
    sha256 = graphene.String(required=True)

    @staticmethod
    def resolve_name(root: Any, info: Any) -> str:
        return root.original_name


class CertificationClaim_(graphene.ObjectType):
    class Meta:
        name = "CertificationClaim"
        interfaces = (graphene.relay.Node,)

    shop = graphene.Field(Shop, required=True)
    product_id = graphene.ID(required=True, description="The global ID of the product.")
    kind = graphene.Field(CertificationKindEnum, required=True)
    number = graphene.String(required=True)
    issuer = graphene.String(required=True)
    valid_from = graphene.Date(required=True)
    valid_until = graphene.Date(required=True)
    status = graphene.Field(ClaimStatusEnum, required=True)
    filed_at = graphene.DateTime(required=True)
    due_on = graphene.Date(required=True)
    decided_at = graphene.DateTime()
    decision_reason = graphene.String(required=True)
    evidence = graphene.List(graphene.NonNull(ClaimEvidence_), required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, CertificationClaim)

    @staticmethod
    def resolve_shop(root: CertificationClaim, info: Any) -> Any:
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)

    @staticmethod
    def resolve_product_id(root: CertificationClaim, info: Any) -> str:
        return to_global_id("Product", root.product_id)

    @staticmethod
    def resolve_evidence(root: CertificationClaim, info: Any) -> Any:
        return get_loader(info.context, EvidenceByClaimLoader).load(root.pk)


class ComplaintComplainant(graphene.ObjectType):
    """Who filed a complaint, masked the way household personal data is (family name and
    the mailbox's first character kept)."""

    name = graphene.String(required=True)
    email = graphene.String(required=True)
    is_masked = graphene.Boolean(required=True)


class Complaint_(graphene.ObjectType):
    class Meta:
        name = "Complaint"
        interfaces = (graphene.relay.Node,)

    shop = graphene.Field(Shop, required=True)
    village = graphene.Field(Village_, required=True, description="The shop's village.")
    complainant = graphene.Field(
        ComplaintComplainant,
        description=(
            "Who filed it (a buyer, or the staff member who recorded a villager's "
            "complaint), masked; null once their account is deleted."
        ),
    )
    shop_order_id = graphene.ID(description="The global ID of the shop order, if about one.")
    complainant_kind = graphene.Field(ComplainantKindEnum, required=True)
    subject = graphene.String(required=True)
    details = graphene.String(required=True)
    status = graphene.Field(ComplaintStatusEnum, required=True)
    filed_at = graphene.DateTime(required=True)
    resolved_at = graphene.DateTime()

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Complaint)

    @staticmethod
    def resolve_shop(root: Complaint, info: Any) -> Any:
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)

    @staticmethod
    def resolve_shop_order_id(root: Complaint, info: Any) -> str | None:
        return None if root.shop_order_id is None else to_global_id("ShopOrder", root.shop_order_id)

    @staticmethod
    def resolve_village(root: Complaint, info: Any) -> Any:
        villages = get_loader(info.context, VillageByIdLoader)
        # `complaint_list` annotates the village; a freshly filed complaint reaches it
        # through its shop.
        village_id = getattr(root, "village_id", None)
        if village_id is not None:
            return villages.load(village_id)
        shop = get_loader(info.context, ShopByIdLoader).load(root.shop_id)
        return then(shop, lambda s: villages.load(s.village_id))

    @staticmethod
    def resolve_complainant(root: Complaint, info: Any) -> Any:
        return then(_user(info, root.filed_by_id), complainant_shown)


class ComplaintCountableConnection(CountableConnection):
    class Meta:
        node = Complaint_
        strict_types = True


class ApprovalQueueItem(graphene.ObjectType):
    kind = graphene.String(
        required=True,
        description=(
            "SHOP_APPLICATION, CERTIFICATION_CLAIM or (the platform's) SHOP_RECOMMENDATION."
        ),
    )
    key = graphene.String(required=True)
    title = graphene.String(required=True)
    filed_at = graphene.DateTime(required=True)
    due_on = graphene.Date(required=True)
    overdue = graphene.Boolean(required=True)
    evidence = graphene.List(graphene.NonNull(graphene.String), required=True)
    shop = graphene.Field(Shop, description="The applying shop, or the claiming shop.")
    claim = graphene.Field(CertificationClaim_)

    @staticmethod
    def resolve_overdue(root: QueueItem, info: Any) -> bool:
        return root.is_overdue(timezone.localdate())

    @staticmethod
    def resolve_shop(root: QueueItem, info: Any) -> Any:
        shop_id = root.shop.pk if root.shop else root.claim.shop_id if root.claim else None
        return None if shop_id is None else get_loader(info.context, ShopByIdLoader).load(shop_id)


class Indicator(graphene.ObjectType):
    code = graphene.String(required=True)
    name_zh = graphene.String(required=True)
    name_en = graphene.String(required=True)
    definition = graphene.String(required=True)
    unit = graphene.String(required=True)

    @staticmethod
    def resolve_definition(root: Any, info: Any) -> str:
        return indicator_definition(root)


class ReportValue_(graphene.ObjectType):
    class Meta:
        name = "ReportValue"

    indicator = graphene.Field(Indicator, required=True)
    value = graphene.Decimal()
    previous_value = graphene.Decimal()
    change = graphene.Decimal(description="value − previousValue, when both are known.")
    status = graphene.Field(ValueStatusEnum, required=True)
    definition = graphene.String(
        required=True,
        description="The definition this value was computed under, stored with the report "
        "(indicator.definition is today's; they differ once a definition is revised).",
    )

    @staticmethod
    def resolve_definition(root: ReportValue, info: Any) -> str:
        return value_definition(root)

    @staticmethod
    def resolve_indicator(root: ReportValue, info: Any) -> Any:
        return INDICATORS_BY_CODE[root.indicator_code]

    @staticmethod
    def resolve_change(root: ReportValue, info: Any) -> Any:
        if root.value is None or root.previous_value is None:
            return None
        return root.value - root.previous_value


class ReportFiling_(graphene.ObjectType):
    class Meta:
        name = "ReportFiling"

    filed_at = graphene.DateTime(required=True)
    filed_by = graphene.Field(StaffMember, required=True)
    note = graphene.String(required=True)

    @staticmethod
    def resolve_filed_by(root: Any, info: Any) -> Any:
        return _user(info, root.filed_by_id)


class PeriodicReport_(graphene.ObjectType):
    class Meta:
        name = "PeriodicReport"
        interfaces = (graphene.relay.Node,)

    scope_kind = graphene.Field(ScopeKindEnum, required=True)
    township = graphene.Field(Township_)
    county = graphene.Field(County_)
    period_kind = graphene.Field(PeriodKindEnum, required=True)
    period = graphene.String(required=True, description="2026-11 or 2026-Q4.")
    period_start = graphene.Date(required=True)
    period_end = graphene.Date(required=True, description="Exclusive.")
    generated_at = graphene.DateTime(required=True)
    values = graphene.List(graphene.NonNull(ReportValue_), required=True)
    filing = graphene.Field(ReportFiling_, description="Set once the township filed it upwards.")

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, PeriodicReport)

    @staticmethod
    def resolve_period(root: PeriodicReport, info: Any) -> str:
        return root.period_label

    @staticmethod
    def resolve_township(root: PeriodicReport, info: Any) -> Any:
        if root.township_id is None:
            return None
        return get_loader(info.context, TownshipByIdLoader).load(root.township_id)

    @staticmethod
    def resolve_county(root: PeriodicReport, info: Any) -> Any:
        if root.county_id is None:
            return None
        return get_loader(info.context, CountyByIdLoader).load(root.county_id)

    @staticmethod
    def resolve_values(root: PeriodicReport, info: Any) -> Any:
        return get_loader(info.context, ReportValuesByReportLoader).load(root.pk)

    @staticmethod
    def resolve_filing(root: PeriodicReport, info: Any) -> Any:
        return get_loader(info.context, FilingByReportLoader).load(root.pk)


class PeriodicReportCountableConnection(CountableConnection):
    class Meta:
        node = PeriodicReport_
        strict_types = True


ReportFileFormat = api_enum("ReportFileFormat", [("XLSX", "XLSX"), ("PDF", "PDF")])


class PeriodicReportFile(graphene.ObjectType):
    filename = graphene.String(required=True)
    content_type = graphene.String(required=True)
    content_base64 = graphene.String(required=True)


class RedFlagComponent(graphene.ObjectType):
    code = graphene.String(required=True)
    raw = graphene.String(description="The village's indicator value; null when missing.")
    normalised = graphene.String(required=True)
    missing = graphene.Boolean(required=True)


class RedFlagEntry_(graphene.ObjectType):
    class Meta:
        name = "RedFlagEntry"

    village = graphene.Field(Village_, required=True)
    rank = graphene.Int(required=True)
    score = graphene.Decimal(required=True)
    awarded = graphene.Boolean(required=True)
    components = graphene.List(graphene.NonNull(RedFlagComponent), required=True)

    @staticmethod
    def resolve_village(root: RedFlagEntry, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def resolve_components(root: RedFlagEntry, info: Any) -> list[RedFlagComponent]:
        return [
            RedFlagComponent(
                code=code,
                raw=values.get("raw"),
                normalised=values.get("normalised"),
                missing=code in root.missing,
            )
            for code, values in root.components.items()
        ]


class RedFlagFormulaComponent(graphene.ObjectType):
    code = graphene.String(required=True)
    weight = graphene.String(required=True, description="A decimal; the weights sum to 1.")
    indicator = graphene.String(required=True, description="What the component measures.")


class ScoringFormula_(graphene.ObjectType):
    """A published red-flag formula version. Resolved from `PublishedFormula`."""

    class Meta:
        name = "ScoringFormula"

    version = graphene.Int(required=True)
    weights = graphene.JSONString(required=True)
    description = graphene.String(required=True)
    published_at = graphene.DateTime(required=True)
    components = graphene.List(graphene.NonNull(RedFlagFormulaComponent), required=True)
    normalisation_rule = graphene.String(required=True)
    missing_data_rule = graphene.String(required=True)
    tie_rule = graphene.String(required=True)
    effective_from = graphene.DateTime(required=True)
    effective_until = graphene.DateTime(
        description="When the next version was published; null for the version in force."
    )

    @staticmethod
    def resolve_components(root: PublishedFormula, info: Any) -> list[RedFlagFormulaComponent]:
        return [
            RedFlagFormulaComponent(code=code, weight=root.formula.weights[code], indicator=text)
            for code, text in root.indicators.items()
        ]


class RedFlagRanking_(graphene.ObjectType):
    class Meta:
        name = "RedFlagRanking"
        interfaces = (graphene.relay.Node,)

    township = graphene.Field(Township_, required=True)
    quarter = graphene.String(required=True)
    formula = graphene.Field(ScoringFormula_, required=True)
    computed_at = graphene.DateTime(required=True)
    digest = graphene.String(required=True)
    entries = graphene.List(graphene.NonNull(RedFlagEntry_), required=True)
    winner = graphene.Field(Village_)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, RedFlagRanking)

    @staticmethod
    def resolve_township(root: RedFlagRanking, info: Any) -> Any:
        return get_loader(info.context, TownshipByIdLoader).load(root.township_id)

    @staticmethod
    def resolve_quarter(root: RedFlagRanking, info: Any) -> str:
        return root.quarter_label

    @staticmethod
    def resolve_formula(root: RedFlagRanking, info: Any) -> Any:
        return get_loader(info.context, PublishedFormulaByIdLoader).load(root.formula_id)

    @staticmethod
    def resolve_entries(root: RedFlagRanking, info: Any) -> Any:
        return get_loader(info.context, EntriesByRankingLoader).load(root.pk)

    @staticmethod
    def resolve_winner(root: RedFlagRanking, info: Any) -> Any:
        def awarded(entries: list[RedFlagEntry]) -> Any:
            winner = next((e for e in entries if e.awarded), None)
            if winner is None:
                return None
            return get_loader(info.context, VillageByIdLoader).load(winner.village_id)

        return then(get_loader(info.context, EntriesByRankingLoader).load(root.pk), awarded)


class AdministratorTerm(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node,)

    village = graphene.Field(Village_, required=True)
    post = graphene.Field(AdministratorPostEnum, required=True)
    station = graphene.Field(
        VillageStation, description="The logistics station a STATION post is for, if named."
    )
    red_supermarket = graphene.Field(
        RedSupermarket, description="The Red Supermarket a STATION post is for, if named."
    )
    administrator = graphene.Field(StaffMember, required=True)
    is_party_member = graphene.Boolean(required=True)
    age_on_appointment = graphene.Int(required=True)
    education = graphene.Field(EducationEnum, required=True)
    criteria_failed = graphene.List(graphene.NonNull(graphene.String), required=True)
    exception_reason = graphene.String(required=True)
    exception_approved_by = graphene.Field(StaffMember)
    effective_from = graphene.Date(required=True)
    effective_until = graphene.Date()
    is_current = graphene.Boolean(required=True)
    replacement_reason = graphene.String(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, AdministratorAppointment)

    @staticmethod
    def resolve_village(root: AdministratorAppointment, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def resolve_station(root: AdministratorAppointment, info: Any) -> Any:
        if root.station_id is None:
            return None
        return get_loader(info.context, StationByIdLoader).load(root.station_id)

    @staticmethod
    def resolve_red_supermarket(root: AdministratorAppointment, info: Any) -> Any:
        if root.red_supermarket_id is None:
            return None
        return get_loader(info.context, SupermarketByIdLoader).load(root.red_supermarket_id)

    @staticmethod
    def resolve_administrator(root: AdministratorAppointment, info: Any) -> Any:
        return _user(info, root.administrator_id)

    @staticmethod
    def resolve_exception_approved_by(root: AdministratorAppointment, info: Any) -> Any:
        return _user(info, root.exception_approved_by_id)

    @staticmethod
    def resolve_age_on_appointment(root: AdministratorAppointment, info: Any) -> int:
        # The age, not the birth date: the roster needs the criterion, not the personal datum.
        return age_on(root.birth_date, root.effective_from)

    @staticmethod
    def resolve_is_current(root: AdministratorAppointment, info: Any) -> bool:
        return root.effective_until is None
