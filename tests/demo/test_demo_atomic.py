"""The demo load is one transaction: a failure part way leaves nothing behind."""

from __future__ import annotations

import pytest

from marketplace.divisions.models import County
from marketplace.organisations.models import Shop
from tooling.demo import loader

pytestmark = pytest.mark.django_db


def test_a_failed_load_writes_nothing(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def broken_catalog(self: loader._DemoLoader) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader._DemoLoader, "load_catalog_structure", broken_catalog)
    with pytest.raises(RuntimeError, match="disk full"):
        loader.load_demo_data()
    assert not County.objects.exists()
    assert not Shop.objects.exists()
