"""Reads for delivery pricing: where an address is (as a division code) and what each of a
checkout's delivery methods charges to get one shop's lines there.

`delivery_quotes` is the one entry point checkout uses. It costs a fixed number of SQL
statements whatever the number of shops, lines or methods: one for the methods (with each
shop's free-delivery policy), and only when some method is priced by zone: one to place the
address, one for every shop's matching zone prefixes, one for the rates of those methods
in those zones. Lines come in already loaded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef

from logistics.error_codes import DeliveryErrorCode
from logistics.models import (
    DeliveryMethod,
    DeliveryRate,
    ShippingZone,
    ShippingZonePrefix,
    ShopShippingPolicy,
)
from logistics.pricing import ZERO, ParcelItem, chargeable_grams, rate_price
from logistics.zones import candidate_prefixes, is_division_code
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


def address_division_code(*, address: Mapping[str, Any] | None) -> str | None:
    """The deepest division code an address (Saleor's fields, snake_case) names, or None
    when it is not a mainland Chinese address or its province is not one we know. Costs
    one statement, none when there is nothing to look up."""
    if not address or str(address.get("country") or "CN").upper() != "CN":
        return None
    rules = rules_for("CN")
    province = rules.province(str(address.get("country_area") or "")) if rules else None
    if province is None:
        return None
    street = " ".join(
        str(address.get(key) or "") for key in ("street_address_1", "street_address_2")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _PLACE_SQL,
            {
                "province": province.name,
                "city": str(address.get("city") or ""),
                "county": str(address.get("city_area") or ""),
                "street": street,
            },
        )
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


def _zones_for(*, shop_ids: Iterable[int], code: str) -> dict[int, ShippingZone]:
    """Each shop's zone for `code`: the one holding the longest prefix of it."""
    best: dict[int, tuple[int, ShippingZone]] = {}
    rows = ShippingZonePrefix.objects.filter(
        shop_id__in=list(shop_ids), prefix__in=candidate_prefixes(code)
    ).select_related("zone")
    for row in rows:
        current = best.get(row.shop_id)
        if current is None or len(row.prefix) > current[0]:
            best[row.shop_id] = (len(row.prefix), row.zone)
    return {shop_id: zone for shop_id, (_, zone) in best.items()}


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
    `address` is. Each shop's items travel as one parcel.

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
    methods_qs = (
        DeliveryMethod.objects.filter(shop_id__in=shop_ids, is_active=True)
        .annotate(has_rates=Exists(DeliveryRate.objects.filter(method_id=OuterRef("pk"))))
        .select_related("shop__shipping_policy")
        .order_by("pk")
    )
    if method_ids is not None:
        methods_qs = methods_qs.filter(pk__in=method_ids)
    methods = list(methods_qs)
    rated = [m for m in methods if getattr(m, "has_rates", False)]
    # The address is looked up only when a method's price depends on it.
    if destination_code is not None:
        destination_code = destination_code if is_division_code(destination_code) else None
    elif rated:
        destination_code = address_division_code(address=address)
    quotes = DeliveryQuotes(destination_code=destination_code)
    zones: dict[int, ShippingZone] = {}
    rates: dict[tuple[int, int], DeliveryRate] = {}
    if rated and destination_code is not None:
        zones = _zones_for(shop_ids={m.shop_id for m in rated}, code=destination_code)
        if zones:
            for rate in DeliveryRate.objects.filter(
                method__in=rated, zone_id__in=[z.pk for z in zones.values()]
            ):
                rates[rate.method_id, rate.zone_id] = rate
    for method in methods:
        quotes.by_method[method.pk] = _quote(
            method=method,
            items=shop_items[method.shop_id],
            subtotal=shop_subtotals.get(method.shop_id, ZERO),
            has_rates=bool(getattr(method, "has_rates", False)),
            destination_code=destination_code,
            zone=zones.get(method.shop_id),
            rates=rates,
            free_above=_free_above(method),
        )
    return quotes


def _free_above(method: DeliveryMethod) -> Decimal | None:
    try:
        policy: ShopShippingPolicy = method.shop.shipping_policy
    except ShopShippingPolicy.DoesNotExist:
        return None
    return policy.free_above_amount


def _quote(
    *,
    method: DeliveryMethod,
    items: Sequence[ParcelItem],
    subtotal: Decimal,
    has_rates: bool,
    destination_code: str | None,
    zone: ShippingZone | None,
    rates: Mapping[tuple[int, int], DeliveryRate],
    free_above: Decimal | None,
) -> DeliveryQuote:
    if method.is_pickup:
        return DeliveryQuote(method=method, price=ZERO)
    grams = chargeable_grams(items, divisor=method.volumetric_divisor)
    is_free = free_above is not None and subtotal >= free_above
    if not has_rates:
        price = ZERO if is_free else method.price_amount
        return DeliveryQuote(method=method, price=price, chargeable_grams=grams)

    def refused(code: DeliveryErrorCode) -> DeliveryQuote:
        return DeliveryQuote(
            method=method,
            price=None,
            refusal=code,
            zone_id=zone.pk if zone else None,
            chargeable_grams=grams,
        )

    if destination_code is None:
        return refused(DeliveryErrorCode.UNKNOWN_DIVISION)
    rate = rates.get((method.pk, zone.pk)) if zone is not None else None
    if rate is None:
        return refused(DeliveryErrorCode.NO_RATE_FOR_ZONE)
    if not rate.serves:
        return refused(DeliveryErrorCode.NOT_SERVED)
    assert zone is not None
    price = rate_price(
        grams=grams,
        first_weight_grams=rate.first_weight_grams,
        first_price=rate.first_price_amount,
        step_grams=rate.step_grams,
        step_price=rate.step_price_amount,
        surcharge=zone.remote_surcharge_amount,
    )
    return DeliveryQuote(
        method=method,
        price=ZERO if is_free else price,
        zone_id=zone.pk,
        chargeable_grams=grams,
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
