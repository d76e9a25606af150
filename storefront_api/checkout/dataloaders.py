"""Batch loaders for a checkout's computed parts: its totals and its delivery options.

Checkout loaders are keyed by `(checkout, checkout.last_change)`: every checkout service
bumps `last_change`, so a mutation's payload never reads totals cached before it ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from marketplace.checkout import selectors as checkout_selectors
from marketplace.checkout.models import Checkout
from storefront_api.core.dataloaders import DataLoader

CheckoutKey = tuple[Checkout, datetime]


def checkout_key(checkout: Checkout) -> CheckoutKey:
    return (checkout, checkout.last_change)


class CheckoutTotalsLoader(DataLoader[CheckoutKey, checkout_selectors.CheckoutTotals]):
    """Lines with live prices and per-shop totals (a fixed number of queries per checkout;
    a request shows one checkout, so there is nothing to batch across checkouts)."""

    def batch_load(self, keys: Sequence[CheckoutKey]) -> list[checkout_selectors.CheckoutTotals]:
        return [checkout_selectors.checkout_totals(checkout=checkout) for checkout, _ in keys]


class DeliveryOptionsLoader(DataLoader[CheckoutKey, list[checkout_selectors.ShopDeliveryOptions]]):
    def batch_load(
        self, keys: Sequence[CheckoutKey]
    ) -> list[list[checkout_selectors.ShopDeliveryOptions]]:
        return [checkout_selectors.delivery_options(checkout=checkout) for checkout, _ in keys]
