"""Thumbnails: the sizes Saleor serves, made with Pillow, kept beside the original."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image

from marketplace.catalog.models import ProductMedia, Thumbnail


def nearest_size(requested: int, sizes: Sequence[int] | None = None) -> int:
    """The smallest configured size ≥ the request (the largest if none is), as Saleor does."""
    available = sorted(sizes or settings.THUMBNAIL_SIZES)
    for size in available:
        if size >= requested:
            return size
    return available[-1]


def make_thumbnails(media: ProductMedia, sizes: Sequence[int] | None = None) -> list[Thumbnail]:
    """Create any missing thumbnails of `media` (idempotent: existing sizes are kept)."""
    wanted = sorted(sizes or settings.THUMBNAIL_SIZES)
    existing = set(media.thumbnails.values_list("size", flat=True))
    made = []
    with media.image.open("rb") as source:
        original = Image.open(source)
        original.load()
    largest_side = max(original.size)
    for size in wanted:
        # A "thumbnail" as big as the original or bigger would be a copy; the API falls back
        # to the original image for those sizes.
        if size in existing or size >= largest_side:
            continue
        copy = original.convert("RGB")
        copy.thumbnail((size, size))
        buffer = io.BytesIO()
        copy.save(buffer, format="WEBP", quality=82)
        thumbnail = Thumbnail(media=media, size=size)
        thumbnail.image.save(f"{media.pk}-{size}.webp", ContentFile(buffer.getvalue()), save=False)
        made.append(thumbnail)
    return Thumbnail.objects.bulk_create(made, ignore_conflicts=True)
