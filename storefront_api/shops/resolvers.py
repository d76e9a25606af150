"""Root resolvers for shops, and the marketplace answered as a `Shop`.

`shop` without a slug answers as Saleor does, with the store itself: here the marketplace,
a `MarketplaceShop` value (no database row). With a slug it is that approved village shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marketplace.catalog.selectors import shop_list
from marketplace.organisations.models import Shop as ShopModel
from marketplace.storefront_settings import StorefrontSettings, storefront_settings
from storefront_api.core.errors import ApiError


@dataclass(frozen=True)
class MarketplaceShop:
    """The marketplace itself as a `Shop`. It has no village, Party organisation, status,
    slug or products of its own; those fields answer null for it."""

    name: str
    description: str
    # Not a number, so a shop filter handed this ID refuses it instead of matching a row.
    id: str = "marketplace"
    slug: None = None
    status: None = None


def settings_for(context: Any) -> StorefrontSettings:
    """The marketplace's settings, read once per request however many shops ask."""
    cached: StorefrontSettings | None = getattr(context, "_storefront_settings", None)
    if cached is None:
        cached = storefront_settings()
        context._storefront_settings = cached
    return cached


def resolve_shop(info: Any, *, slug: str | None) -> MarketplaceShop | ShopModel:
    if slug is None:
        values = settings_for(info.context)
        return MarketplaceShop(name=values.name, description=values.description)
    shop = shop_list().filter(slug=slug).first()
    if shop is None:
        # Applied, suspended and closed shops are not public: they answer like missing ones.
        raise ApiError(f"No open shop has the slug '{slug}'.", code="NOT_FOUND", field="slug")
    return shop
