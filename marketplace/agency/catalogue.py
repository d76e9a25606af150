"""Keeping the catalogue in the database equal to `catalogue_data`, and reading it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from marketplace.agency.catalogue_data import write_catalogue
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.models import AgencyProvider, ServiceItem
from marketplace.core.errors import refuse


@transaction.atomic
def agency_catalogue_sync() -> int:
    """Write every provider and item of `catalogue_data` (by code); returns how many items.
    Running it again changes nothing that already matches."""
    return write_catalogue(AgencyProvider, ServiceItem)


def service_items(*, category: str | None = None) -> QuerySet[ServiceItem]:
    items = ServiceItem.objects.filter(is_active=True).order_by("category", "sort_order", "code")
    if category:
        items = items.filter(category=category)
    return items


def service_item_get(*, code: str) -> ServiceItem:
    item = ServiceItem.objects.select_related("provider").filter(code=code, is_active=True).first()
    if item is None:
        raise refuse("item", f"There is no service item {code!r}.", AgencyErrorCode.UNKNOWN_ITEM)
    return item
