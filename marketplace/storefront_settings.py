"""The marketplace's store-level settings, as one read-only value.

Saleor answers `shop { ... }` with per-installation settings (name, countries, languages,
stock reservation, checkout limits, account confirmation, ...). Ruralmart has no settings
table for them: they follow from Django settings, the delivery rules and the active
channels. `storefront_settings()` gathers them in one place so the API reads a typed value
instead of reaching into `django.conf.settings` field by field.

In: Django settings, `ADDRESS_RULES` (where we deliver), active channels (their currencies
and the payment gateways they offer). Out: `StorefrontSettings`. Never imports the API layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata

from django.conf import settings

from marketplace.accounts.addresses import ADDRESS_RULES
from marketplace.channels.models import Channel
from marketplace.payments.gateways import PaymentGatewayInfo, available_gateways

PLATFORM_NAME = "Ruralmart"
PLATFORM_DESCRIPTION = (
    "县域乡村电商平台：村党组织开办的村级网店直供特色农产品与乡村旅游。"
    " County rural commerce: village shops run by their Party organisations."
)
PLATFORM_HEADER_TEXT = "村里的好东西，直接从村里来 · Straight from the village"
# The Saleor API generation whose names, types and arguments this schema keeps.
SALEOR_SCHEMA_VERSION = "3.23"
PHONE_PREFIXES = ("+86",)


@dataclass(frozen=True)
class CountryInfo:
    code: str
    name: str


@dataclass(frozen=True)
class LanguageInfo:
    code: str  # Django's language code, e.g. "zh-hans"
    name: str


@dataclass(frozen=True)
class StorefrontSettings:
    name: str
    description: str
    header_text: str
    countries: tuple[CountryInfo, ...]
    default_country: CountryInfo
    channel_currencies: tuple[str, ...]
    # Every gateway some active channel offers, each once, in channel-slug order: what the
    # store offers when no channel is named.
    payment_gateways: tuple[PaymentGatewayInfo, ...]
    languages: tuple[LanguageInfo, ...]
    phone_prefixes: tuple[str, ...]
    version: str
    schema_version: str
    # Listed prices are what the buyer pays, tax included; nothing is added at checkout
    # and delivery is priced the same way.
    include_taxes_in_prices: bool
    display_gross_prices: bool
    charge_taxes_on_shipping: bool
    track_inventory_by_default: bool
    default_weight_unit: str  # a WeightUnitsEnum value; we keep weights in grams
    fulfillment_auto_approve: bool
    fulfillment_allow_unpaid: bool
    # Minutes a checkout line holds stock; None when holding is switched off (0).
    reserve_stock_minutes: int | None
    limit_quantity_per_checkout: int | None
    account_confirmation_required: bool
    allow_login_without_confirmation: bool
    preserve_all_address_fields: bool
    # Host to name when an answer is built without a request (e.g. from a task).
    fallback_host: str


def _version() -> str:
    # Saleor clients read `version` as semver; the build part says which Ruralmart it is.
    try:
        ours = metadata.version("ruralmart")
    except metadata.PackageNotFoundError:
        return f"{SALEOR_SCHEMA_VERSION}.0"
    return f"{SALEOR_SCHEMA_VERSION}.0+ruralmart.{ours}"


def _fallback_host() -> str:
    concrete = [h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
    return concrete[0] if concrete else "localhost"


def _gateways_of(channels: Iterable[Channel]) -> tuple[PaymentGatewayInfo, ...]:
    offered: dict[str, PaymentGatewayInfo] = {}
    for channel in sorted(channels, key=lambda c: c.slug):
        for gateway in available_gateways(channel=channel):
            offered.setdefault(gateway.id, gateway)
    return tuple(offered.values())


def storefront_settings(*, channels: Iterable[Channel] | None = None) -> StorefrontSettings:
    """The marketplace's settings. `channels` are the active channels when the caller
    already holds them; otherwise they are read (one query)."""
    if channels is None:
        channels = Channel.objects.filter(is_active=True).only("slug", "currency_code")
    channels = list(channels)
    countries = tuple(CountryInfo(code=r.code, name=r.name) for r in ADDRESS_RULES.values())
    reserve_minutes = settings.RESERVE_STOCK_DURATION_MINUTES
    confirmation_required = bool(settings.ACCOUNT_CONFIRMATION_REQUIRED)
    return StorefrontSettings(
        name=PLATFORM_NAME,
        description=PLATFORM_DESCRIPTION,
        header_text=PLATFORM_HEADER_TEXT,
        countries=countries,
        default_country=next(c for c in countries if c.code == "CN"),
        channel_currencies=tuple(sorted({c.currency_code for c in channels})),
        payment_gateways=_gateways_of(channels),
        languages=tuple(LanguageInfo(code=code, name=name) for code, name in settings.LANGUAGES),
        phone_prefixes=PHONE_PREFIXES,
        version=_version(),
        schema_version=SALEOR_SCHEMA_VERSION,
        include_taxes_in_prices=True,
        display_gross_prices=True,
        charge_taxes_on_shipping=False,
        track_inventory_by_default=True,
        default_weight_unit="g",
        fulfillment_auto_approve=True,
        # Only cash at the village counter is handed over before payment, and that is
        # decided per order; as a general rule an order is paid before it is fulfilled.
        fulfillment_allow_unpaid=False,
        reserve_stock_minutes=reserve_minutes if reserve_minutes > 0 else None,
        limit_quantity_per_checkout=settings.MAX_CHECKOUT_LINE_QUANTITY,
        account_confirmation_required=confirmation_required,
        # While confirmation is required, an unconfirmed account cannot log in.
        allow_login_without_confirmation=not confirmation_required,
        # Address cleaning trims and normalises but never drops a field.
        preserve_all_address_fields=True,
        fallback_host=_fallback_host(),
    )
