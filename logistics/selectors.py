"""Reads for delivery pricing: where an address is (as a division code) and what each of a
checkout's delivery methods charges to get one shop's lines there.

`delivery_quotes` is the one entry point checkout uses. It costs one SQL
statement whatever the number of shops, lines or methods (placing the address, matching
each shop's zone by longest prefix, and reading methods, free-delivery terms and rates,
together). Lines come in already loaded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from logistics.error_codes import DeliveryErrorCode
from logistics.models import (
    DeliveryMethod,
    DeliveryRate,
    ShippingZone,
    ShippingZonePrefix,
    ShopShippingPolicy,
)
from logistics.pricing import ZERO, ParcelItem, chargeable_grams, rate_price
from logistics.zones import is_division_code
from marketplace.accounts.addresses import rules_for
from marketplace.divisions.models import City, County, Province, Township, Village

# One statement: every level the address names, joined down from its province, and the
# deepest one found wins. Township and village names are looked for inside the street line,
# where the address book keeps them.
_PLACE_SQL = """
SELECT code FROM (
    SELECT p.code FROM {province} p WHERE p.name = %(province)s
    UNION ALL
    SELECT c.code FROM {city} c JOIN {province} p ON p.id = c.province_id
     WHERE p.name = %(province)s AND c.name = %(city)s
    UNION ALL
    SELECT k.code FROM {county} k
     WHERE k.province = %(province)s AND k.prefecture = %(city)s AND k.name = %(county)s
    UNION ALL
    SELECT t.code FROM {township} t JOIN {county} k ON k.id = t.county_id
     WHERE k.province = %(province)s AND k.prefecture = %(city)s AND k.name = %(county)s
       AND strpos(%(street)s, t.name) > 0
    UNION ALL
    SELECT v.code FROM {village} v JOIN {township} t ON t.id = v.township_id
      JOIN {county} k ON k.id = t.county_id
     WHERE k.province = %(province)s AND k.prefecture = %(city)s AND k.name = %(county)s
       AND strpos(%(street)s, t.name) > 0 AND strpos(%(street)s, v.name) > 0
) AS found
ORDER BY length(code) DESC, code
LIMIT 1
""".format_map(
    {
        "province": Province._meta.db_table,
        "city": City._meta.db_table,
        "county": County._meta.db_table,
        "township": Township._meta.db_table,
        "village": Village._meta.db_table,
    }
)

# Everything pricing needs, in one statement: the destination (given, or placed from the
# address), each shop's zone by longest prefix, and per active method whether it has rates
# at all, its shop's free-delivery amount and its rate in that zone. Django's ORM would
# take four statements and, on this machine, more time compiling them than PostgreSQL
# takes to answer.
_QUOTES_SQL = """
WITH place AS (
    SELECT CASE WHEN %(use_address)s THEN ({place}) ELSE %(code)s::text END AS code
), zone_match AS (
    SELECT DISTINCT ON (zp.shop_id) zp.shop_id, zp.zone_id, z.remote_surcharge_amount
      FROM {prefix} zp JOIN {zone} z ON z.id = zp.zone_id CROSS JOIN place
     WHERE zp.shop_id = ANY(%(shops)s::bigint[]) AND zp.prefix IN (
           left(place.code, 2), left(place.code, 4), left(place.code, 6),
           left(place.code, 9), left(place.code, 12))
     ORDER BY zp.shop_id, length(zp.prefix) DESC
)
SELECT m.*, place.code AS destination_code,
       EXISTS (SELECT 1 FROM {rate} x WHERE x.method_id = m.id) AS has_rates,
       pol.free_above_amount AS free_above,
       zm.zone_id AS matched_zone_id, zm.remote_surcharge_amount AS zone_surcharge,
       r.id AS rate_id, r.serves AS rate_serves,
       r.first_weight_grams AS rate_first_grams, r.first_price_amount AS rate_first_price,
       r.step_grams AS rate_step_grams, r.step_price_amount AS rate_step_price
  FROM {method} m CROSS JOIN place
  LEFT JOIN {policy} pol ON pol.shop_id = m.shop_id
  LEFT JOIN zone_match zm ON zm.shop_id = m.shop_id
  LEFT JOIN {rate} r ON r.method_id = m.id AND r.zone_id = zm.zone_id
 WHERE m.shop_id = ANY(%(shops)s::bigint[]) AND m.is_active
   AND (%(all_methods)s OR m.id = ANY(%(methods)s::bigint[]))
 ORDER BY m.id
""".format_map(
    {
        "place": _PLACE_SQL.strip(),
        "prefix": ShippingZonePrefix._meta.db_table,
        "zone": ShippingZone._meta.db_table,
        "rate": DeliveryRate._meta.db_table,
        "method": DeliveryMethod._meta.db_table,
        "policy": ShopShippingPolicy._meta.db_table,
    }
)


def _place_params(address: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The address's names as the place query wants them, or None when it cannot be a
    mainland Chinese address we know the province of (no query needed to say so)."""
    if not address or str(address.get("country") or "CN").upper() != "CN":
        return None
    rules = rules_for("CN")
    province = rules.province(str(address.get("country_area") or "")) if rules else None
    if province is None:
        return None
    street = " ".join(
        str(address.get(key) or "") for key in ("street_address_1", "street_address_2")
    )
    return {
        "province": province.name,
        "city": str(address.get("city") or ""),
        "county": str(address.get("city_area") or ""),
        "street": street,
    }


def address_division_code(*, address: Mapping[str, Any] | None) -> str | None:
    """The deepest division code an address (Saleor's fields, snake_case) names, or None
    when it is not a mainland Chinese address or its province is not one we know. Costs
    one statement, none when there is nothing to look up."""
    params = _place_params(address)
    if params is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_PLACE_SQL, params)
        row = cursor.fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class DeliveryQuote:
    """What one method charges for its shop's parcel, or why it cannot deliver it."""

    method: DeliveryMethod
    price: Decimal | None
    refusal: DeliveryErrorCode | None = None
    zone_id: int | None = None
    chargeable_grams: int = 0

    @property
    def is_available(self) -> bool:
        return self.refusal is None


@dataclass
class DeliveryQuotes:
    destination_code: str | None
    by_method: dict[int, DeliveryQuote] = field(default_factory=dict)

    def for_method(self, method_id: int) -> DeliveryQuote | None:
        return self.by_method.get(method_id)

    def for_shop(self, shop_id: int) -> list[DeliveryQuote]:
        """The shop's quotes, available ones cheapest first, then the refused ones."""
        quotes = [q for q in self.by_method.values() if q.method.shop_id == shop_id]
        return sorted(quotes, key=lambda q: (q.refusal is not None, q.price or ZERO, q.method.pk))


def delivery_quotes(
    *,
    shop_items: Mapping[int, Sequence[ParcelItem]],
    shop_subtotals: Mapping[int, Decimal],
    address: Mapping[str, Any] | None = None,
    destination_code: str | None = None,
    method_ids: Iterable[int] | None = None,
) -> DeliveryQuotes:
    """Quotes for every active method of the shops in `shop_items` (or only `method_ids`)
    to ship that shop's items to the destination: `destination_code` if given, else where
    `address` is. Each shop's items travel as one parcel. One SQL statement, none when
    there is no method to price.

    - pickup at the village station is free and needs no destination;
    - an express method with no rates keeps its flat price;
    - otherwise its rate in the shop's longest-prefix zone, refused with UNKNOWN_DIVISION
      (no destination), NO_RATE_FOR_ZONE (no zone, or no rate there) or NOT_SERVED;
    - a served parcel is free once the shop subtotal reaches the shop's free-above amount
      (the subtotal before vouchers, as the shop advertises it).
    """
    shop_ids = list(shop_items)
    method_ids = None if method_ids is None else list(method_ids)
    if not shop_ids or method_ids == []:
        return DeliveryQuotes(destination_code=destination_code)
    place = None if destination_code is not None else _place_params(address)
    if destination_code is not None and not is_division_code(destination_code):
        destination_code = None
    params: dict[str, Any] = {
        "use_address": place is not None,
        "code": destination_code,
        "shops": shop_ids,
        "all_methods": method_ids is None,
        "methods": method_ids or [],
        **(place or {"province": None, "city": None, "county": None, "street": ""}),
    }
    methods = list(DeliveryMethod.objects.raw(_QUOTES_SQL, params))
    quotes = DeliveryQuotes(
        destination_code=getattr(methods[0], "destination_code", None) if methods else None
    )
    for method in methods:
        quotes.by_method[method.pk] = _quote(
            method=method,
            items=shop_items[method.shop_id],
            subtotal=shop_subtotals.get(method.shop_id, ZERO),
        )
    return quotes


def _quote(
    *, method: DeliveryMethod, items: Sequence[ParcelItem], subtotal: Decimal
) -> DeliveryQuote:
    """One method's quote from the row `delivery_quotes` read (its extra columns)."""
    if method.is_pickup:
        return DeliveryQuote(method=method, price=ZERO)
    row: Any = method
    grams = chargeable_grams(items, divisor=method.volumetric_divisor)
    is_free = row.free_above is not None and subtotal >= row.free_above
    zone_id = row.matched_zone_id
    if not row.has_rates:
        price = ZERO if is_free else method.price_amount
        return DeliveryQuote(method=method, price=price, chargeable_grams=grams)
    refusal = None
    if row.destination_code is None:
        refusal = DeliveryErrorCode.UNKNOWN_DIVISION
    elif row.rate_id is None:
        refusal = DeliveryErrorCode.NO_RATE_FOR_ZONE
    elif not row.rate_serves:
        refusal = DeliveryErrorCode.NOT_SERVED
    if refusal is not None:
        return DeliveryQuote(
            method=method, price=None, refusal=refusal, zone_id=zone_id, chargeable_grams=grams
        )
    price = rate_price(
        grams=grams,
        first_weight_grams=row.rate_first_grams,
        first_price=row.rate_first_price,
        step_grams=row.rate_step_grams,
        step_price=row.rate_step_price,
        surcharge=row.zone_surcharge,
    )
    return DeliveryQuote(
        method=method, price=ZERO if is_free else price, zone_id=zone_id, chargeable_grams=grams
    )


def parcel_items(lines: Iterable[tuple[Any, int]]) -> dict[int, list[ParcelItem]]:
    """(variant with `product` loaded, quantity) pairs grouped by shop as parcel items.
    A variant without its own weight falls back to its product's (Saleor does the same)."""
    by_shop: dict[int, list[ParcelItem]] = defaultdict(list)
    for variant, quantity in lines:
        product = variant.product
        by_shop[product.shop_id].append(
            ParcelItem(
                quantity=quantity,
                weight_grams=variant.weight_grams or product.weight_grams,
                length_cm=variant.length_cm,
                width_cm=variant.width_cm,
                height_cm=variant.height_cm,
            )
        )
    return by_shop


def shipping_zone_list(
    *,
    shop_ids: Sequence[int] | None,
    search: str | None = None,
    only_shop_ids: Sequence[int] | None = None,
) -> QuerySet[ShippingZone]:
    """Zones of `shop_ids` (None: every shop's), optionally by name and narrowed to
    `only_shop_ids`, in a stable order for paging."""
    zones = ShippingZone.objects.order_by("shop_id", "name", "pk")
    if shop_ids is not None:
        zones = zones.filter(shop_id__in=shop_ids)
    if search:
        zones = zones.filter(name__icontains=search.strip())
    if only_shop_ids is not None:
        zones = zones.filter(shop_id__in=only_shop_ids)
    return zones
