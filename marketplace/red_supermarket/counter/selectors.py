"""Reads for the counter: goods by barcode, by name (the catalogue's Chinese search) and by
quick key, each with its counter price and what the supermarket's warehouse has free; the
open till shift; receipts; the village's households a sale may name as its member."""

from __future__ import annotations

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from marketplace.accounts.models import User
from marketplace.catalog import search
from marketplace.catalog.models import ProductVariant, ProductVariantChannelListing
from marketplace.core.errors import refuse
from marketplace.inventory.models import Stock
from marketplace.organisations.models import Household
from marketplace.red_supermarket.barcodes import ean13_clean
from marketplace.red_supermarket.counter.error_codes import CounterErrorCode
from marketplace.red_supermarket.counter.services import counter_channel_slug
from marketplace.red_supermarket.models import (
    CounterSale,
    QuickKey,
    Receipt,
    RedSupermarket,
    TillShift,
    TillShiftStatus,
)
from marketplace.red_supermarket.selectors import supermarkets_visible_to

SEARCH_LIMIT = 20


def counter_items(*, supermarket: RedSupermarket) -> QuerySet[ProductVariant]:
    """The shop's variants priced in the counter channel, annotated with `counter_price`
    and `counter_available` (free units in the supermarket's warehouse, for display; the
    sale re-checks under lock)."""
    price = ProductVariantChannelListing.objects.filter(
        variant=OuterRef("pk"), channel__slug=counter_channel_slug()
    ).values("price_amount")[:1]
    free = (
        Stock.objects.filter(warehouse_id=supermarket.warehouse_id, product_variant=OuterRef("pk"))
        .annotate(free=F("quantity") - F("quantity_allocated"))
        .values("free")[:1]
    )
    return (
        ProductVariant.objects.filter(product__shop_id=supermarket.shop_id)
        .select_related("product")
        .defer("product__search_vector")
        .annotate(
            counter_price=Subquery(price),
            counter_available=Coalesce(Subquery(free), Value(0), output_field=IntegerField()),
        )
        .filter(counter_price__isnull=False)
        .order_by("product__name", "sort_order", "pk")
    )


def counter_item_by_barcode(*, supermarket: RedSupermarket, barcode: str) -> ProductVariant:
    code = ean13_clean(barcode)
    variant = counter_items(supermarket=supermarket).filter(barcode=code).first()
    if variant is None:
        raise refuse(
            "barcode", f"{code}: 本店没有这件商品 / not sold here.", CounterErrorCode.UNKNOWN_ITEM
        )
    return variant


def counter_items_search(*, supermarket: RedSupermarket, text: str) -> list[ProductVariant]:
    query = search.build_query(text.strip()[:64])
    if query is None:
        raise refuse("search", "输入商品名称 / type a name to search.", CounterErrorCode.REQUIRED)
    return list(
        counter_items(supermarket=supermarket).filter(product__search_vector=query)[:SEARCH_LIMIT]
    )


def counter_quick_keys(*, supermarket: RedSupermarket) -> list[tuple[QuickKey, ProductVariant]]:
    """The grid in position order, each key with its priced variant (unpriced keys left out)."""
    keys = list(QuickKey.objects.filter(supermarket=supermarket).order_by("position"))
    variants = {
        v.pk: v
        for v in counter_items(supermarket=supermarket).filter(pk__in=[k.variant_id for k in keys])
    }
    return [(k, variants[k.variant_id]) for k in keys if k.variant_id in variants]


def till_shift_open_at(*, supermarket: RedSupermarket) -> TillShift | None:
    return TillShift.objects.filter(supermarket=supermarket, status=TillShiftStatus.OPEN).first()


def receipts_of(*, supermarket: RedSupermarket) -> QuerySet[Receipt]:
    return Receipt.objects.filter(supermarket=supermarket).order_by("-issued_at", "-pk")


def receipt_by_number(*, number: str) -> Receipt | None:
    return (
        Receipt.objects.select_related("supermarket__shop__village", "operator")
        .filter(number=number.strip())
        .first()
    )


def counter_sale_get(*, sale_id: int) -> CounterSale | None:
    return (
        CounterSale.objects.select_related("supermarket__shop__village", "operator")
        .filter(pk=sale_id)
        .first()
    )


def counter_sales_visible_to(*, user: User | None) -> QuerySet[CounterSale]:
    """The counter sales of every supermarket `user` may read, newest first."""
    return CounterSale.objects.filter(
        supermarket__in=supermarkets_visible_to(user=user).values("pk")
    ).order_by("-created_at", "-pk")


def till_shifts_visible_to(*, user: User | None) -> QuerySet[TillShift]:
    """The till shifts (open and closed) of every supermarket `user` may read, newest first."""
    return TillShift.objects.filter(
        supermarket__in=supermarkets_visible_to(user=user).values("pk")
    ).order_by("-opened_at", "-pk")


MEMBER_SEARCH_MAX = 32


def counter_members(*, supermarket: RedSupermarket, search: str = "") -> QuerySet[Household]:
    """Households of the supermarket's village, for the sale's member picker.

    The search matches only what the operator sees anyway on a masked household, so it
    cannot be used to probe for personal data: 4 digits are the phone's last four (shown
    by the masked phone) or a part of the public household reference, one Chinese
    character the family name (shown by the masked name), anything else a part of the
    reference."""
    rows = Household.objects.filter(village_id=supermarket.shop.village_id)
    text = search.strip()[:MEMBER_SEARCH_MAX]
    if not text:
        return rows.order_by("reference")
    if len(text) == 4 and text.isdigit():
        rows = rows.filter(Q(phone__endswith=text) | Q(reference__icontains=text))
    elif len(text) == 1 and not text.isascii():
        rows = rows.filter(head_name__startswith=text)
    else:
        rows = rows.filter(reference__icontains=text)
    return rows.order_by("reference")
