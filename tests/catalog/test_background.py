"""Background work done by a real Celery worker: thumbnails and search-document refreshes."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from marketplace.catalog.models import Product, Thumbnail
from marketplace.catalog.selectors import ProductFilters, product_list
from marketplace.catalog.services import category_rename, product_media_add
from tests import factories
from tests.celery_worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _jpeg(width: int = 120, height: int = 80) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile("tea.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.mark.smoke
def test_worker_makes_thumbnails_after_media_is_added(celery_worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    product = factories.product(name="冰岛古树普洱茶")
    admin = factories.platform_admin()

    media = product_media_add(actor=admin, product=product, image=_jpeg(), alt="茶饼")

    # Sizes at or above the original's longest side (120 px) would be copies: none are made.
    expected = {size for size in settings.THUMBNAIL_SIZES if size < 120}
    assert expected
    sizes = wait_for(
        lambda: expected == set(media.thumbnails.values_list("size", flat=True)) and expected
    )
    assert sizes == expected
    for thumbnail in Thumbnail.objects.filter(media=media):
        path = tmp_path / thumbnail.image.name
        assert path.exists()
        with Image.open(path) as image:
            assert image.format == "WEBP"
            assert max(image.size) == thumbnail.size


def test_worker_refreshes_search_documents_after_category_rename(celery_worker, channel):
    category = factories.category(name="坚果")
    walnut = factories.product(name="核桃仁", category_obj=category, channel_obj=channel)
    other = factories.product(name="红糖", channel_obj=channel)
    admin = factories.platform_admin()

    def found(text: str) -> list[Product]:
        return list(product_list(channel=channel, filters=ProductFilters(search=text)))

    assert found("蜂蜜") == []
    category_rename(actor=admin, category=category, name="蜂蜜")

    wait_for(lambda: not Product.objects.filter(search_index_dirty=True).exists())
    assert found("蜂蜜") == [walnut]
    assert found("红糖") == [other]
