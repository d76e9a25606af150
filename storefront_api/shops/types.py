"""Ruralmart extensions: shops, the division tree, Party organisations, masked households
and public trace batches."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.catalog.models import TraceBatch
from marketplace.divisions.models import County, Township, Village
from marketplace.organisations.models import Household, PartyOrganisation, Shop
from marketplace.organisations.privacy import household_personal_data
from storefront_api.core.dataloaders import get_loader
from storefront_api.core.types import ObjectWithMetadata
from storefront_api.shops.dataloaders import (
    CountyByIdLoader,
    HouseholdByIdLoader,
    PartyOrganisationByIdLoader,
    TownshipByIdLoader,
    VillageByIdLoader,
)


class County_(graphene.ObjectType):
    class Meta:
        name = "County"
        interfaces = (graphene.relay.Node,)

    code = graphene.String(required=True, description="6-digit statistical division code.")
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    province = graphene.String(required=True)
    prefecture = graphene.String(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, County)


class Township_(graphene.ObjectType):
    class Meta:
        name = "Township"
        interfaces = (graphene.relay.Node,)

    code = graphene.String(required=True, description="9-digit statistical division code.")
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    county = graphene.Field(County_, required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Township)

    @staticmethod
    def resolve_county(root: Township, info: Any) -> Any:
        return get_loader(info.context, CountyByIdLoader).load(root.county_id)


class Village_(graphene.ObjectType):
    class Meta:
        name = "Village"
        interfaces = (graphene.relay.Node,)

    code = graphene.String(required=True, description="12-digit statistical division code.")
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    township = graphene.Field(Township_, required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Village)

    @staticmethod
    def resolve_township(root: Village, info: Any) -> Any:
        return get_loader(info.context, TownshipByIdLoader).load(root.township_id)


class PartyOrganisation_(graphene.ObjectType):
    class Meta:
        name = "PartyOrganisation"
        interfaces = (graphene.relay.Node,)
        description = "A village Party branch (村党支部), which runs the village's shop."

    name = graphene.String(required=True)
    secretary_title = graphene.String(required=True)
    village = graphene.Field(Village_, required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, PartyOrganisation)

    @staticmethod
    def resolve_village(root: PartyOrganisation, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)


class ShopStatusEnum(graphene.Enum):
    APPLIED = "APPLIED"
    RECOMMENDED = "RECOMMENDED"
    APPROVED = "APPROVED"
    SUSPENDED = "SUSPENDED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"


class HouseholdCategoryEnum(graphene.Enum):
    REGISTERED_POOR = "REGISTERED_POOR"
    FORMERLY_POOR = "FORMERLY_POOR"
    MONITORED_UNSTABLE = "MONITORED_UNSTABLE"
    MONITORED_AT_RISK = "MONITORED_AT_RISK"
    MONITORED_HARDSHIP = "MONITORED_HARDSHIP"
    ORDINARY = "ORDINARY"


class Household_(graphene.ObjectType):
    class Meta:
        name = "Household"
        interfaces = (graphene.relay.Node,)
        description = (
            "A household. Name, ID number and phone are masked unless the caller's role "
            "entitles them to see this household's personal data."
        )

    reference = graphene.String(
        required=True, description="Public reference; carries no personal data."
    )
    category = graphene.Field(HouseholdCategoryEnum, required=True)
    member_count = graphene.Int(required=True)
    village = graphene.Field(Village_, required=True)
    head_name = graphene.String(required=True)
    id_number = graphene.String(required=True)
    phone = graphene.String(required=True)
    is_masked = graphene.Boolean(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Household)

    @staticmethod
    def resolve_village(root: Household, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def _personal(root: Household, info: Any) -> Any:
        return household_personal_data(household=root, viewer=info.context.user)

    @staticmethod
    def resolve_head_name(root: Household, info: Any) -> str:
        return Household_._personal(root, info).head_name

    @staticmethod
    def resolve_id_number(root: Household, info: Any) -> str:
        return Household_._personal(root, info).id_number

    @staticmethod
    def resolve_phone(root: Household, info: Any) -> str:
        return Household_._personal(root, info).phone

    @staticmethod
    def resolve_is_masked(root: Household, info: Any) -> bool:
        return Household_._personal(root, info).is_masked


class VillageShop(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)
        description = "A village shop run by the village's Party organisation."

    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    description = graphene.String(required=True)
    status = graphene.Field(ShopStatusEnum, required=True)
    village = graphene.Field(Village_, required=True)
    party_organisation = graphene.Field(PartyOrganisation_, required=True)
    products = graphene.Field(
        "storefront_api.catalog.types.ProductCountableConnection",
        channel=graphene.String(),
        sort_by=graphene.Argument("storefront_api.catalog.filters.ProductOrder"),
        before=graphene.String(),
        after=graphene.String(),
        first=graphene.Int(),
        last=graphene.Int(),
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Shop)

    @staticmethod
    def resolve_village(root: Shop, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def resolve_party_organisation(root: Shop, info: Any) -> Any:
        return get_loader(info.context, PartyOrganisationByIdLoader).load(
            root.party_organisation_id
        )

    @staticmethod
    def resolve_products(root: Shop, info: Any, **kwargs: Any) -> Any:
        from storefront_api.catalog.resolvers import resolve_product_connection

        return resolve_product_connection(info, extra_filters={"shops": [root.pk]}, **kwargs)


class InspectionResult(graphene.ObjectType):
    item = graphene.String(required=True)
    result = graphene.String(required=True)
    passed = graphene.Boolean()
    agency = graphene.String()
    date = graphene.String()


class TraceBatch_(graphene.ObjectType):
    class Meta:
        name = "TraceBatch"
        description = (
            "A harvest batch behind a trace code (溯源码): batch → plot → household → village. "
            "The household is always shown masked here: this is a public page."
        )

    code = graphene.String(required=True)
    harvest_date = graphene.Date(required=True)
    plot = graphene.String(required=True)
    quantity_kg = graphene.Float()
    village = graphene.Field(Village_, required=True)
    product = graphene.Field("storefront_api.catalog.types.Product", required=True)
    household_name = graphene.String(description="The grower household's head, masked (e.g. 李**).")
    household_category = graphene.Field(HouseholdCategoryEnum)
    inspection_results = graphene.List(graphene.NonNull(InspectionResult), required=True)

    @staticmethod
    def resolve_village(root: TraceBatch, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def resolve_product(root: TraceBatch, info: Any) -> Any:
        from storefront_api.catalog.dataloaders import ProductByIdLoader

        return get_loader(info.context, ProductByIdLoader).load(root.product_id)

    @staticmethod
    def resolve_household_name(root: TraceBatch, info: Any) -> Any:
        from marketplace.organisations.privacy import mask_name
        from storefront_api.core.dataloaders import then

        if root.household_id is None:
            return None
        household = get_loader(info.context, HouseholdByIdLoader).load(root.household_id)
        return then(household, lambda h: mask_name(h.head_name) if h else None)

    @staticmethod
    def resolve_household_category(root: TraceBatch, info: Any) -> Any:
        from storefront_api.core.dataloaders import then

        if root.household_id is None:
            return None
        household = get_loader(info.context, HouseholdByIdLoader).load(root.household_id)
        return then(household, lambda h: h.category if h else None)

    @staticmethod
    def resolve_inspection_results(root: TraceBatch, info: Any) -> list[InspectionResult]:
        fields = ("item", "result", "passed", "agency", "date")
        return [
            InspectionResult(**{k: entry.get(k) for k in fields})
            for entry in root.inspection_results
            if isinstance(entry, dict) and entry.get("item") and entry.get("result")
        ]
