"""Wires the query fields together; resolvers live beside their types."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.accounts.permissions import role_scopes
from marketplace.catalog.models import TraceBatch
from marketplace.catalog.selectors import shop_list
from marketplace.channels.models import Channel as ChannelModel
from marketplace.organisations.selectors import households_visible_to
from storefront_api.account.schema import AccountMutations, AccountQueries
from storefront_api.agency.reads import AgencyHistoryQueries
from storefront_api.agency.schema import AgencyMutations, AgencyQueries
from storefront_api.audit.schema import AuditMutations, AuditQueries
from storefront_api.catalog import resolvers as catalog
from storefront_api.catalog import types as catalog_types
from storefront_api.catalog.filters import ProductFilterInput, ProductOrder, ProductWhereInput
from storefront_api.catalog.types import (
    Category,
    CategoryCountableConnection,
    Collection,
    CollectionCountableConnection,
    Product,
    ProductCountableConnection,
    ProductVariant,
)
from storefront_api.channel.types import Channel
from storefront_api.checkout.schema import CheckoutMutations, CheckoutQueries
from storefront_api.collective_econ.distribution_schema import (
    DistributionMutations,
    DistributionQueries,
)
from storefront_api.collective_econ.schema import CollectiveEconQueries
from storefront_api.collective_econ.types import COLLECTIVE_ECON_TYPES
from storefront_api.content.schema import ContentQueries
from storefront_api.core.channel import with_channel
from storefront_api.core.connection import (
    CountableConnection,
    connection_args,
    paginate,
    validate_page_args,
)
from storefront_api.core.directives import SCHEMA_DIRECTIVES
from storefront_api.core.enums import api_enum
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id, decode_ids
from storefront_api.core.types import LanguageCodeEnum, OrderDirection
from storefront_api.logistics.schema import LogisticsMutations, LogisticsQueries
from storefront_api.metadata.schema import MetadataMutations
from storefront_api.notifications.schema import NotificationMutations, NotificationQueries
from storefront_api.order.schema import OrderMutations, OrderQueries
from storefront_api.oversight.schema import OversightQueries
from storefront_api.payment.schema import PaymentMutations, PaymentQueries
from storefront_api.red_supermarket.reads import CounterHistoryQueries
from storefront_api.red_supermarket.schema import RedSupermarketMutations, RedSupermarketQueries
from storefront_api.shops import resolvers as shop_resolvers
from storefront_api.shops.types import Household_, Shop, TraceBatch_
from storefront_api.supervision.schema import SupervisionMutations, SupervisionQueries


class CategoryFilterInput(graphene.InputObjectType):
    search = graphene.String()
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))


CategorySortField = api_enum(
    "CategorySortField",
    [
        ("NAME", "name"),
        ("PRODUCT_COUNT", "product_count"),
        ("SUBCATEGORY_COUNT", "subcategory_count"),
    ],
)


class CategorySortingInput(graphene.InputObjectType):
    # InputField: a required input field must be refused when missing, not defaulted to null.
    direction = graphene.InputField(OrderDirection, required=True)
    channel = graphene.String(deprecation_reason="Use root-level channel argument instead.")
    field = graphene.InputField(CategorySortField, required=True)


CollectionPublished = api_enum(
    "CollectionPublished",
    [
        ("PUBLISHED", "published"),
        ("HIDDEN", "hidden"),
    ],
)


class CollectionFilterInput(graphene.InputObjectType):
    published = graphene.Field(CollectionPublished)
    search = graphene.String()
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))
    channel = graphene.String(deprecation_reason="Use root-level channel argument instead.")


class ShopFilterInput(graphene.InputObjectType):
    search = graphene.String(description="Matches shop, village, township or county names.")
    county = graphene.List(graphene.NonNull(graphene.ID), description="Global IDs of counties.")
    township = graphene.List(graphene.NonNull(graphene.ID), description="Global IDs of townships.")


class HouseholdFilterInput(graphene.InputObjectType):
    villages = graphene.List(graphene.NonNull(graphene.ID))


class ShopCountableConnection(CountableConnection):
    class Meta:
        node = Shop
        strict_types = True


class HouseholdCountableConnection(CountableConnection):
    class Meta:
        node = Household_
        strict_types = True


class BrowseQueries(graphene.ObjectType):
    products = graphene.Field(
        ProductCountableConnection,
        filter=graphene.Argument(ProductFilterInput),
        where=graphene.Argument(ProductWhereInput),
        sort_by=graphene.Argument(ProductOrder),
        search=graphene.String(),
        channel=graphene.String(),
        **connection_args(),
    )
    product = graphene.Field(
        Product,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
        external_reference=graphene.String(),
        channel=graphene.String(),
    )
    product_variant = graphene.Field(
        ProductVariant,
        id=graphene.ID(),
        sku=graphene.String(),
        external_reference=graphene.String(),
        channel=graphene.String(),
    )
    categories = graphene.Field(
        CategoryCountableConnection,
        filter=graphene.Argument(CategoryFilterInput),
        sort_by=graphene.Argument(CategorySortingInput),
        level=graphene.Int(),
        **connection_args(),
    )
    category = graphene.Field(
        Category,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
    )
    collections = graphene.Field(
        CollectionCountableConnection,
        filter=graphene.Argument(CollectionFilterInput),
        channel=graphene.String(),
        **connection_args(),
    )
    collection = graphene.Field(
        Collection,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
        channel=graphene.String(),
    )
    channel = graphene.Field(Channel, id=graphene.ID(), slug=graphene.String())
    channels = graphene.List(graphene.NonNull(Channel))
    # Ruralmart extensions.
    shops = graphene.Field(
        ShopCountableConnection, filter=graphene.Argument(ShopFilterInput), **connection_args()
    )
    shop = graphene.Field(
        Shop,
        required=True,
        slug=graphene.String(description="Ruralmart extension: an approved village shop's slug."),
        description=(
            "Without `slug`, the marketplace itself with its store settings, as in Saleor; "
            "with `slug`, that village shop (an error if no approved shop has it)."
        ),
    )
    trace_batch = graphene.Field(
        TraceBatch_,
        code=graphene.String(required=True),
        description="The public trace page of a 溯源码.",
    )
    households = graphene.Field(
        HouseholdCountableConnection,
        filter=graphene.Argument(HouseholdFilterInput),
        description=(
            "Households visible to the caller's role (staff only); personal data masked "
            "unless entitled."
        ),
        **connection_args(),
    )

    @staticmethod
    def resolve_products(root: Any, info: Any, **kwargs: Any) -> Any:
        return catalog.resolve_product_connection(info, **kwargs)

    @staticmethod
    def resolve_product(root: Any, info: Any, **kwargs: Any) -> Any:
        return catalog.resolve_product(info, **kwargs)

    @staticmethod
    def resolve_product_variant(root: Any, info: Any, **kwargs: Any) -> Any:
        return catalog.resolve_product_variant(info, **kwargs)

    @staticmethod
    def resolve_categories(
        root: Any,
        info: Any,
        filter: Any = None,
        level: int | None = None,
        sort_by: Any = None,
        **page: Any,
    ) -> Any:
        queryset = catalog.category_list(filter=filter, level=level, sort_by=sort_by)
        return paginate(queryset, CategoryCountableConnection, connection_name="categories", **page)

    @staticmethod
    def resolve_category(root: Any, info: Any, **kwargs: Any) -> Any:
        return catalog.resolve_category(info, **kwargs)

    @staticmethod
    def resolve_collections(
        root: Any, info: Any, channel: str | None = None, filter: Any = None, **page: Any
    ) -> Any:
        validate_page_args(
            first=page.get("first"), last=page.get("last"), connection_name="collections"
        )
        queryset, slug = catalog.collection_list(
            info, channel=channel or (filter or {}).get("channel"), filter=filter
        )
        connection = paginate(
            queryset, CollectionCountableConnection, connection_name="collections", **page
        )
        for edge in connection.edges:
            with_channel(edge.node, slug)
        return connection

    @staticmethod
    def resolve_collection(root: Any, info: Any, **kwargs: Any) -> Any:
        return catalog.resolve_collection(info, **kwargs)

    @staticmethod
    def resolve_channel(
        root: Any, info: Any, id: str | None = None, slug: str | None = None
    ) -> Any:
        if (id is None) == (slug is None):
            raise ApiError("Exactly one of `id` or `slug` must be provided.", code="GRAPHQL_ERROR")
        if id is not None:
            return ChannelModel.objects.filter(
                pk=decode_id(id, expected_type="Channel"), is_active=True
            ).first()
        return ChannelModel.objects.filter(slug=slug, is_active=True).first()

    @staticmethod
    def resolve_channels(root: Any, info: Any) -> Any:
        return list(ChannelModel.objects.filter(is_active=True).order_by("slug"))

    @staticmethod
    def resolve_shops(root: Any, info: Any, filter: Any = None, **page: Any) -> Any:
        filter = filter or {}
        queryset = shop_list(
            search_text=filter.get("search"),
            county_ids=decode_ids(filter.get("county"), expected_type="County", field="county"),
            township_ids=decode_ids(
                filter.get("township"), expected_type="Township", field="township"
            ),
        )
        return paginate(queryset, ShopCountableConnection, connection_name="shops", **page)

    @staticmethod
    def resolve_shop(root: Any, info: Any, slug: str | None = None) -> Any:
        return shop_resolvers.resolve_shop(info, slug=slug)

    @staticmethod
    def resolve_trace_batch(root: Any, info: Any, code: str) -> Any:
        return TraceBatch.objects.filter(
            code=code.strip().upper(), product__shop__status="APPROVED"
        ).first()

    @staticmethod
    def resolve_households(root: Any, info: Any, filter: Any = None, **page: Any) -> Any:
        scopes = role_scopes(info.context.user)
        if not scopes.is_staff_role and not scopes.household_ids:
            raise PermissionDenied(
                "You need a staff role (shop, township or platform) to list households."
            )
        queryset = households_visible_to(user=info.context.user)
        villages = decode_ids(
            (filter or {}).get("villages"), expected_type="Village", field="villages"
        )
        if villages is not None:
            queryset = queryset.filter(village_id__in=villages)
        return paginate(
            queryset, HouseholdCountableConnection, connection_name="households", **page
        )


# Types that no field returns directly but storefront fragments name.
_EXTRA_TYPES = [
    catalog_types.AssignedSingleChoiceAttribute,
    catalog_types.AssignedMultiChoiceAttribute,
    catalog_types.AssignedPlainTextAttribute,
    catalog_types.AssignedNumericAttribute,
    catalog_types.AssignedBooleanAttribute,
    catalog_types.AssignedFileAttribute,
    catalog_types.AssignedSingleCollectionReferenceAttribute,
]


# Each domain contributes its root fields from its own `schema.py`.
# Field order in the SDL follows these bases right to left.
class Query(
    CollectiveEconQueries,
    DistributionQueries,
    NotificationQueries,
    AuditQueries,
    SupervisionQueries,
    AgencyHistoryQueries,
    AgencyQueries,
    CounterHistoryQueries,
    RedSupermarketQueries,
    LogisticsQueries,
    AccountQueries,
    OrderQueries,
    CheckoutQueries,
    PaymentQueries,
    ContentQueries,
    OversightQueries,
    BrowseQueries,
):
    pass


class Mutation(
    DistributionMutations,
    NotificationMutations,
    AuditMutations,
    SupervisionMutations,
    AgencyMutations,
    RedSupermarketMutations,
    LogisticsMutations,
    AccountMutations,
    OrderMutations,
    CheckoutMutations,
    PaymentMutations,
    MetadataMutations,
):
    pass


# GraphQL forbids an empty root type, so the mutation root exists once a domain adds one.
schema = graphene.Schema(
    query=Query,
    mutation=Mutation if Mutation._meta.fields else None,
    types=_EXTRA_TYPES + COLLECTIVE_ECON_TYPES,
    directives=SCHEMA_DIRECTIVES,
)

__all__ = ["schema"]
