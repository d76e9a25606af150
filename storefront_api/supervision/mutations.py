"""Supervision mutations, each thin: refuse callers with no fitting role before any lookup,
resolve the IDs, call one supervision service, and answer its refusals as `errors` with
`SupervisionErrorCode`. "You may not" (another township, another shop) is a GraphQL
PermissionDenied error, as elsewhere in the API."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import graphene
from django.core.exceptions import ValidationError

from logistics.stations.models import VillageStation
from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.catalog.models import Product
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.divisions.models import Village
from marketplace.orders.models import ShopOrder
from marketplace.organisations.models import Shop as ShopModel
from marketplace.organisations.services import shop_approve, shop_recommend, shop_reject
from marketplace.red_supermarket.models import RedSupermarket
from marketplace.supervision.claims import EvidenceUpload, claim_decide, claim_file
from marketplace.supervision.complaints import complaint_file
from marketplace.supervision.error_codes import SupervisionErrorCode as Code
from marketplace.supervision.models import CertificationClaim, PeriodicReport
from marketplace.supervision.reports import report_file
from marketplace.supervision.roster import administrator_appoint
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.core.mutations import (
    ErrorsMutation,
    error_message,
    validation_entries,
)
from storefront_api.shops.types import Shop
from storefront_api.supervision.types import (
    AdministratorPostEnum,
    AdministratorTerm,
    CertificationClaim_,
    CertificationKindEnum,
    ComplainantKindEnum,
    Complaint_,
    EducationEnum,
    PeriodicReport_,
    ReportFiling_,
    SupervisionError,
)


class SupervisionMutation(ErrorsMutation):
    class Meta:
        abstract = True

    error_type = SupervisionError
    error_codes = Code


@contextmanager
def _refusals_as_permission_denied() -> Iterator[None]:
    try:
        yield
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from None


def _found(rows: Any, global_id: str, *, type_name: str, field: str) -> Any:
    """The row of the queryset `rows` that `global_id` names, or a coded refusal."""
    try:
        pk = decode_id(global_id, expected_type=type_name, field=field)
    except ApiError as exc:
        raise refuse(field, exc.message, Code.INVALID) from None
    row = rows.filter(pk=pk).first()
    if row is None:
        raise refuse(field, f"No such {type_name}.", Code.NOT_FOUND)
    return row


def _user(info: Any, *, allowed: str, who: str) -> User:
    user = info.context.user
    scopes = role_scopes(user)
    ok = scopes.is_platform_admin or (
        bool(scopes.managed_shop_ids) if allowed == "manager" else bool(scopes.township_ids)
    )
    if not user.is_authenticated or not ok:
        raise PermissionDenied(f"{who}{': log in.' if not user.is_authenticated else '.'}")
    return user


def _value(enum_value: Any) -> str:
    return getattr(enum_value, "value", enum_value)


class EvidenceFileInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    content_base64 = graphene.String(required=True, description="The file's bytes, base64.")


class CertificationClaimCreateInput(graphene.InputObjectType):
    product = graphene.ID(required=True)
    kind = graphene.InputField(CertificationKindEnum, required=True)
    number = graphene.String(required=True)
    issuer = graphene.String(required=True)
    valid_from = graphene.Date(required=True)
    valid_until = graphene.Date(required=True)
    evidence = graphene.List(graphene.NonNull(EvidenceFileInput), required=True)


class CertificationClaimCreate(SupervisionMutation):
    class Arguments:
        input = CertificationClaimCreateInput(required=True)

    class Meta:
        description = (
            "Ruralmart extension: a shop manager claims a certification for a product, with "
            "the certificate attached (PDF, PNG or JPEG); the township decides it."
        )

    claim = graphene.Field(CertificationClaim_)
    errors = graphene.List(graphene.NonNull(SupervisionError), required=True)

    @classmethod
    def perform(cls, info: Any, input: Any) -> CertificationClaimCreate:
        user = _user(info, allowed="manager", who="Claims are filed by shop managers")
        product = _found(
            Product.objects.select_related("shop"),
            input.product,
            type_name="Product",
            field="product",
        )
        uploads = []
        for item in input.evidence:
            try:
                content = base64.b64decode(item.content_base64, validate=True)
            except (binascii.Error, ValueError):
                raise refuse("evidence", f"{item.name} is not base64.", Code.INVALID) from None
            uploads.append(EvidenceUpload(name=item.name, content=content))
        with _refusals_as_permission_denied():
            claim = claim_file(
                actor=user,
                product=product,
                kind=_value(input.kind),
                number=input.number,
                issuer=input.issuer,
                valid_from=input.valid_from,
                valid_until=input.valid_until,
                evidence=uploads,
            )
        return cls(claim=claim)


class CertificationClaimDecide(SupervisionMutation):
    class Arguments:
        id = graphene.ID(required=True)
        approve = graphene.Boolean(required=True)
        reason = graphene.String(required=True)

    class Meta:
        description = (
            "Ruralmart extension: the claiming shop's township officer approves the claim "
            "(the certificate is added to the product) or rejects it, with a reason."
        )

    claim = graphene.Field(CertificationClaim_)
    errors = graphene.List(graphene.NonNull(SupervisionError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str, approve: bool, reason: str) -> CertificationClaimDecide:
        user = _user(info, allowed="officer", who="Claims are decided by township officers")
        claim = _found(
            CertificationClaim.objects.select_related("shop__village__township"),
            id,
            type_name="CertificationClaim",
            field="id",
        )
        with _refusals_as_permission_denied():
            decided = claim_decide(officer=user, claim=claim, approve=approve, reason=reason)
        return cls(claim=decided)


def _shop_decision(service: Any, **arguments: Any) -> ShopModel:
    """Run a shop workflow service, its refusals answered in this domain's codes."""
    try:
        return service(**arguments)
    except ValidationError as exc:
        field, error = next(iter(validation_entries(exc)))
        code = Code.INVALID_TRANSITION if error.code == "invalid_transition" else Code.REQUIRED
        raise refuse(field, error_message(error), code) from None


class ApprovalQueueShopDecide(SupervisionMutation):
    class Arguments:
        shop = graphene.ID(required=True)
        recommend = graphene.Boolean(required=True)
        reason = graphene.String(required=True)

    class Meta:
        description = (
            "Ruralmart extension: from the approval queue, the township recommends a shop "
            "application to the platform, or rejects it, with a reason."
        )

    shop = graphene.Field(Shop)
    errors = graphene.List(graphene.NonNull(SupervisionError), required=True)

    @classmethod
    def perform(cls, info: Any, shop: str, recommend: bool, reason: str) -> ApprovalQueueShopDecide:
        user = _user(info, allowed="officer", who="Applications are reviewed by township officers")
        row = _found(
            ShopModel.objects.select_related("village"), shop, type_name="Shop", field="shop"
        )
        with _refusals_as_permission_denied():
            if recommend:
                decided = _shop_decision(shop_recommend, shop=row, officer=user, reason=reason)
            else:
                decided = _shop_decision(shop_reject, shop=row, reviewer=user, reason=reason)
        return cls(shop=decided)


class PeriodicReportSubmit(SupervisionMutation):
    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String()

    class Meta:
        description = "Ruralmart extension: a township officer files the township's report upwards."

    report = graphene.Field(PeriodicReport_)
    filing = graphene.Field(ReportFiling_)
    errors = graphene.List(graphene.NonNull(SupervisionError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str, note: str | None = None) -> PeriodicReportSubmit:
        user = _user(info, allowed="officer", who="Reports are filed by township officers")
        report = _found(
            PeriodicReport.objects.select_related("township"),
            id,
            type_name="PeriodicReport",
            field="id",
        )
        with _refusals_as_permission_denied():
            filing = report_file(officer=user, report=report, note=note or "")
        return cls(report=report, filing=filing)


class AdministratorAppointInput(graphene.InputObjectType):
    village = graphene.ID(required=True)
    post = graphene.InputField(AdministratorPostEnum, required=True)
    administrator_email = graphene.String(required=True)
    is_party_member = graphene.Boolean(required=True)
    birth_date = graphene.Date(required=True)
    education = graphene.InputField(EducationEnum, required=True)
    effective_from = graphene.Date(required=True)
    exception_reason = graphene.String(description="Required when a criterion is not met.")
    replacement_reason = graphene.String(description="Required when replacing someone.")
    station = graphene.ID(
        description="A STATION post's logistics station (VillageStation) in the village."
    )
    red_supermarket = graphene.ID(
        description="A STATION post's Red Supermarket in the village (instead of `station`)."
    )


class AdministratorAppoint(SupervisionMutation):
    class Arguments:
        input = AdministratorAppointInput(required=True)

    class Meta:
        description = (
            "Ruralmart extension: the township appoints a village's shop or station "
            "administrator (管理员台账), checking the entry criteria; a waiver needs a reason."
        )

    term = graphene.Field(AdministratorTerm)
    errors = graphene.List(graphene.NonNull(SupervisionError), required=True)

    @classmethod
    def perform(cls, info: Any, input: Any) -> AdministratorAppoint:
        user = _user(
            info, allowed="officer", who="Administrators are appointed by township officers"
        )
        village = _found(
            Village.objects.select_related("township"),
            input.village,
            type_name="Village",
            field="village",
        )
        administrator = User.objects.filter(email__iexact=input.administrator_email.strip()).first()
        if administrator is None:
            raise refuse("administrator_email", "No user has that e-mail address.", Code.NOT_FOUND)
        station = (
            _found(
                VillageStation.objects, input.station, type_name="VillageStation", field="station"
            )
            if input.station
            else None
        )
        red_supermarket = (
            _found(
                RedSupermarket.objects.select_related("shop"),
                input.red_supermarket,
                type_name="RedSupermarket",
                field="red_supermarket",
            )
            if input.red_supermarket
            else None
        )
        with _refusals_as_permission_denied():
            term = administrator_appoint(
                station=station,
                red_supermarket=red_supermarket,
                officer=user,
                village=village,
                post=_value(input.post),
                administrator=administrator,
                is_party_member=input.is_party_member,
                birth_date=input.birth_date,
                education=_value(input.education),
                effective_from=input.effective_from,
                exception_reason=input.exception_reason or "",
                replacement_reason=input.replacement_reason or "",
            )
        return cls(term=term)


class ComplaintCreateInput(graphene.InputObjectType):
    shop = graphene.ID(description="The shop complained about; implied by `shopOrder`.")
    shop_order = graphene.ID(description="The shop order complained about, if any.")
    complainant_kind = graphene.InputField(ComplainantKindEnum, required=True)
    subject = graphene.String(required=True)
    details = graphene.String()


class ComplaintCreate(SupervisionMutation):
    class Arguments:
        input = ComplaintCreateInput(required=True)

    class Meta:
        description = (
            "Ruralmart extension: a buyer complains about one of their shop orders, or a "
            "shop's staff or its township's officer records a villager's complaint about the "
            "shop; the complaint counts in the report and the red flag until resolved."
        )

    complaint = graphene.Field(Complaint_)
    errors = graphene.List(graphene.NonNull(SupervisionError), required=True)

    @classmethod
    def perform(cls, info: Any, input: Any) -> ComplaintCreate:
        user = info.context.user
        if not user.is_authenticated:
            raise PermissionDenied("Complaints are filed by logged-in users: log in.")
        shop_order = None
        if input.shop_order:
            shop_order = _found(
                ShopOrder.objects.select_related("order", "shop__village__township"),
                input.shop_order,
                type_name="ShopOrder",
                field="shopOrder",
            )
        if input.shop:
            shop = _found(
                ShopModel.objects.select_related("village__township"),
                input.shop,
                type_name="Shop",
                field="shop",
            )
        elif shop_order is not None:
            shop = shop_order.shop
        else:
            raise refuse("shop", "Name the shop or the shop order.", Code.REQUIRED)
        with _refusals_as_permission_denied():
            complaint = complaint_file(
                filed_by=user,
                shop=shop,
                shop_order=shop_order,
                complainant_kind=_value(input.complainant_kind),
                subject=input.subject,
                details=input.details or "",
            )
        return cls(complaint=complaint)


class PlatformApprovalQueueShopDecide(SupervisionMutation):
    class Arguments:
        shop = graphene.ID(required=True)
        approve = graphene.Boolean(required=True)
        reason = graphene.String(required=True)

    class Meta:
        description = (
            "Ruralmart extension: from the platform's approval queue, a platform admin "
            "approves a shop the township recommended (it opens), or rejects it, with a reason."
        )

    shop = graphene.Field(Shop)
    errors = graphene.List(graphene.NonNull(SupervisionError), required=True)

    @classmethod
    def perform(
        cls, info: Any, shop: str, approve: bool, reason: str
    ) -> PlatformApprovalQueueShopDecide:
        user = info.context.user
        if not user.is_authenticated or not role_scopes(user).is_platform_admin:
            raise PermissionDenied("Recommended shops are approved by platform admins.")
        row = _found(
            ShopModel.objects.select_related("village"), shop, type_name="Shop", field="shop"
        )
        with _refusals_as_permission_denied():
            if approve:
                decided = _shop_decision(shop_approve, shop=row, admin=user, reason=reason)
            else:
                decided = _shop_decision(shop_reject, shop=row, reviewer=user, reason=reason)
        return cls(shop=decided)
