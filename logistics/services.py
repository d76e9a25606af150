"""Writes to zones and rates. Each check raises `ValidationError` with a
`DeliveryErrorCode`, before anything is written; the database constraints hold the same
rules for any write that comes another way."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from logistics.error_codes import DeliveryErrorCode
from logistics.models import DeliveryMethod, ShippingZone, ShippingZonePrefix
from logistics.zones import is_division_code
from marketplace.divisions.models import Province


def _error(field: str, message: str, code: DeliveryErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code.value)})


def check_zone_prefixes(*, zone: ShippingZone, prefixes: Iterable[str]) -> list[str]:
    """The prefixes, trimmed and de-duplicated, if each is a division code in a province we
    know and no other zone of the shop holds it; otherwise a coded error naming the first
    bad one."""
    cleaned = sorted({p.strip() for p in prefixes if p.strip()})
    bad = [p for p in cleaned if not is_division_code(p)]
    if bad:
        raise _error(
            "prefixes",
            f"{bad[0]} is not a division code (2, 4, 6, 9 or 12 digits).",
            DeliveryErrorCode.INVALID_PREFIX,
        )
    known = set(
        Province.objects.filter(code__in={p[:2] for p in cleaned}).values_list("code", flat=True)
    )
    unknown = [p for p in cleaned if p[:2] not in known]
    if unknown:
        raise _error(
            "prefixes",
            f"{unknown[0]} is in no province we know.",
            DeliveryErrorCode.UNKNOWN_DIVISION,
        )
    taken = (
        ShippingZonePrefix.objects.filter(shop_id=zone.shop_id, prefix__in=cleaned)
        .exclude(zone_id=zone.pk)
        .select_related("zone")
        .first()
    )
    if taken is not None:
        raise _error(
            "prefixes",
            f"{taken.prefix} already belongs to the zone {taken.zone.name}.",
            DeliveryErrorCode.DUPLICATE_PREFIX,
        )
    return cleaned


@transaction.atomic
def shipping_zone_set_prefixes(
    *, zone: ShippingZone, prefixes: Iterable[str]
) -> list[ShippingZonePrefix]:
    """Make the zone's prefixes exactly `prefixes` (checked first; nothing written if one
    is bad). The zone must be saved."""
    cleaned = check_zone_prefixes(zone=zone, prefixes=prefixes)
    ShippingZonePrefix.objects.filter(zone=zone).exclude(prefix__in=cleaned).delete()
    have = set(ShippingZonePrefix.objects.filter(zone=zone).values_list("prefix", flat=True))
    ShippingZonePrefix.objects.bulk_create(
        ShippingZonePrefix(zone=zone, shop_id=zone.shop_id, prefix=p)
        for p in cleaned
        if p not in have
    )
    return list(ShippingZonePrefix.objects.filter(zone=zone))


def check_delivery_rate(*, method: DeliveryMethod, zone: ShippingZone) -> None:
    """A rate ties a shop's own express method to that same shop's zone."""
    if method.shop_id != zone.shop_id:
        raise _error("zone", "Pick a zone of the method's own shop.", DeliveryErrorCode.OTHER_SHOP)
    if method.is_pickup:
        raise _error(
            "method",
            "Pickup at the station is free; only express methods have rates.",
            DeliveryErrorCode.NOT_RATED_METHOD,
        )
