"""Shared Saleor value types: money, images, weights, metadata."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene
from django.conf import settings

from storefront_api.core.enum_values import COUNTRY_CODES, LANGUAGE_CODES, MEASUREMENT_UNITS
from storefront_api.core.enums import api_enum, api_enum_of_names

LanguageCodeEnum = api_enum_of_names("LanguageCodeEnum", LANGUAGE_CODES)
CountryCode = api_enum_of_names("CountryCode", COUNTRY_CODES)
MeasurementUnitsEnum = api_enum_of_names("MeasurementUnitsEnum", MEASUREMENT_UNITS)


class LanguageDisplay(graphene.ObjectType):
    code = graphene.Field(LanguageCodeEnum, required=True, description="ISO 639 language code.")
    language = graphene.String(required=True, description="The language's name.")


VariantAttributeScope = api_enum(
    "VariantAttributeScope",
    [
        ("ALL", "all"),
        ("VARIANT_SELECTION", "variant_selection"),
        ("NOT_VARIANT_SELECTION", "not_variant_selection"),
    ],
)


class PositiveInt(graphene.Int):
    """Saleor's PositiveInt: an Int that must be ≥ 1."""

    @staticmethod
    def parse_literal(ast: Any, _variables: Any = None) -> int | None:
        value = graphene.Int.parse_literal(ast)
        if value is None or value < 1:
            return None  # graphql-core reports an invalid literal
        return value

    @staticmethod
    def parse_value(value: Any) -> int:
        number = graphene.Int.parse_value(value)
        if number is None or number < 1:
            raise ValueError(f"PositiveInt cannot represent {value!r}.")
        return number


OrderDirection = api_enum(
    "OrderDirection",
    [
        ("ASC", "asc"),
        ("DESC", "desc"),
    ],
)


ThumbnailFormatEnum = api_enum(
    "ThumbnailFormatEnum",
    [
        ("ORIGINAL", "original"),
        ("AVIF", "avif"),
        ("WEBP", "webp"),
    ],
)


WeightUnitsEnum = api_enum(
    "WeightUnitsEnum",
    [
        ("G", "g"),
        ("LB", "lb"),
        ("OZ", "oz"),
        ("KG", "kg"),
        ("TONNE", "tonne"),
    ],
)


class Money(graphene.ObjectType):
    currency = graphene.String(required=True, description="Currency code.")
    amount = graphene.Float(required=True, description="Amount of money.")
    fractional_amount = graphene.Int(required=True)
    fraction_digits = graphene.Int(required=True)

    @staticmethod
    def of(amount: Decimal, currency: str) -> dict[str, Any]:
        # Plain dicts (resolved by graphene's default resolver) cost a fraction of
        # ObjectType instances, and a product page builds hundreds of these.
        return {
            "currency": currency,
            "amount": float(amount),
            "fractional_amount": int(amount * 100),
            "fraction_digits": 2,
        }


class TaxedMoney(graphene.ObjectType):
    currency = graphene.String(required=True)
    gross = graphene.Field(Money, required=True)
    net = graphene.Field(Money, required=True)
    tax = graphene.Field(Money, required=True)

    @staticmethod
    def of(amount: Decimal, currency: str) -> dict[str, Any]:
        # Listed prices are what the buyer pays; VAT is not itemised for village sellers.
        money = Money.of(amount, currency)
        return {
            "currency": currency,
            "gross": money,
            "net": money,
            "tax": Money.of(Decimal("0.00"), currency),
        }


ZERO = Decimal("0.00")


def as_money(amount: Decimal | None, currency: str) -> dict[str, Any]:
    """`Money` for an amount the domain may leave unset (no discount, no shipping): zero."""
    return Money.of(amount if amount is not None else ZERO, currency)


def as_taxed_money(amount: Decimal | None, currency: str) -> dict[str, Any]:
    return TaxedMoney.of(amount if amount is not None else ZERO, currency)


class TaxedMoneyRange(graphene.ObjectType):
    start = graphene.Field(TaxedMoney)
    stop = graphene.Field(TaxedMoney)


class Image(graphene.ObjectType):
    url = graphene.String(required=True, description="The URL of the image.")
    alt = graphene.String(description="Alt text for an image.")


class Weight(graphene.ObjectType):
    unit = graphene.Field(WeightUnitsEnum, required=True)
    value = graphene.Float(required=True)

    @staticmethod
    def from_grams(grams: int | None) -> Weight | None:
        return None if grams is None else Weight(unit=WeightUnitsEnum.G, value=float(grams))


class CountryDisplay(graphene.ObjectType):
    code = graphene.String(required=True)
    country = graphene.String(required=True)


class MetadataItem(graphene.ObjectType):
    key = graphene.String(required=True)
    value = graphene.String(required=True)


class Metadata(graphene.JSONString):
    """Saleor's Metadata scalar: a JSON object of string keys and values."""


def _empty_list(root: Any, info: Any, **_: Any) -> list[Any]:
    return []


def _nothing(root: Any, info: Any, **_: Any) -> None:
    return None


def _stored(root: Any) -> dict[str, str]:
    # The rows that keep public metadata (checkouts, users) hold it in a `metadata` JSON
    # object (`marketplace.core.metadata`); every other object has none.
    stored = getattr(root, "metadata", None)
    return stored if isinstance(stored, dict) else {}


def _metadata_items(root: Any, info: Any, **_: Any) -> list[MetadataItem]:
    return [MetadataItem(key=key, value=value) for key, value in sorted(_stored(root).items())]


def _metafield(root: Any, info: Any, key: str) -> str | None:
    return _stored(root).get(key)


def _metafields(root: Any, info: Any, keys: list[str] | None = None) -> dict[str, str]:
    stored = _stored(root)
    return stored if keys is None else {k: stored[k] for k in keys if k in stored}


class ObjectWithMetadata(graphene.Interface):
    """Saleor's metadata interface. Public metadata is what the object keeps (checkouts and
    users, written through `updateMetadata`; empty elsewhere); private metadata is withheld
    (null) from every storefront caller. The resolvers ride on the fields because graphene
    does not inherit interface resolvers."""

    private_metadata = graphene.List(
        graphene.NonNull(MetadataItem), required=True, resolver=_empty_list
    )
    private_metafield = graphene.String(key=graphene.String(required=True), resolver=_nothing)
    private_metafields = graphene.Field(
        Metadata, keys=graphene.List(graphene.NonNull(graphene.String)), resolver=_nothing
    )
    metadata = graphene.List(
        graphene.NonNull(MetadataItem), required=True, resolver=_metadata_items
    )
    metafield = graphene.String(key=graphene.String(required=True), resolver=_metafield)
    metafields = graphene.Field(
        Metadata, keys=graphene.List(graphene.NonNull(graphene.String)), resolver=_metafields
    )


def absolute_media_url(info: Any, name: str) -> str:
    return info.context.build_absolute_uri(settings.MEDIA_URL + name)
