"""Saleor's product filter, where and sort inputs, translated into the catalog selectors'
`ProductFilters` — the API parses, the selector decides."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene

from marketplace.catalog.selectors import PriceRange, ProductFilters, ProductSortField
from storefront_api.core.enums import api_enum, api_enum_of_names
from storefront_api.core.errors import ApiError
from storefront_api.core.ids import decode_id, decode_ids
from storefront_api.core.types import OrderDirection


class PriceRangeInput(graphene.InputObjectType):
    gte = graphene.Float()
    lte = graphene.Float()


class StringFilterInput(graphene.InputObjectType):
    eq = graphene.String()
    one_of = graphene.List(graphene.NonNull(graphene.String))


class GlobalIDFilterInput(graphene.InputObjectType):
    eq = graphene.ID()
    one_of = graphene.List(graphene.NonNull(graphene.ID))


class DecimalRangeInput(graphene.InputObjectType):
    gte = graphene.Decimal()
    lte = graphene.Decimal()


class DecimalFilterInput(graphene.InputObjectType):
    eq = graphene.Decimal()
    one_of = graphene.List(graphene.NonNull(graphene.Decimal))
    range = graphene.Field(DecimalRangeInput)


StockAvailability = api_enum_of_names("StockAvailability", ("IN_STOCK", "OUT_OF_STOCK"))


class ProductFilterInput(graphene.InputObjectType):
    is_published = graphene.Boolean()
    collections = graphene.List(graphene.NonNull(graphene.ID))
    categories = graphene.List(graphene.NonNull(graphene.ID))
    has_category = graphene.Boolean()
    stock_availability = graphene.Field(StockAvailability)
    search = graphene.String()
    is_available = graphene.Boolean()
    price = graphene.Field(PriceRangeInput)
    minimal_price = graphene.Field(PriceRangeInput)
    product_types = graphene.List(graphene.NonNull(graphene.ID))
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))
    channel = graphene.String(deprecation_reason="Use root-level channel argument instead.")
    # Ruralmart extensions (all optional).
    shops = graphene.List(graphene.NonNull(graphene.ID), description="Global IDs of shops.")
    villages = graphene.List(graphene.NonNull(graphene.ID), description="Global IDs of villages.")
    townships = graphene.List(graphene.NonNull(graphene.ID), description="Global IDs of townships.")
    counties = graphene.List(graphene.NonNull(graphene.ID), description="Global IDs of counties.")
    offering_kinds = graphene.List(
        graphene.NonNull("storefront_api.catalog.types.OfferingKindEnum")
    )
    certified = graphene.Boolean(description="Holds a certification valid today.")


class ProductWhereInput(graphene.InputObjectType):
    ids = graphene.List(graphene.NonNull(graphene.ID))
    name = graphene.Field(StringFilterInput)
    slug = graphene.Field(StringFilterInput)
    product_type = graphene.Field(GlobalIDFilterInput)
    category = graphene.Field(GlobalIDFilterInput)
    collection = graphene.Field(GlobalIDFilterInput)
    is_available = graphene.Boolean()
    is_published = graphene.Boolean()
    has_category = graphene.Boolean()
    price = graphene.Field(DecimalFilterInput)
    minimal_price = graphene.Field(DecimalFilterInput)
    stock_availability = graphene.Field(StockAvailability)
    AND = graphene.List(graphene.NonNull(lambda: ProductWhereInput), name="AND")
    OR = graphene.List(graphene.NonNull(lambda: ProductWhereInput), name="OR")


ProductOrderField = api_enum(
    "ProductOrderField",
    [
        ("NAME", "name"),
        ("RANK", "rank"),
        ("PRICE", "price"),
        ("MINIMAL_PRICE", "minimal_price"),
        ("LAST_MODIFIED", "last_modified"),
        ("DATE", "date"),
        ("PUBLISHED", "published"),
        ("PUBLICATION_DATE", "publication_date"),
        ("PUBLISHED_AT", "published_at"),
        ("LAST_MODIFIED_AT", "last_modified_at"),
        ("RATING", "rating"),
        ("CREATED_AT", "created_at"),
    ],
)


class ProductOrder(graphene.InputObjectType):
    # InputField: a required input field must be refused when missing, not defaulted to null.
    direction = graphene.InputField(OrderDirection, required=True)
    channel = graphene.String(deprecation_reason="Use root-level channel argument instead.")
    attribute_id = graphene.ID()
    field = graphene.Field(ProductOrderField)


_SORT_FIELDS = {
    "name": ProductSortField.NAME,
    "rank": ProductSortField.RANK,
    "price": ProductSortField.PRICE,
    "minimal_price": ProductSortField.MINIMAL_PRICE,
    "last_modified": ProductSortField.LAST_MODIFIED_AT,
    "last_modified_at": ProductSortField.LAST_MODIFIED_AT,
    "date": ProductSortField.LAST_MODIFIED_AT,
    "published": ProductSortField.PUBLISHED_AT,
    "publication_date": ProductSortField.PUBLISHED_AT,
    "published_at": ProductSortField.PUBLISHED_AT,
    "rating": ProductSortField.RATING,
    "created_at": ProductSortField.CREATED_AT,
}


def parse_sort(sort_by: Any) -> tuple[ProductSortField | None, bool]:
    if not sort_by:
        return None, False
    if sort_by.get("attribute_id"):
        raise ApiError(
            "Sorting by attribute is not supported.", code="GRAPHQL_ERROR", field="sortBy"
        )
    field = sort_by.get("field")
    descending = str(sort_by.get("direction")).lower().endswith("desc")
    return (
        _SORT_FIELDS[str(field).split(".")[-1].lower()] if field else ProductSortField.NAME
    ), descending


# Prices are stored as numeric(12, 2); a bound beyond that cannot be compared with them.
_AMOUNT_LIMIT = Decimal("1e10")


def _amount(value: Any, field: str) -> Decimal:
    # GraphQL's Decimal and Float accept NaN, Infinity and 1e999999; none is a price.
    amount = Decimal(str(value))
    if not amount.is_finite() or abs(amount) >= _AMOUNT_LIMIT:
        raise ApiError(
            f"{value} is not a price: use a finite amount below {_AMOUNT_LIMIT:,.0f}.",
            code="GRAPHQL_ERROR",
            field=field,
        )
    return amount


def _range(value: Any, field: str) -> PriceRange | None:
    if value is None:
        return None
    gte, lte = value.get("gte"), value.get("lte")
    return PriceRange(
        gte=None if gte is None else _amount(gte, field),
        lte=None if lte is None else _amount(lte, field),
    )


def _stock(value: Any) -> bool | None:
    if value is None:
        return None
    return str(value).split(".")[-1] == "IN_STOCK"


def parse_filter(value: Any) -> ProductFilters:
    if not value:
        return ProductFilters()
    return ProductFilters(
        search=value.get("search"),
        ids=decode_ids(value.get("ids"), expected_type="Product", field="ids"),
        slugs=value.get("slugs"),
        categories=decode_ids(
            value.get("categories"), expected_type="Category", field="categories"
        ),
        collections=decode_ids(
            value.get("collections"), expected_type="Collection", field="collections"
        ),
        product_types=decode_ids(
            value.get("product_types"), expected_type="ProductType", field="productTypes"
        ),
        shops=decode_ids(value.get("shops"), expected_type="Shop", field="shops"),
        villages=decode_ids(value.get("villages"), expected_type="Village", field="villages"),
        townships=decode_ids(value.get("townships"), expected_type="Township", field="townships"),
        counties=decode_ids(value.get("counties"), expected_type="County", field="counties"),
        offering_kinds=[str(k.value if hasattr(k, "value") else k) for k in value["offering_kinds"]]
        if value.get("offering_kinds") is not None
        else None,
        certified=value.get("certified"),
        is_available=value.get("is_available"),
        in_stock=_stock(value.get("stock_availability")),
        has_category=value.get("has_category"),
        price=_range(value.get("price"), "price"),
        minimal_price=_range(value.get("minimal_price"), "minimalPrice"),
    )


def _string_filter(value: Any) -> list[str] | None:
    if value is None:
        return None
    if value.get("eq") is not None:
        return [value["eq"]]
    return list(value.get("one_of") or [])


def _id_filter(value: Any, expected_type: str, field: str) -> list[int] | None:
    if value is None:
        return None
    if value.get("eq") is not None:
        return [decode_id(value["eq"], expected_type=expected_type, field=field)]
    return decode_ids(list(value.get("one_of") or []), expected_type=expected_type, field=field)


def _decimal_filter(value: Any, field: str) -> PriceRange | None:
    if value is None:
        return None
    if value.get("eq") is not None:
        amount = _amount(value["eq"], field)
        return PriceRange(gte=amount, lte=amount)
    if value.get("range") is not None:
        return _range(value["range"], field)
    if value.get("one_of"):
        amounts = sorted(_amount(v, field) for v in value["one_of"])
        return PriceRange(gte=amounts[0], lte=amounts[-1])
    return None


def parse_where(value: Any) -> ProductFilters:
    if not value:
        return ProductFilters()
    return ProductFilters(
        ids=decode_ids(value.get("ids"), expected_type="Product", field="ids"),
        names=_string_filter(value.get("name")),
        slugs=_string_filter(value.get("slug")),
        product_types=_id_filter(value.get("product_type"), "ProductType", "productType"),
        categories=_id_filter(value.get("category"), "Category", "category"),
        collections=_id_filter(value.get("collection"), "Collection", "collection"),
        is_available=value.get("is_available"),
        has_category=value.get("has_category"),
        in_stock=_stock(value.get("stock_availability")),
        price=_decimal_filter(value.get("price"), "price"),
        minimal_price=_decimal_filter(value.get("minimal_price"), "minimalPrice"),
        all_of=tuple(parse_where(sub) for sub in value.get("AND") or ()),
        any_of=tuple(parse_where(sub) for sub in value.get("OR") or ()),
    )
