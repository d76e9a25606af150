"""Background work for the catalog. Tasks are thin: they call the catalog services."""

from __future__ import annotations

from celery import shared_task

from marketplace.catalog.models import Product, ProductMedia
from marketplace.catalog.thumbnails import make_thumbnails

BATCH = 500


@shared_task(name="catalog.generate_thumbnails", acks_late=True)
def generate_thumbnails(media_id: int) -> int:
    media = ProductMedia.objects.filter(pk=media_id).first()
    if media is None:  # deleted before the worker got to it
        return 0
    return len(make_thumbnails(media))


@shared_task(name="catalog.refresh_dirty_search_documents", acks_late=True)
def refresh_dirty_search_documents() -> int:
    """Rebuild stale search documents in batches; safe to run any number of times."""
    # Read at call time: the catalog services schedule these tasks, so importing them
    # at load time would be circular.
    from marketplace.catalog.services import products_refresh_search_document

    refreshed = 0
    while True:
        ids = list(
            Product.objects.filter(search_index_dirty=True).values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return refreshed
        refreshed += products_refresh_search_document(product_ids=ids)
