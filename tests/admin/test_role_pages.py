"""Every page a manager or officer is offered renders; the index offers only those pages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from marketplace.catalog.models import TraceBatch

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["manager_a", "officer_1"])
def test_offered_pages_render(client: Any, world: Any, who: str) -> None:
    client.force_login(getattr(world, who))
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    offered = [model for app in index.context["app_list"] for model in app["models"]]
    assert offered, "a staff role is offered something"
    for entry in offered:
        response = client.get(entry["admin_url"])
        assert response.status_code == 200, entry["admin_url"]
        if entry.get("add_url"):
            assert client.get(entry["add_url"]).status_code == 200, entry["add_url"]
        for obj in response.context["cl"].result_list[:1]:
            opts = obj._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert client.get(url).status_code == 200, url


def test_officer_is_offered_reading_only(client: Any, world: Any) -> None:
    client.force_login(world.officer_1)
    index = client.get(reverse("admin:index"))
    names = {model["object_name"] for app in index.context["app_list"] for model in app["models"]}
    assert {"Shop", "Product", "Household"} <= names
    assert not names & {"ProductVariant", "Stock", "Warehouse", "User", "TraceBatch"}
    # An officer changes nothing; what they add is a data request (asking to read) and a
    # complaint a villager brought to the bureau.
    assert {
        model["object_name"]
        for app in index.context["app_list"]
        for model in app["models"]
        if model["perms"]["add"] or model["perms"]["change"]
    } == {"DataAccessRequest", "Complaint"}


def test_household_autocomplete_offers_only_the_managers_village(client: Any, world: Any) -> None:
    client.force_login(world.manager_a)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "catalog",
            "model_name": "productvariant",
            "field_name": "beneficiary_household",
        },
    )
    assert response.status_code == 200
    ids = {int(item["id"]) for item in response.json()["results"]}
    assert ids == {world.household_a.pk}


def test_manager_records_a_trace_batch_through_the_service(client: Any, world: Any) -> None:
    client.force_login(world.manager_a)
    url = reverse("admin:catalog_tracebatch_add")
    payload = {
        "product": world.product_a.pk,
        "harvest_date": "2026-04-20",
        "plot": "大雪山 7号地",
        "household": world.household_b.pk,
        "inspection_results": "[]",
    }
    response = client.post(url, payload)
    assert response.status_code == 200
    assert "household" in response.context["adminform"].form.errors

    response = client.post(url, {**payload, "household": world.household_a.pk})
    assert response.status_code == 302
    batch = TraceBatch.objects.get(plot="大雪山 7号地")
    assert batch.village_id == world.shop_a.village_id
    assert batch.code.startswith("TR-")
    assert batch.harvest_date == datetime.date(2026, 4, 20)


def test_every_admin_declares_its_scope() -> None:
    from admin.scoping import Scope

    unscoped = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model.__module__.startswith("marketplace.")
        and not isinstance(getattr(model_admin, "scope", None), Scope)
    ]
    assert unscoped == []
