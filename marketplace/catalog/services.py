"""Writes to the catalog. Every write that changes what a product is called, where it sits
or what it is labelled refreshes its search document in the same transaction; a rename of a
shared thing (category, shop) marks its products dirty for the background refresh."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.base import File
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_manage_shop, role_scopes
from marketplace.activity.services import activity_record_update
from marketplace.catalog import search
from marketplace.catalog.error_codes import ProductErrorCode
from marketplace.catalog.models import (
    VARIANT_MAX_SIDE_CM,
    VARIANT_MAX_WEIGHT_GRAMS,
    BeneficiaryKind,
    Category,
    Certification,
    OfferingKind,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductType,
    ProductVariant,
    ProductVariantChannelListing,
    TraceBatch,
)
from marketplace.catalog.tasks import generate_thumbnails, refresh_dirty_search_documents
from marketplace.channels.models import Channel
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.organisations.models import Household, Shop

_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    OfferingKind.PRODUCE: ("weight_grams", "shelf_life_days", "storage", "harvest_season"),
    OfferingKind.GOODS: ("weight_grams",),
    OfferingKind.HOMESTAY: ("rooms", "nightly_capacity"),
    OfferingKind.EXPERIENCE: ("seats_per_date",),
}
_ALL_KIND_FIELDS = {f for fields in _KIND_FIELDS.values() for f in fields}


def editorjs_from_text(text: str) -> dict[str, Any]:
    """Wrap plain paragraphs as EditorJS JSON, the description format Saleor clients render."""
    blocks = [
        {"id": secrets.token_hex(5), "type": "paragraph", "data": {"text": para.strip()}}
        for para in text.split("\n")
        if para.strip()
    ]
    return {"time": 0, "blocks": blocks, "version": "2.24.3"}


def editorjs_to_text(description: Mapping[str, Any] | None) -> str:
    if not description:
        return ""
    return "\n".join(
        str(block.get("data", {}).get("text", ""))
        for block in description.get("blocks", [])
        if isinstance(block, dict)
    )


def _ensure_can_manage(actor: User | None, shop: Shop) -> None:
    if not can_manage_shop(user=actor, shop=shop):
        raise PermissionRefused(f"You may not change the catalog of {shop}.")


def product_check_kind_fields(offering_kind: str, details: Mapping[str, Any]) -> None:
    if offering_kind not in OfferingKind.values:
        raise refuse(
            "offering_kind", f"Unknown offering kind '{offering_kind}'.", ProductErrorCode.INVALID
        )
    foreign = {k for k, v in details.items() if v not in (None, "")} - set(
        _KIND_FIELDS[offering_kind]
    )
    if foreign:
        raise refuse(
            sorted(foreign)[0],
            f"{', '.join(sorted(foreign))} do not apply to a {offering_kind.lower()} offering.",
            ProductErrorCode.INVALID,
        )
    required_by_kind: dict[str, tuple[str, ...]] = {
        OfferingKind.PRODUCE: ("shelf_life_days", "storage"),
        OfferingKind.HOMESTAY: ("rooms", "nightly_capacity"),
        OfferingKind.EXPERIENCE: ("seats_per_date",),
    }
    required = required_by_kind.get(offering_kind, ())
    for field in required:
        if details.get(field) in (None, ""):
            raise refuse(
                field,
                f"A {offering_kind.lower()} offering needs {field}.",
                ProductErrorCode.REQUIRED,
            )


@transaction.atomic
def product_create(
    *,
    actor: User | None,
    shop: Shop,
    product_type: ProductType,
    name: str,
    slug: str,
    offering_kind: str,
    category: Category | None = None,
    description: str | Mapping[str, Any] = "",
    details: Mapping[str, Any] | None = None,
    rating: float | None = None,
) -> Product:
    """Create a product of `shop`. `details` holds the offering kind's own fields."""
    _ensure_can_manage(actor, shop)
    details = dict(details or {})
    product_check_kind_fields(offering_kind, details)
    if not name.strip():
        raise refuse("name", "A product needs a name.", ProductErrorCode.REQUIRED)
    if Product.objects.filter(slug=slug).exists():
        raise refuse("slug", f"The slug '{slug}' is taken.", ProductErrorCode.UNIQUE)
    description_json = (
        editorjs_from_text(description) if isinstance(description, str) else dict(description)
    )
    product = Product.objects.create(
        shop=shop,
        product_type=product_type,
        category=category,
        name=name.strip(),
        slug=slug,
        offering_kind=offering_kind,
        description=description_json,
        description_plaintext=editorjs_to_text(description_json),
        rating=rating,
        **{
            field: details.get(field)
            for field in _ALL_KIND_FIELDS
            if field != "storage" and field != "harvest_season"
        },
        storage=details.get("storage") or "",
        harvest_season=details.get("harvest_season") or "",
    )
    products_refresh_search_document(product_ids=[product.pk])
    return product


_EDITABLE_FIELDS = {
    "name",
    "category",
    "description",
    "seo_title",
    "seo_description",
    "rating",
} | _ALL_KIND_FIELDS


@transaction.atomic
def product_update(*, actor: User | None, product: Product, changes: Mapping[str, Any]) -> Product:
    _ensure_can_manage(actor, product.shop)
    unknown = set(changes) - _EDITABLE_FIELDS
    if unknown:
        raise refuse(
            sorted(unknown)[0],
            f"Cannot change {', '.join(sorted(unknown))}.",
            ProductErrorCode.INVALID,
        )
    locked = Product.objects.select_for_update().get(pk=product.pk)
    kind_details = {f: changes.get(f, getattr(locked, f)) for f in _ALL_KIND_FIELDS}
    product_check_kind_fields(locked.offering_kind, kind_details)
    for field, value in changes.items():
        if field == "description":
            value = editorjs_from_text(value) if isinstance(value, str) else value
            locked.description_plaintext = editorjs_to_text(value)
        setattr(
            locked,
            field,
            value if value is not None or field not in ("storage", "harvest_season") else "",
        )
    if "name" in changes and not locked.name.strip():
        raise refuse("name", "A product needs a name.", ProductErrorCode.REQUIRED)
    locked.save()
    products_refresh_search_document(product_ids=[locked.pk])
    activity_record_update(user_id=actor.pk if actor else None)
    return locked


def _check_beneficiary(product: Product, household: Household | None) -> None:
    if household is not None and household.village_id != product.shop.village_id:
        raise refuse(
            "beneficiary_household",
            f"Household {household.reference} is not in {product.shop.village.name}; a shop "
            "consigns goods only for households of its own village.",
            ProductErrorCode.INVALID,
        )


@transaction.atomic
def variant_create(
    *,
    actor: User | None,
    product: Product,
    sku: str,
    name: str = "",
    prices: Mapping[Channel, Decimal] | None = None,
    beneficiary_household: Household | None = None,
    weight_grams: int | None = None,
    size_cm: tuple[Decimal, Decimal, Decimal] | None = None,
    track_inventory: bool | None = None,
    quantity_limit_per_customer: int | None = None,
    sort_order: int = 0,
) -> ProductVariant:
    """Create a variant; a `beneficiary_household` makes it a consignment for that household.
    `size_cm` is the packed length, width and height, for volumetric delivery weight."""
    _ensure_can_manage(actor, product.shop)
    size = variant_check_parcel(weight_grams=weight_grams, size_cm=size_cm)
    if not sku.strip():
        raise refuse("sku", "A variant needs a SKU.", ProductErrorCode.REQUIRED)
    if ProductVariant.objects.filter(sku=sku).exists():
        raise refuse("sku", f"The SKU '{sku}' is taken.", ProductErrorCode.UNIQUE)
    _check_beneficiary(product, beneficiary_household)
    variant = ProductVariant.objects.create(
        product=product,
        sku=sku.strip(),
        name=name,
        sort_order=sort_order,
        weight_grams=weight_grams,
        length_cm=size[0],
        width_cm=size[1],
        height_cm=size[2],
        # Tourism capacity is kept by the booking calendar, not by warehouse stock.
        track_inventory=(not product.is_tourism) if track_inventory is None else track_inventory,
        quantity_limit_per_customer=quantity_limit_per_customer,
        beneficiary_kind=BeneficiaryKind.HOUSEHOLD
        if beneficiary_household
        else BeneficiaryKind.COLLECTIVE,
        beneficiary_household=beneficiary_household,
    )
    for channel, price in (prices or {}).items():
        _set_variant_price(variant=variant, channel=channel, price=price)
    if prices:
        products_update_price_range(product_ids=[product.pk])
    return variant


def variant_check_parcel(
    *, weight_grams: int | None, size_cm: tuple[Decimal, Decimal, Decimal] | None
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Refuse a weight or size no express parcel has (the same bounds as the database's
    CHECKs, told as a coded error instead of an IntegrityError); the size as three values."""
    if weight_grams is not None and not 0 < weight_grams <= VARIANT_MAX_WEIGHT_GRAMS:
        raise refuse(
            "weight",
            f"A weight of {weight_grams} g is not a parcel's "
            f"(more than 0, at most {VARIANT_MAX_WEIGHT_GRAMS} g).",
            ProductErrorCode.INVALID,
        )
    if size_cm is None:
        return (None, None, None)
    sides = tuple(Decimal(side) for side in size_cm)
    if len(sides) != 3 or not all(
        0 < side <= VARIANT_MAX_SIDE_CM and side == side.quantize(Decimal("0.1")) for side in sides
    ):
        raise refuse(
            "size",
            f"Each side is more than 0 and at most {VARIANT_MAX_SIDE_CM} cm, "
            "to a tenth of a centimetre.",
            ProductErrorCode.INVALID,
        )
    return (sides[0], sides[1], sides[2])


@transaction.atomic
def variant_set_parcel(
    *,
    actor: User | None,
    variant: ProductVariant,
    weight_grams: int | None,
    size_cm: tuple[Decimal, Decimal, Decimal] | None,
) -> ProductVariant:
    """Set what a variant weighs and measures packed (None clears either)."""
    _ensure_can_manage(actor, variant.product.shop)
    size = variant_check_parcel(weight_grams=weight_grams, size_cm=size_cm)
    variant.weight_grams = weight_grams
    variant.length_cm, variant.width_cm, variant.height_cm = size
    variant.save(update_fields=["weight_grams", "length_cm", "width_cm", "height_cm", "updated_at"])
    return variant


def _set_variant_price(*, variant: ProductVariant, channel: Channel, price: Decimal) -> None:
    price = Decimal(price)
    if price < 0 or price != price.quantize(Decimal("0.01")):
        raise refuse(
            "price",
            f"{price} is not a valid price in yuan (≥ 0, two decimals).",
            ProductErrorCode.INVALID_PRICE,
        )
    ProductVariantChannelListing.objects.update_or_create(
        variant=variant,
        channel=channel,
        defaults={"price_amount": price, "currency": channel.currency_code},
    )


@transaction.atomic
def variant_set_price(
    *, actor: User | None, variant: ProductVariant, channel: Channel, price: Decimal
) -> None:
    _ensure_can_manage(actor, variant.product.shop)
    _set_variant_price(variant=variant, channel=channel, price=price)
    products_update_price_range(product_ids=[variant.product_id])
    activity_record_update(user_id=actor.pk if actor else None)


@transaction.atomic
def product_channel_listing_update(
    *,
    actor: User | None,
    product: Product,
    channel: Channel,
    is_published: bool,
    visible_in_listings: bool = True,
) -> ProductChannelListing:
    _ensure_can_manage(actor, product.shop)
    listing, _ = ProductChannelListing.objects.get_or_create(product=product, channel=channel)
    listing.is_published = is_published
    listing.visible_in_listings = visible_in_listings
    if is_published and listing.published_at is None:
        listing.published_at = timezone.now()
    if is_published and listing.available_for_purchase_at is None:
        listing.available_for_purchase_at = listing.published_at
    listing.save()
    products_update_price_range(product_ids=[product.pk])
    return listing


def products_update_price_range(*, product_ids: Iterable[int]) -> None:
    """Recompute each product listing's cached min/max variant price in its channel."""
    ids = list(product_ids)
    ranges = {
        (row["variant__product_id"], row["channel_id"]): (row["low"], row["high"])
        for row in ProductVariantChannelListing.objects.filter(variant__product_id__in=ids)
        .values("variant__product_id", "channel_id")
        .annotate(low=Min("price_amount"), high=Max("price_amount"))
    }
    listings = list(ProductChannelListing.objects.filter(product_id__in=ids))
    for listing in listings:
        listing.min_price_amount, listing.max_price_amount = ranges.get(
            (listing.product_id, listing.channel_id), (None, None)
        )
    ProductChannelListing.objects.bulk_update(listings, ["min_price_amount", "max_price_amount"])


def products_refresh_search_document(*, product_ids: Iterable[int]) -> int:
    """Rebuild the search documents of these products from their current data."""
    products = (
        Product.objects.filter(pk__in=list(product_ids))
        .select_related("category", "product_type", "shop__village__township__county")
        .prefetch_related("certifications", "attribute_values__value")
    )
    rows = []
    for product in products:
        village = product.shop.village
        context = [
            product.category.name if product.category else "",
            product.product_type.name,
            product.shop.name,
            village.name,
            village.township.name,
            village.township.county.name,
        ]
        labels = [OfferingKind(product.offering_kind).label]
        labels += [c.get_kind_display() for c in product.certifications.all()]
        labels += [av.value.name for av in product.attribute_values.all()]
        parts = search.document_parts(
            name=product.name, context=context, labels=labels, body=product.description_plaintext
        )
        rows.append((product.pk, parts))
    search.write_documents(rows)
    return len(rows)


def products_mark_search_dirty(*, product_ids: Iterable[int] | None = None, **filters: Any) -> None:
    """Flag products whose document is stale and refresh them in the background."""
    queryset = (
        Product.objects.filter(**filters)
        if product_ids is None
        else Product.objects.filter(pk__in=list(product_ids))
    )
    queryset.update(search_index_dirty=True)
    transaction.on_commit(refresh_dirty_search_documents.delay)


@transaction.atomic
def category_rename(*, actor: User | None, category: Category, name: str) -> Category:
    if not role_scopes(actor).is_platform_admin:
        raise PermissionRefused("Only a platform admin may change the category tree.")
    category.name = name
    category.save(update_fields=["name", "updated_at"])
    products_mark_search_dirty(category=category)
    return category


def category_create(
    *, name: str, slug: str, parent: Category | None = None, description: str = ""
) -> Category:
    return Category.objects.create(
        name=name,
        slug=slug,
        parent=parent,
        level=0 if parent is None else parent.level + 1,
        description=editorjs_from_text(description) if description else None,
    )


@transaction.atomic
def certification_add(
    *,
    actor: User | None,
    product: Product,
    kind: str,
    number: str,
    issuer: str,
    valid_from: date,
    valid_until: date,
) -> Certification:
    _ensure_can_manage(actor, product.shop)
    if valid_until < valid_from:
        raise refuse(
            "valid_until", "A certificate cannot expire before it starts.", ProductErrorCode.INVALID
        )
    certification = Certification.objects.create(
        product=product,
        kind=kind,
        number=number,
        issuer=issuer,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    products_refresh_search_document(product_ids=[product.pk])
    return certification


def _new_trace_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and typed
    return "TR-" + "".join(secrets.choice(alphabet) for _ in range(10))


@transaction.atomic
def trace_batch_create(
    *,
    actor: User | None,
    product: Product,
    harvest_date: date,
    plot: str,
    household: Household | None = None,
    quantity_kg: Decimal | None = None,
    inspection_results: list[dict[str, Any]] | None = None,
    code: str | None = None,
) -> TraceBatch:
    """Record a harvest batch. The batch's village is the shop's; its household must live there."""
    _ensure_can_manage(actor, product.shop)
    if household is not None and household.village_id != product.shop.village_id:
        raise refuse(
            "household",
            "The household must belong to the shop's village.",
            ProductErrorCode.INVALID,
        )
    if not plot.strip():
        raise refuse("plot", "A trace batch names its plot.", ProductErrorCode.REQUIRED)
    return TraceBatch.objects.create(
        product=product,
        code=code or _new_trace_code(),
        harvest_date=harvest_date,
        plot=plot.strip(),
        household=household,
        village_id=product.shop.village_id,
        quantity_kg=quantity_kg,
        inspection_results=inspection_results or [],
    )


@transaction.atomic
def product_media_add(
    *, actor: User | None, product: Product, image: File, alt: str = ""
) -> ProductMedia:
    """Attach an image; thumbnails are made in the background after commit."""
    _ensure_can_manage(actor, product.shop)
    media = ProductMedia(product=product, alt=alt, sort_order=product.media.count())
    media.image.save(image.name or f"{product.slug}.jpg", image, save=False)
    media.save()
    transaction.on_commit(lambda: generate_thumbnails.delay(media.pk))
    return media
