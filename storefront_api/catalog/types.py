"""Saleor's catalog types (Product, ProductVariant, Category, Collection, …) plus our
additive fields. Every relation resolves through a DataLoader."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene
from django.conf import settings
from django.utils import timezone
from graphql_relay import to_global_id

from marketplace.catalog import models
from marketplace.catalog.selectors import ProductParent
from marketplace.catalog.thumbnails import nearest_size
from storefront_api.catalog import dataloaders as loaders
from storefront_api.catalog.filters import ProductFilterInput, ProductOrder, ProductWhereInput
from storefront_api.catalog.resolvers import category_ancestors, resolve_nested_product_connection
from storefront_api.core.channel import channel_by_slug, with_channel
from storefront_api.core.connection import CountableConnection, connection_args, paginate_list
from storefront_api.core.dataloaders import gather, get_loader, then
from storefront_api.core.enum_values import MEASUREMENT_UNITS
from storefront_api.core.enums import api_enum_of_names, domain_enum
from storefront_api.core.ids import decode_id
from storefront_api.core.types import (
    CountryCode,
    Image,
    LanguageCodeEnum,
    LanguageDisplay,
    MeasurementUnitsEnum,
    ObjectWithMetadata,
    PositiveInt,
    TaxedMoney,
    TaxedMoneyRange,
    ThumbnailFormatEnum,
    VariantAttributeScope,
    Weight,
    absolute_media_url,
)
from storefront_api.organisations.dataloaders import ShopByIdLoader

OfferingKindEnum = domain_enum(models.OfferingKind, name="OfferingKindEnum")


BeneficiaryKindEnum = domain_enum(models.BeneficiaryKind, name="BeneficiaryKindEnum")


StorageEnum = domain_enum(models.Storage, name="StorageEnum")


CertificationKindEnum = domain_enum(models.CertificationKind, name="CertificationKindEnum")


# Saleor's whole list; the catalog stores the kinds it can show.
AttributeInputTypeEnum = domain_enum(
    models.AttributeInputType,
    name="AttributeInputTypeEnum",
    api_names=(
        "DROPDOWN",
        "MULTISELECT",
        "FILE",
        "REFERENCE",
        "SINGLE_REFERENCE",
        "NUMERIC",
        "RICH_TEXT",
        "PLAIN_TEXT",
        "SWATCH",
        "BOOLEAN",
        "DATE",
        "DATE_TIME",
    ),
)


ProductMediaType = api_enum_of_names("ProductMediaType", ("IMAGE", "VIDEO"))


def _channel_id(info: Any, root: Any) -> int | None:
    """The channel a node was fetched in (set by the resolvers as `_channel_slug`)."""
    slug = getattr(root, "_channel_slug", None)
    channel = channel_by_slug(info.context, slug) if slug else None
    return channel.pk if channel else None


def _null_translation(root: Any, info: Any, language_code: Any) -> None:
    # No translations are stored yet: Chinese is the source language.
    return None


def translation_field(translation_type: Any) -> graphene.Field:
    """Saleor's `translation(languageCode:)` field; null until translations are stored."""
    return graphene.Field(
        translation_type,
        language_code=graphene.Argument(LanguageCodeEnum, required=True),
        resolver=_null_translation,
    )


def image_field() -> graphene.Field:
    """An `Image` field with Saleor's `size` and `format` arguments."""
    return graphene.Field(
        Image,
        size=graphene.Int(),
        format=graphene.Argument(ThumbnailFormatEnum, default_value="original"),
    )


def _name_as_seo_title(root: Any, info: Any) -> str:
    # No SEO titles are kept apart: the name is what a search result shows.
    return root.name


def product_thumbnail(info: Any, *, product_id: int, size: int | None, alt: str) -> Any:
    """The product's first image at the nearest stored size (or None), alt text falling back
    to `alt`; batched across every product (or order line) on the page."""
    found = get_loader(info.context, loaders.ThumbnailLoader).load((product_id, size))
    return then(
        found,
        lambda pair: (
            Image(url=absolute_media_url(info, pair[1]), alt=pair[0].alt or alt) if pair else None
        ),
    )


def _background_image(root: Any, info: Any, **_: Any) -> Image | None:
    return _image(info, root.background_image.name, root.background_image_alt)


class Certification(graphene.ObjectType):
    kind = graphene.Field(CertificationKindEnum, required=True)
    label = graphene.String(required=True)
    number = graphene.String(required=True)
    issuer = graphene.String(required=True)
    valid_from = graphene.Date(required=True)
    valid_until = graphene.Date(required=True)
    is_valid = graphene.Boolean(required=True, description="Valid today.")

    @staticmethod
    def resolve_label(root: models.Certification, info: Any) -> str:
        return root.get_kind_display()

    @staticmethod
    def resolve_is_valid(root: models.Certification, info: Any) -> bool:
        return root.valid_from <= timezone.localdate() <= root.valid_until


class CancellationTier(graphene.ObjectType):
    min_days_before = graphene.Int(
        required=True, description="Cancel at least this many days before the start date…"
    )
    refund_percent = graphene.Int(required=True, description="…and get this share back.")


class CancellationPolicy(graphene.ObjectType):
    """How much a cancelled booking refunds, by days before arrival (most days first)."""

    tiers = graphene.List(graphene.NonNull(CancellationTier), required=True)
    source = graphene.String(
        required=True, description="Where the tiers come from: product, shop or default."
    )


class OfferingDetails(graphene.ObjectType):
    """The fields specific to an offering kind; those of other kinds are null."""

    shelf_life_days = graphene.Int()
    storage = graphene.Field(StorageEnum)
    harvest_season = graphene.String()
    rooms = graphene.Int()
    nightly_capacity = graphene.Int()
    seats_per_date = graphene.Int()

    @staticmethod
    def resolve_storage(root: models.Product, info: Any) -> str | None:
        return root.storage or None

    @staticmethod
    def resolve_harvest_season(root: models.Product, info: Any) -> str | None:
        return root.harvest_season or None


class AttributeTranslation(graphene.ObjectType):
    id = graphene.ID(required=True)
    language = graphene.Field(LanguageDisplay, required=True)
    name = graphene.String(required=True)


class AttributeValueTranslation(graphene.ObjectType):
    id = graphene.ID(required=True)
    language = graphene.Field(LanguageDisplay, required=True)
    name = graphene.String(required=True)


class Attribute(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    input_type = graphene.Field(AttributeInputTypeEnum)
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    unit = graphene.Field(MeasurementUnitsEnum)
    value_required = graphene.Boolean(required=True)
    visible_in_storefront = graphene.Boolean(required=True)
    filterable_in_storefront = graphene.Boolean(required=True)
    with_choices = graphene.Boolean(required=True)
    translation = translation_field(AttributeTranslation)

    @staticmethod
    def resolve_value_required(root: models.Attribute, info: Any) -> bool:
        return False

    @staticmethod
    def resolve_with_choices(root: models.Attribute, info: Any) -> bool:
        return root.input_type in (
            models.AttributeInputType.DROPDOWN,
            models.AttributeInputType.MULTISELECT,
        )

    @staticmethod
    def resolve_unit(root: models.Attribute, info: Any) -> str | None:
        return root.unit if root.unit in MEASUREMENT_UNITS else None


class File(graphene.ObjectType):
    url = graphene.String(required=True)
    content_type = graphene.String()


class AttributeValue(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node,)

    name = graphene.String()
    slug = graphene.String()
    value = graphene.String()
    input_type = graphene.Field(AttributeInputTypeEnum)
    plain_text = graphene.String()
    boolean = graphene.Boolean()
    date = graphene.Date()
    date_time = graphene.DateTime()
    file = graphene.Field(File)
    translation = translation_field(AttributeValueTranslation)

    @staticmethod
    def resolve_value(root: models.AttributeValue, info: Any) -> str:
        return root.name

    @staticmethod
    def resolve_input_type(root: models.AttributeValue, info: Any) -> str:
        return root.attribute.input_type

    @staticmethod
    def resolve_plain_text(root: models.AttributeValue, info: Any) -> str | None:
        return (
            root.name if root.attribute.input_type == models.AttributeInputType.PLAIN_TEXT else None
        )

    @staticmethod
    def resolve_boolean(root: models.AttributeValue, info: Any) -> bool | None:
        if root.attribute.input_type != models.AttributeInputType.BOOLEAN:
            return None
        return root.slug in ("true", "yes", "1")


class SelectedAttribute(graphene.ObjectType):
    attribute = graphene.Field(Attribute, required=True)
    values = graphene.List(graphene.NonNull(AttributeValue), required=True)


class AssignedChoiceAttributeValue(graphene.ObjectType):
    name = graphene.String()
    slug = graphene.String()
    translation = graphene.String(
        language_code=graphene.Argument(LanguageCodeEnum, required=True), resolver=_null_translation
    )


class AssignedAttribute(graphene.Interface):
    attribute = graphene.Field(Attribute, required=True)

    @classmethod
    def resolve_type(cls, instance: Any, info: Any) -> Any:
        return instance.graphql_type


class _Assigned:
    """Plain carrier for an assigned attribute; `graphql_type` picks the concrete type."""

    def __init__(self, graphql_type: Any, attribute: models.Attribute, value: Any) -> None:
        self.graphql_type = graphql_type
        self.attribute = attribute
        self.value = value


class AssignedSingleChoiceAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.Field(AssignedChoiceAttributeValue)


class AssignedMultiChoiceAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.List(graphene.NonNull(AssignedChoiceAttributeValue), required=True)


class AssignedPlainTextAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.String()
    translation = graphene.String(
        language_code=graphene.Argument(LanguageCodeEnum, required=True), resolver=_null_translation
    )


class AssignedNumericAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.Float()


class AssignedBooleanAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.Boolean()


class AssignedFileAttribute(graphene.ObjectType):
    """Declared so storefront fragments validate; Ruralmart has no file attributes yet."""

    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.Field(File)


class AssignedSingleCollectionReferenceAttribute(graphene.ObjectType):
    """Declared so storefront fragments validate; no collection-reference attributes yet."""

    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.Field(lambda: Collection)


def _assigned(attribute: models.Attribute, values: list[models.AttributeValue]) -> _Assigned:
    kind = attribute.input_type
    if kind == models.AttributeInputType.MULTISELECT:
        return _Assigned(AssignedMultiChoiceAttribute, attribute, values)
    first = values[0] if values else None
    if kind == models.AttributeInputType.PLAIN_TEXT:
        return _Assigned(AssignedPlainTextAttribute, attribute, first.name if first else None)
    if kind == models.AttributeInputType.NUMERIC:
        try:
            number = float(first.name) if first else None
        except ValueError:
            number = None
        return _Assigned(AssignedNumericAttribute, attribute, number)
    if kind == models.AttributeInputType.BOOLEAN:
        return _Assigned(
            AssignedBooleanAttribute,
            attribute,
            first.slug in ("true", "yes", "1") if first else None,
        )
    return _Assigned(AssignedSingleChoiceAttribute, attribute, first)


class ProductMedia(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    sort_order = graphene.Int()
    alt = graphene.String(required=True)
    type = graphene.Field(ProductMediaType, required=True)
    oembed_data = graphene.JSONString(required=True)
    url = graphene.String(
        required=True,
        size=graphene.Int(),
        format=graphene.Argument(ThumbnailFormatEnum, default_value="original"),
    )
    product_id = graphene.ID()

    @staticmethod
    def resolve_type(root: models.ProductMedia, info: Any) -> str:
        return "IMAGE"

    @staticmethod
    def resolve_oembed_data(root: models.ProductMedia, info: Any) -> dict[str, Any]:
        return {}

    @staticmethod
    def resolve_product_id(root: models.ProductMedia, info: Any) -> str:
        return to_global_id("Product", root.product_id)

    @staticmethod
    def resolve_url(
        root: models.ProductMedia, info: Any, size: int | None = None, format: str | None = None
    ) -> Any:
        if not size:
            return absolute_media_url(info, root.image.name)
        thumb = get_loader(info.context, loaders.ThumbnailsByMediaLoader).load(
            (root.pk, nearest_size(size))
        )
        return then(thumb, lambda name: absolute_media_url(info, name or root.image.name))


class ProductType(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    has_variants = graphene.Boolean(required=True)
    is_shipping_required = graphene.Boolean(required=True)


class ProductPricingInfo(graphene.ObjectType):
    on_sale = graphene.Boolean()
    discount = graphene.Field(TaxedMoney)
    discount_prior = graphene.Field(TaxedMoney)
    display_gross_prices = graphene.Boolean(required=True)
    price_range = graphene.Field(TaxedMoneyRange)
    price_range_undiscounted = graphene.Field(TaxedMoneyRange)
    price_range_prior = graphene.Field(TaxedMoneyRange)


class VariantPricingInfo(graphene.ObjectType):
    on_sale = graphene.Boolean()
    discount = graphene.Field(TaxedMoney)
    discount_prior = graphene.Field(TaxedMoney)
    price = graphene.Field(TaxedMoney)
    price_undiscounted = graphene.Field(TaxedMoney)
    price_prior = graphene.Field(TaxedMoney)


class ProductTranslation(graphene.ObjectType):
    id = graphene.ID(required=True)
    language = graphene.Field(LanguageDisplay, required=True)
    seo_title = graphene.String()
    seo_description = graphene.String()
    slug = graphene.String()
    name = graphene.String()
    description = graphene.JSONString()


class ProductVariantTranslation(graphene.ObjectType):
    id = graphene.ID(required=True)
    language = graphene.Field(LanguageDisplay, required=True)
    name = graphene.String(required=True)


class CategoryTranslation(graphene.ObjectType):
    id = graphene.ID(required=True)
    language = graphene.Field(LanguageDisplay, required=True)
    seo_title = graphene.String()
    seo_description = graphene.String()
    slug = graphene.String()
    name = graphene.String()
    description = graphene.JSONString()


class CollectionTranslation(CategoryTranslation):
    pass


def _image(info: Any, name: str | None, alt: str) -> Image | None:
    return Image(url=absolute_media_url(info, name), alt=alt) if name else None


def _product_connection_field() -> graphene.Field:
    return graphene.Field(
        lambda: ProductCountableConnection,
        filter=graphene.Argument(ProductFilterInput),
        where=graphene.Argument(ProductWhereInput),
        sort_by=graphene.Argument(ProductOrder),
        search=graphene.String(),
        channel=graphene.String(),
        **connection_args(),
    )


class Category(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    seo_title = graphene.String()
    seo_description = graphene.String()
    name = graphene.String(required=True)
    description = graphene.JSONString()
    slug = graphene.String(required=True)
    parent = graphene.Field(lambda: Category)
    level = graphene.Int(required=True)
    updated_at = graphene.DateTime(required=True)
    ancestors = graphene.Field(lambda: CategoryCountableConnection, **connection_args())
    products = _product_connection_field()
    children = graphene.Field(lambda: CategoryCountableConnection, **connection_args())
    background_image = image_field()
    translation = translation_field(CategoryTranslation)

    resolve_seo_title = staticmethod(_name_as_seo_title)

    @staticmethod
    def resolve_seo_description(root: models.Category, info: Any) -> str | None:
        return None

    @staticmethod
    def resolve_parent(root: models.Category, info: Any) -> Any:
        if root.parent_id is None:
            return None
        return get_loader(info.context, loaders.CategoryByIdLoader).load(root.parent_id)

    @staticmethod
    def resolve_children(root: models.Category, info: Any, **kwargs: Any) -> Any:
        children = get_loader(info.context, loaders.CategoryChildrenLoader).load(root.pk)
        return then(
            children,
            lambda rows: paginate_list(
                rows, CategoryCountableConnection, connection_name="children", **kwargs
            ),
        )

    @staticmethod
    def resolve_ancestors(root: models.Category, info: Any, **kwargs: Any) -> Any:
        return paginate_list(
            category_ancestors(root),
            CategoryCountableConnection,
            connection_name="ancestors",
            **kwargs,
        )

    @staticmethod
    def resolve_products(root: models.Category, info: Any, **kwargs: Any) -> Any:
        return resolve_nested_product_connection(
            info, parent=ProductParent.CATEGORY, parent_id=root.pk, **kwargs
        )

    resolve_background_image = staticmethod(_background_image)


class Collection(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    seo_title = graphene.String()
    seo_description = graphene.String()
    name = graphene.String(required=True)
    description = graphene.JSONString()
    slug = graphene.String(required=True)
    channel = graphene.String()
    products = _product_connection_field()
    background_image = image_field()
    translation = translation_field(CollectionTranslation)

    resolve_seo_title = staticmethod(_name_as_seo_title)

    @staticmethod
    def resolve_channel(root: models.Collection, info: Any) -> str | None:
        return getattr(root, "_channel_slug", None)

    @staticmethod
    def resolve_products(root: models.Collection, info: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("channel", getattr(root, "_channel_slug", None))
        return resolve_nested_product_connection(
            info, parent=ProductParent.COLLECTION, parent_id=root.pk, **kwargs
        )

    resolve_background_image = staticmethod(_background_image)


class ProductVariant(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    name = graphene.String(required=True)
    sku = graphene.String()
    product = graphene.Field(lambda: Product, required=True)
    track_inventory = graphene.Boolean(required=True)
    quantity_limit_per_customer = graphene.Int()
    weight = graphene.Field(Weight)
    channel = graphene.String()
    pricing = graphene.Field(VariantPricingInfo)
    attributes = graphene.List(
        graphene.NonNull(SelectedAttribute),
        required=True,
        variant_selection=graphene.Argument(VariantAttributeScope),
    )
    assigned_attributes = graphene.List(
        graphene.NonNull(AssignedAttribute),
        required=True,
        limit=graphene.Argument(PositiveInt, default_value=100),
    )
    media = graphene.List(graphene.NonNull(ProductMedia))
    quantity_available = graphene.Int(country_code=graphene.Argument(CountryCode))
    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    translation = translation_field(ProductVariantTranslation)
    beneficiary_kind = graphene.Field(
        BeneficiaryKindEnum,
        required=True,
        description=(
            "Who this sale benefits: the village collective or a consigning household "
            "(never named here)."
        ),
    )

    @staticmethod
    def resolve_name(root: models.ProductVariant, info: Any) -> str:
        return root.name or root.sku

    @staticmethod
    def resolve_product(root: models.ProductVariant, info: Any) -> Any:
        product = get_loader(info.context, loaders.ProductByIdLoader).load(root.product_id)
        return then(product, lambda p: with_channel(p, getattr(root, "_channel_slug", None)))

    @staticmethod
    def resolve_weight(root: models.ProductVariant, info: Any) -> Weight | None:
        return Weight.from_grams(root.weight_grams)

    @staticmethod
    def resolve_channel(root: models.ProductVariant, info: Any) -> str | None:
        return getattr(root, "_channel_slug", None)

    @staticmethod
    def resolve_created(root: models.ProductVariant, info: Any) -> Any:
        return root.created_at

    @staticmethod
    def resolve_pricing(root: models.ProductVariant, info: Any) -> Any:
        channel_id = _channel_id(info, root)
        if channel_id is None:
            return None
        listing = get_loader(info.context, loaders.VariantChannelListingLoader).load(
            (root.pk, channel_id)
        )

        def build(row: models.ProductVariantChannelListing | None) -> VariantPricingInfo | None:
            if row is None:
                return None
            price = TaxedMoney.of(row.price_amount, row.currency)
            return VariantPricingInfo(on_sale=False, price=price, price_undiscounted=price)

        return then(listing, build)

    @staticmethod
    def resolve_attributes(root: models.ProductVariant, info: Any, **_: Any) -> Any:
        rows = get_loader(info.context, loaders.SelectedAttributesByVariantLoader).load(root.pk)
        return then(
            rows, lambda pairs: [SelectedAttribute(attribute=a, values=v) for a, v in pairs]
        )

    @staticmethod
    def resolve_assigned_attributes(
        root: models.ProductVariant, info: Any, limit: int = 100
    ) -> Any:
        rows = get_loader(info.context, loaders.SelectedAttributesByVariantLoader).load(root.pk)
        return then(rows, lambda pairs: [_assigned(a, v) for a, v in pairs[:limit]])

    @staticmethod
    def resolve_media(root: models.ProductVariant, info: Any) -> Any:
        # Variants share their product's images.
        return get_loader(info.context, loaders.MediaByProductIdLoader).load(root.product_id)

    @staticmethod
    def resolve_quantity_available(root: models.ProductVariant, info: Any, **_: Any) -> Any:
        cap = getattr(settings, "MAX_CHECKOUT_LINE_QUANTITY", 50)
        # Both loads happen for every variant, tracked or not, so a page costs the same
        # queries whatever mix of goods and tourism it holds.
        free = get_loader(info.context, loaders.StockQuantityAvailableByVariantLoader).load(root.pk)
        product = get_loader(info.context, loaders.ProductByIdLoader).load(root.product_id)

        def available(pair: list[Any]) -> int:
            stock, offer = pair
            if root.track_inventory:
                return min(stock, cap)
            # Tourism capacity is per date; without dates, the most one booking can take.
            return min(cap, offer.rooms or offer.seats_per_date or cap)

        return then(gather([free, product]), available)


class Product(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    seo_title = graphene.String()
    seo_description = graphene.String()
    name = graphene.String(required=True)
    description = graphene.JSONString()
    product_type = graphene.Field(ProductType, required=True)
    slug = graphene.String(required=True)
    category = graphene.Field(Category)
    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    weight = graphene.Field(Weight)
    default_variant = graphene.Field(ProductVariant)
    rating = graphene.Float()
    channel = graphene.String()
    thumbnail = image_field()
    pricing = graphene.Field(ProductPricingInfo)
    is_available = graphene.Boolean()
    attribute = graphene.Field(SelectedAttribute, slug=graphene.String(required=True))
    attributes = graphene.List(graphene.NonNull(SelectedAttribute), required=True)
    assigned_attribute = graphene.Field(AssignedAttribute, slug=graphene.String(required=True))
    assigned_attributes = graphene.List(
        graphene.NonNull(AssignedAttribute),
        required=True,
        limit=graphene.Argument(PositiveInt, default_value=100),
    )
    variants = graphene.List(graphene.NonNull(ProductVariant))
    product_variants = graphene.Field(
        lambda: ProductVariantCountableConnection, **connection_args()
    )
    media = graphene.List(graphene.NonNull(ProductMedia))
    media_by_id = graphene.Field(ProductMedia, id=graphene.ID(required=True))
    collections = graphene.List(graphene.NonNull(Collection))
    available_for_purchase_at = graphene.DateTime()
    is_available_for_purchase = graphene.Boolean()
    translation = translation_field(ProductTranslation)
    # Ruralmart extensions.
    shop = graphene.Field(
        "storefront_api.shops.types.Shop",
        required=True,
        description="The village shop selling it.",
    )
    offering_kind = graphene.Field(OfferingKindEnum, required=True)
    offering_details = graphene.Field(OfferingDetails, required=True)
    certifications = graphene.List(graphene.NonNull(Certification), required=True)
    cancellation_policy = graphene.Field(
        CancellationPolicy,
        description="Refund tiers of a homestay or experience; null for goods.",
    )
    beneficiary_kind = graphene.Field(
        BeneficiaryKindEnum,
        required=True,
        description=(
            "HOUSEHOLD when any variant is consigned by a household; the household is "
            "never named here."
        ),
    )

    @staticmethod
    def resolve_seo_title(root: models.Product, info: Any) -> str:
        return root.seo_title or root.name

    @staticmethod
    def resolve_seo_description(root: models.Product, info: Any) -> str:
        return root.seo_description or root.description_plaintext[:300]

    @staticmethod
    def resolve_created(root: models.Product, info: Any) -> Any:
        return root.created_at

    @staticmethod
    def resolve_weight(root: models.Product, info: Any) -> Weight | None:
        return Weight.from_grams(root.weight_grams)

    @staticmethod
    def resolve_channel(root: models.Product, info: Any) -> str | None:
        return getattr(root, "_channel_slug", None)

    @staticmethod
    def resolve_product_type(root: models.Product, info: Any) -> Any:
        return get_loader(info.context, loaders.ProductTypeByIdLoader).load(root.product_type_id)

    @staticmethod
    def resolve_category(root: models.Product, info: Any) -> Any:
        if root.category_id is None:
            return None
        return get_loader(info.context, loaders.CategoryByIdLoader).load(root.category_id)

    @staticmethod
    def resolve_shop(root: models.Product, info: Any) -> Any:
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)

    @staticmethod
    def resolve_offering_details(root: models.Product, info: Any) -> models.Product:
        return root

    @staticmethod
    def resolve_cancellation_policy(root: models.Product, info: Any) -> Any:
        # Loaded for goods too (and dropped) so a page's query count does not depend on
        # whether it happens to hold a homestay.
        view = get_loader(info.context, loaders.CancellationPolicyByProductLoader).load(
            (root.pk, root.shop_id)
        )
        return then(
            view,
            lambda v: (
                None
                if not root.is_tourism
                else CancellationPolicy(
                    tiers=[
                        CancellationTier(
                            min_days_before=t.min_days_before, refund_percent=t.refund_percent
                        )
                        for t in v.tiers
                    ],
                    source=v.source,
                )
            ),
        )

    @staticmethod
    def resolve_certifications(root: models.Product, info: Any) -> Any:
        return get_loader(info.context, loaders.CertificationsByProductLoader).load(root.pk)

    @staticmethod
    def _variants(root: models.Product, info: Any) -> Any:
        channel_id = _channel_id(info, root)
        if channel_id is None:
            return []
        slug = root._channel_slug  # type: ignore[attr-defined]
        rows = get_loader(info.context, loaders.VariantsByProductInChannelLoader).load(
            (root.pk, channel_id)
        )
        return then(rows, lambda variants: [with_channel(v, slug) for v in variants])

    @staticmethod
    def resolve_variants(root: models.Product, info: Any) -> Any:
        return Product._variants(root, info)

    @staticmethod
    def resolve_default_variant(root: models.Product, info: Any) -> Any:
        return then(
            Product._variants(root, info), lambda variants: variants[0] if variants else None
        )

    @staticmethod
    def resolve_product_variants(root: models.Product, info: Any, **kwargs: Any) -> Any:
        return then(
            Product._variants(root, info),
            lambda variants: paginate_list(
                variants,
                ProductVariantCountableConnection,
                connection_name="productVariants",
                **kwargs,
            ),
        )

    @staticmethod
    def resolve_beneficiary_kind(root: models.Product, info: Any) -> Any:
        def kind(variants: list[models.ProductVariant]) -> str:
            consigned = any(
                v.beneficiary_kind == models.BeneficiaryKind.HOUSEHOLD for v in variants
            )
            return "HOUSEHOLD" if consigned else "COLLECTIVE"

        return then(Product._variants(root, info), kind)

    @staticmethod
    def resolve_pricing(root: models.Product, info: Any) -> Any:
        channel_id = _channel_id(info, root)
        if channel_id is None:
            return None
        listing = get_loader(info.context, loaders.ProductChannelListingLoader).load(
            (root.pk, channel_id)
        )
        currency = channel_by_slug(info.context, root._channel_slug).currency_code  # type: ignore[union-attr, attr-defined]

        def build(row: models.ProductChannelListing | None) -> ProductPricingInfo | None:
            if row is None or row.min_price_amount is None:
                return None
            price_range = TaxedMoneyRange(
                start=TaxedMoney.of(Decimal(row.min_price_amount), currency),
                stop=TaxedMoney.of(Decimal(row.max_price_amount or row.min_price_amount), currency),
            )
            return ProductPricingInfo(
                on_sale=False,
                display_gross_prices=True,
                price_range=price_range,
                price_range_undiscounted=price_range,
            )

        return then(listing, build)

    @staticmethod
    def resolve_is_available(root: models.Product, info: Any, **_: Any) -> Any:
        channel_id = _channel_id(info, root)
        if channel_id is None:
            return None
        return get_loader(info.context, loaders.ProductAvailableLoader).load((root.pk, channel_id))

    @staticmethod
    def _listing(root: models.Product, info: Any) -> Any:
        channel_id = _channel_id(info, root)
        if channel_id is None:
            return None
        return get_loader(info.context, loaders.ProductChannelListingLoader).load(
            (root.pk, channel_id)
        )

    @staticmethod
    def resolve_available_for_purchase_at(root: models.Product, info: Any) -> Any:
        return then(
            Product._listing(root, info), lambda row: row.available_for_purchase_at if row else None
        )

    @staticmethod
    def resolve_is_available_for_purchase(root: models.Product, info: Any) -> Any:
        def purchasable(row: models.ProductChannelListing | None) -> bool:
            return bool(
                row
                and row.available_for_purchase_at
                and row.available_for_purchase_at <= timezone.now()
            )

        return then(Product._listing(root, info), purchasable)

    @staticmethod
    def resolve_thumbnail(
        root: models.Product, info: Any, size: int | None = None, **_: Any
    ) -> Any:
        return product_thumbnail(info, product_id=root.pk, size=size, alt=root.name)

    @staticmethod
    def resolve_media(root: models.Product, info: Any) -> Any:
        return get_loader(info.context, loaders.MediaByProductIdLoader).load(root.pk)

    @staticmethod
    def resolve_media_by_id(root: models.Product, info: Any, id: str) -> Any:
        pk = decode_id(id, expected_type="ProductMedia")
        media = get_loader(info.context, loaders.MediaByProductIdLoader).load(root.pk)
        return then(media, lambda rows: next((m for m in rows if m.pk == pk), None))

    @staticmethod
    def resolve_collections(root: models.Product, info: Any) -> Any:
        channel_id = _channel_id(info, root)
        if channel_id is None:
            return []
        slug = root._channel_slug  # type: ignore[attr-defined]
        rows = get_loader(info.context, loaders.CollectionsByProductInChannelLoader).load(
            (root.pk, channel_id)
        )
        return then(rows, lambda cs: [with_channel(c, slug) for c in cs])

    @staticmethod
    def resolve_attributes(root: models.Product, info: Any) -> Any:
        rows = get_loader(info.context, loaders.SelectedAttributesByProductLoader).load(root.pk)
        return then(
            rows, lambda pairs: [SelectedAttribute(attribute=a, values=v) for a, v in pairs]
        )

    @staticmethod
    def resolve_attribute(root: models.Product, info: Any, slug: str) -> Any:
        rows = get_loader(info.context, loaders.SelectedAttributesByProductLoader).load(root.pk)
        return then(
            rows,
            lambda pairs: next(
                (SelectedAttribute(attribute=a, values=v) for a, v in pairs if a.slug == slug), None
            ),
        )

    @staticmethod
    def resolve_assigned_attributes(root: models.Product, info: Any, limit: int = 100) -> Any:
        rows = get_loader(info.context, loaders.SelectedAttributesByProductLoader).load(root.pk)
        return then(rows, lambda pairs: [_assigned(a, v) for a, v in pairs[:limit]])

    @staticmethod
    def resolve_assigned_attribute(root: models.Product, info: Any, slug: str) -> Any:
        rows = get_loader(info.context, loaders.SelectedAttributesByProductLoader).load(root.pk)
        return then(
            rows, lambda pairs: next((_assigned(a, v) for a, v in pairs if a.slug == slug), None)
        )


class ProductCountableConnection(CountableConnection):
    class Meta:
        node = Product
        strict_types = True


class ProductVariantCountableConnection(CountableConnection):
    class Meta:
        node = ProductVariant
        strict_types = True


class CategoryCountableConnection(CountableConnection):
    class Meta:
        node = Category
        strict_types = True


class CollectionCountableConnection(CountableConnection):
    class Meta:
        node = Collection
        strict_types = True
