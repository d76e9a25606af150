"""Every registered marketplace model's pages render for a platform admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

MARKETPLACE_MODELS = sorted(
    (model for model in admin.site._registry if model.__module__.startswith("marketplace.")),
    key=lambda model: model._meta.label,
)


def test_every_marketplace_model_is_registered() -> None:
    from django.apps import apps

    missing = [
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("marketplace.") and model not in admin.site._registry
    ]
    assert missing == []


@pytest.mark.parametrize("model", MARKETPLACE_MODELS, ids=lambda m: m._meta.label)
def test_changelist_change_and_add_pages_render(client: Any, world: Any, model: Any) -> None:
    client.force_login(world.platform_admin)
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1, "the world fixture has a row of each"

    obj = model._default_manager.order_by("pk").first()
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200

    model_admin = admin.site._registry[model]
    request = change.wsgi_request
    if model_admin.has_add_permission(request):
        add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert add.status_code == 200


def test_changelist_search_and_filters_render(client: Any, world: Any) -> None:
    client.force_login(world.platform_admin)
    url = reverse("admin:catalog_product_changelist")
    response = client.get(url, {"q": "普洱", "offering_kind__exact": "PRODUCE"})
    assert response.status_code == 200
    assert [p.pk for p in response.context["cl"].result_list] == [world.product_a.pk]


def test_staff_without_a_role_sees_nothing(client: Any, world: Any) -> None:
    client.force_login(world.buyer)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert index.context["app_list"] == []
    assert client.get(reverse("admin:catalog_product_changelist")).status_code == 403
    assert client.get(reverse("admin:organisations_household_changelist")).status_code == 403
