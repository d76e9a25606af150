"""Household personal data is masked for anyone not entitled to it, in lists and forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.admin.postdata import changeform_data

pytestmark = pytest.mark.django_db

FULL = ("李小梅", "53352519800101123X", "13812345678")
MASKED = ("李**", "5335***********23X", "138****5678")


def _pages(client: Any, world: Any) -> tuple[str, str]:
    changelist = client.get(reverse("admin:organisations_household_changelist"))
    change = client.get(
        reverse("admin:organisations_household_change", args=[world.household_a.pk])
    )
    assert changelist.status_code == 200
    assert change.status_code == 200
    return changelist.content.decode(), change.content.decode()


def test_officer_sees_households_masked(client: Any, world: Any) -> None:
    client.force_login(world.officer_1)
    changelist, change = _pages(client, world)
    assert "李**" in changelist
    assert "王*" in changelist  # the other village of the township, also masked
    assert "138****5678" in changelist
    for secret in FULL:
        assert secret not in changelist
        assert secret not in change
    for masked in MASKED:
        assert masked in change


def test_officer_cannot_search_households_by_name(client: Any, world: Any) -> None:
    client.force_login(world.officer_1)
    url = reverse("admin:organisations_household_changelist")
    by_name = client.get(url, {"q": "李小梅"})
    assert list(by_name.context["cl"].result_list) == []
    by_reference = client.get(url, {"q": world.household_a.reference})
    assert list(by_reference.context["cl"].result_list) == [world.household_a]


def test_officer_cannot_change_households(client: Any, world: Any) -> None:
    url = reverse("admin:organisations_household_change", args=[world.household_a.pk])
    client.force_login(world.officer_1)
    response = client.post(url, {"head_name": "改名", "member_count": "9"})
    assert response.status_code == 403
    world.household_a.refresh_from_db()
    assert world.household_a.head_name == "李小梅"


def test_platform_admin_sees_households_in_full(client: Any, world: Any) -> None:
    client.force_login(world.platform_admin)
    changelist, change = _pages(client, world)
    assert "李小梅" in changelist
    assert "王大山" in changelist
    for secret in FULL:
        assert secret in change


def test_manager_sees_own_village_in_full_and_can_edit(client: Any, world: Any) -> None:
    client.force_login(world.manager_a)
    changelist, change = _pages(client, world)
    assert "李小梅" in changelist
    assert "53352519800101123X" in change
    assert "王大山" not in changelist and "王*" not in changelist
    url = reverse("admin:organisations_household_change", args=[world.household_a.pk])
    data = changeform_data(client.get(url))
    data["phone"] = "13900001111"
    assert client.post(url, data).status_code == 302
    world.household_a.refresh_from_db()
    assert world.household_a.phone == "13900001111"
