"""Shop workflow actions call the services and report their refusals as messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse

from marketplace.organisations.models import Shop, ShopStatus, ShopStatusEvent
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:organisations_shop_changelist"


def _run(client: Any, action: str, shops: list[Shop], reason: str | None) -> Any:
    data: dict[str, Any] = {"action": action, ACTION_CHECKBOX_NAME: [s.pk for s in shops]}
    if reason is None:
        data["index"] = "0"  # the first post, from the change list
    else:
        data.update(apply="1", reason=reason)
    return client.post(reverse(CHANGELIST), data)


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def test_approving_a_recommended_shop_asks_for_a_reason_then_records_it(
    client: Any, world: Any
) -> None:
    shop = factories.shop(
        village_obj=factories.village(township_obj=world.township_1),
        status=ShopStatus.RECOMMENDED,
    )
    client.force_login(world.platform_admin)

    form_page = _run(client, "shop_approve", [shop], reason=None)
    assert form_page.status_code == 200
    assert "reason" in form_page.context["form"].fields
    shop.refresh_from_db()
    assert shop.status == ShopStatus.RECOMMENDED

    response = _run(client, "shop_approve", [shop], reason="材料齐全，同意开店")
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.status == ShopStatus.APPROVED
    assert shop.approved_at is not None
    event = ShopStatusEvent.objects.get(shop=shop)
    assert (event.from_status, event.to_status) == (ShopStatus.RECOMMENDED, ShopStatus.APPROVED)
    assert event.actor == world.platform_admin
    assert event.reason == "材料齐全，同意开店"
    assert ("success", "1 shop(s) approved.") in _messages(response)


def test_an_empty_reason_is_asked_for_again(client: Any, world: Any) -> None:
    shop = factories.shop(status=ShopStatus.RECOMMENDED)
    client.force_login(world.platform_admin)
    response = _run(client, "shop_approve", [shop], reason="   ")
    assert response.status_code == 200
    assert response.context["form"].errors
    shop.refresh_from_db()
    assert shop.status == ShopStatus.RECOMMENDED
    assert not ShopStatusEvent.objects.filter(shop=shop).exists()


def test_an_invalid_transition_is_an_error_message_and_changes_nothing(
    client: Any, world: Any
) -> None:
    applied = factories.shop(status=ShopStatus.APPLIED)
    client.force_login(world.platform_admin)
    response = _run(client, "shop_approve", [applied], reason="跳过乡镇推荐")
    assert response.status_code == 302
    messages = _messages(response)
    assert any(level == "error" and applied.name in text for level, text in messages)
    applied.refresh_from_db()
    assert applied.status == ShopStatus.APPLIED
    assert applied.approved_at is None
    assert not ShopStatusEvent.objects.filter(shop=applied).exists()


def test_mixed_selection_applies_where_allowed_and_reports_the_rest(
    client: Any, world: Any
) -> None:
    client.force_login(world.platform_admin)
    response = _run(client, "shop_suspend", [world.shop_a], reason="食品抽检不合格")
    assert response.status_code == 302
    world.shop_a.refresh_from_db()
    assert world.shop_a.status == ShopStatus.SUSPENDED
    # shop_b is approved, not suspended: the service refuses to reinstate it.
    reinstate = _run(client, "shop_reinstate", [world.shop_a, world.shop_b], reason="整改完成")
    messages = _messages(reinstate)
    assert ("success", "1 shop(s) reinstated.") in messages
    assert any(level == "error" and world.shop_b.name in text for level, text in messages)
    world.shop_a.refresh_from_db()
    world.shop_b.refresh_from_db()
    assert world.shop_a.status == ShopStatus.APPROVED
    assert world.shop_b.status == ShopStatus.APPROVED


def test_officer_recommends_in_their_township_but_cannot_approve(client: Any, world: Any) -> None:
    applied = factories.shop(
        village_obj=factories.village(township_obj=world.township_1), status=ShopStatus.APPLIED
    )
    client.force_login(world.officer_1)
    changelist = client.get(reverse(CHANGELIST))
    offered = {name for name, _ in changelist.context["action_form"].fields["action"].choices}
    assert {"shop_recommend", "shop_reject", "shop_suspend"} <= offered
    assert "shop_approve" not in offered

    _run(client, "shop_recommend", [applied], reason="村里推荐")
    applied.refresh_from_db()
    assert applied.status == ShopStatus.RECOMMENDED

    _run(client, "shop_approve", [applied], reason="自己批准")
    applied.refresh_from_db()
    assert applied.status == ShopStatus.RECOMMENDED


def test_officer_cannot_act_outside_their_township(client: Any, world: Any) -> None:
    client.force_login(world.officer_1)
    response = _run(client, "shop_suspend", [world.shop_c], reason="越权")
    assert response.status_code in (200, 302)
    world.shop_c.refresh_from_db()
    assert world.shop_c.status == ShopStatus.APPROVED


def test_manager_may_close_only_their_own_shop(client: Any, world: Any) -> None:
    client.force_login(world.manager_a)
    changelist = client.get(reverse(CHANGELIST))
    offered = {name for name, _ in changelist.context["action_form"].fields["action"].choices}
    assert "shop_close" in offered
    assert "shop_approve" not in offered
    _run(client, "shop_close", [world.shop_a, world.shop_b], reason="村里决定停业")
    world.shop_a.refresh_from_db()
    world.shop_b.refresh_from_db()
    assert world.shop_a.status == ShopStatus.CLOSED
    assert world.shop_b.status == ShopStatus.APPROVED


def test_status_is_not_editable_in_the_change_form(client: Any, world: Any) -> None:
    client.force_login(world.platform_admin)
    url = reverse("admin:organisations_shop_change", args=[world.shop_a.pk])
    page = client.get(url)
    assert "status" not in page.context["adminform"].form.fields
    response = client.post(
        url,
        {
            "name": world.shop_a.name,
            "slug": world.shop_a.slug,
            "description": "",
            "status": ShopStatus.CLOSED,
            "status_events-TOTAL_FORMS": "1",
            "status_events-INITIAL_FORMS": "1",
            "status_events-MIN_NUM_FORMS": "0",
            "status_events-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    world.shop_a.refresh_from_db()
    assert world.shop_a.status == ShopStatus.APPROVED


def test_platform_admin_adds_a_shop_through_the_application_service(
    client: Any, world: Any
) -> None:
    from marketplace.organisations.models import PartyOrganisation

    village = factories.village(township_obj=world.township_2)
    org = PartyOrganisation.objects.create(village=village, name="新村党支部")
    client.force_login(world.platform_admin)
    response = client.post(
        reverse("admin:organisations_shop_add"),
        {
            "party_organisation": org.pk,
            "name": "新村货铺",
            "slug": "xin-cun",
            "description": "",
            "status_events-TOTAL_FORMS": "0",
            "status_events-INITIAL_FORMS": "0",
            "status_events-MIN_NUM_FORMS": "0",
            "status_events-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    shop = Shop.objects.get(slug="xin-cun")
    assert shop.village == village
    assert shop.status == ShopStatus.APPLIED
    event = ShopStatusEvent.objects.get(shop=shop)
    assert event.actor == world.platform_admin
