"""The buy-and-pay models in the back office: pages render, rows follow the viewer's role,
buyer data is masked, and edits go through the domain services' rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from logistics.models import DeliveryMethod
from marketplace.accounts.models import Address
from marketplace.bookings.models import BookingHold, CancellationPolicy, DayCapacity
from marketplace.catalog.models import Product
from marketplace.checkout.models import Voucher
from tests.admin.buying import ADDRESS, BUYER_EMAIL, Buying, add_buying, add_homestay, hold_stay
from tests.admin.postdata import changeform_data
from tests.parcels.world import add_parcels

pytestmark = pytest.mark.django_db

BUYING_APPS = ("accounts", "bookings", "checkout", "orders", "inventory", "logistics")
BUYING_MODELS = sorted(
    (
        model
        for model in admin.site._registry
        if model._meta.app_label in BUYING_APPS
        and model._meta.model_name not in {"user", "roleassignment", "warehouse", "stock"}
    ),
    key=lambda model: model._meta.label,
)


@pytest.fixture
def buying(world: Any) -> Buying:
    # Parcels logged at a station of their own: the station pages' tests count the world's.
    add_parcels(world)
    return getattr(world, "buying", None) or add_buying(world)


@dataclass
class Stay:
    homestay: Product
    policy: CancellationPolicy
    day: DayCapacity


@pytest.fixture
def stay_a(world: Any, buying: Buying) -> Stay:
    """Shop A's homestay, its policy, and a date with one room held."""
    homestay, policy = add_homestay(world.shop_a, actor=world.platform_admin)
    hold = hold_stay(homestay, key="test:stay-a")
    day = DayCapacity.objects.get(product=homestay, date=hold.start_date)
    return Stay(homestay=homestay, policy=policy, day=day)


def _url(obj: Any, view: str = "change") -> str:
    opts = obj._meta
    args = [] if view in {"changelist", "add"} else [obj.pk]
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _pks(client: Any, model: Any) -> set[Any]:
    response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def test_every_buying_model_is_covered() -> None:
    labels = {model._meta.label for model in BUYING_MODELS}
    assert {
        "accounts.Address",
        "accounts.AuthAttempt",
        "bookings.DayCapacity",
        "bookings.BookingHold",
        "bookings.CancellationPolicy",
        "bookings.CancellationTier",
        "checkout.Checkout",
        "checkout.CheckoutLine",
        "checkout.CheckoutDelivery",
        "checkout.Voucher",
        "checkout.CheckoutVoucher",
        "orders.Order",
        "orders.ShopOrder",
        "orders.OrderLine",
        "orders.OrderEvent",
        "inventory.Reservation",
        "inventory.Allocation",
        "logistics.DeliveryMethod",
    } <= labels


@pytest.mark.parametrize("model", BUYING_MODELS, ids=lambda m: m._meta.label)
def test_platform_admin_pages_render(client: Any, buying: Buying, world: Any, model: Any) -> None:
    client.force_login(world.platform_admin)
    changelist = client.get(_url(model, "changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1
    obj = model._default_manager.order_by("pk").first()
    assert client.get(_url(obj)).status_code == 200
    if admin.site._registry[model].has_add_permission(changelist.wsgi_request):
        assert client.get(_url(model, "add")).status_code == 200


@pytest.mark.parametrize("who", ["manager_a", "officer_1"])
def test_offered_pages_render_for_roles(client: Any, buying: Buying, world: Any, who: str) -> None:
    client.force_login(getattr(world, who))
    index = client.get(reverse("admin:index"))
    offered = [model for app in index.context["app_list"] for model in app["models"]]
    for entry in offered:
        response = client.get(entry["admin_url"])
        assert response.status_code == 200, entry["admin_url"]
        if entry.get("add_url"):
            assert client.get(entry["add_url"]).status_code == 200, entry["add_url"]
        for obj in response.context["cl"].result_list[:1]:
            assert client.get(_url(obj)).status_code == 200, _url(obj)


# --- who sees what ----------------------------------------------------------------------


def test_manager_sees_only_their_shops_rows(
    client: Any, buying: Buying, stay_a: Stay, world: Any
) -> None:
    client.force_login(world.manager_a)
    assert _pks(client, buying.shop_order_a) == {buying.shop_order_a.pk}
    assert _pks(client, Voucher) == {buying.voucher_a.pk}
    assert _pks(client, DeliveryMethod) == {buying.express_a.pk, buying.pickup_a.pk}
    assert _pks(client, CancellationPolicy) == {stay_a.policy.pk}
    assert _pks(client, DayCapacity) == set(
        DayCapacity.objects.filter(product=stay_a.homestay).values_list("pk", flat=True)
    )
    assert _pks(client, BookingHold) == {BookingHold.objects.get(key="test:stay-a").pk}
    assert client.get(_url(buying.shop_order_a)).status_code == 200
    for other in (
        buying.shop_order_b,
        buying.voucher_b,
        buying.express_b,
        buying.policy_c,
        buying.hold,
    ):
        assert client.get(_url(other)).status_code == 404, other
    # Buyer-wide rows are the platform admin's.
    for model in (buying.order, buying.checkout, buying.address):
        assert client.get(_url(model, "changelist")).status_code == 403


def test_officer_reads_their_township_only(client: Any, buying: Buying, world: Any) -> None:
    client.force_login(world.officer_1)
    assert _pks(client, buying.shop_order_a) == {buying.shop_order_a.pk, buying.shop_order_b.pk}
    assert _pks(client, Voucher) == {buying.voucher_a.pk, buying.voucher_b.pk}
    index = client.get(reverse("admin:index"))
    # An officer changes nothing; they add only a data request (asking to read) and a
    # villager's complaint about a shop of their township.
    assert {
        model["object_name"]
        for app in index.context["app_list"]
        for model in app["models"]
        if model["perms"]["add"] or model["perms"]["change"]
    } == {"Complaint", "DataAccessRequest"}
    data = changeform_data(client.get(_url(buying.voucher_a)))
    assert client.post(_url(buying.voucher_a), {**data, "name": "改"}).status_code == 403
    assert client.get(_url(Voucher, "add")).status_code == 403


def test_officer_of_another_township_sees_no_orders(
    client: Any, buying: Buying, world: Any
) -> None:
    from tests.admin.conftest import staff

    officer_2 = staff(role="TOWNSHIP_OFFICER", township_obj=world.township_2)
    client.force_login(officer_2)
    assert _pks(client, buying.shop_order_a) == set()
    assert client.get(_url(buying.shop_order_a)).status_code == 404


# --- buyer data -------------------------------------------------------------------------


def test_shop_order_masks_buyer_data_by_role(client: Any, buying: Buying, world: Any) -> None:
    street = ADDRESS["street_address_1"]
    phone = ADDRESS["phone"]

    client.force_login(world.platform_admin)
    page = client.get(_url(buying.shop_order_b)).content.decode()
    assert BUYER_EMAIL in page and street in page and phone in page

    # The manager ships their own shop order: the address is whole, the e-mail is not.
    client.force_login(world.manager_a)
    for response in (
        client.get(_url(buying.shop_order_a)),
        client.get(_url(buying.shop_order_a, "changelist")),
    ):
        page = response.content.decode()
        assert street in page and phone in page
        assert BUYER_EMAIL not in page and "x***@example.cn" in page

    client.force_login(world.officer_1)
    for response in (
        client.get(_url(buying.shop_order_a)),
        client.get(_url(buying.shop_order_a, "changelist")),
    ):
        page = response.content.decode()
        assert street not in page and phone not in page and BUYER_EMAIL not in page
        assert "王*" in page and "云南省临沧市" in page


# --- edits ------------------------------------------------------------------------------


def _voucher_post(shop_pk: int, code: str) -> dict[str, Any]:
    now = timezone.localtime()
    return {
        "shop": shop_pk,
        "code": code,
        "name": "秋茶上新",
        "discount_type": "FIXED",
        "discount_value": "5.00",
        "min_spend_amount": "50.00",
        "start_date_0": now.strftime("%Y-%m-%d"),
        "start_date_1": now.strftime("%H:%M:%S"),
        "is_active": "on",
    }


def test_manager_adds_vouchers_for_their_shop_only(client: Any, buying: Buying, world: Any) -> None:
    client.force_login(world.manager_a)
    add = _url(Voucher, "add")
    response = client.post(add, _voucher_post(world.shop_b.pk, "AUTUMN5"))
    assert response.status_code == 200 and "shop" in response.context["adminform"].form.errors
    response = client.post(add, _voucher_post(world.shop_a.pk, "spring10"))
    assert "code" in response.context["adminform"].form.errors  # case-blind per shop
    assert client.post(add, _voucher_post(world.shop_a.pk, "AUTUMN5")).status_code == 302
    assert Voucher.objects.get(code="AUTUMN5").shop == world.shop_a

    data = changeform_data(client.get(_url(buying.voucher_a)))
    data["usage_limit"] = "0"
    buying.voucher_a.used = 1
    buying.voucher_a.save(update_fields=["used"])
    response = client.post(_url(buying.voucher_a), data)
    assert "usage_limit" in response.context["adminform"].form.errors
    # A redeemed voucher is switched off, not deleted.
    assert client.post(_url(buying.voucher_a, "delete"), {"post": "yes"}).status_code == 403
    assert client.post(_url(buying.voucher_b, "delete"), {"post": "yes"}).status_code == 404


def test_delivery_method_pickup_must_be_at_the_shops_station(
    client: Any, buying: Buying, world: Any
) -> None:
    client.force_login(world.platform_admin)
    payload = {
        "shop": world.shop_a.pk,
        "kind": "VILLAGE_PICKUP",
        "name": "邻村代收点",
        "price_amount": "0.00",
        "pickup_warehouse": world.shop_b.warehouses.first().pk,
        "is_active": "on",
    }
    add = _url(DeliveryMethod, "add")
    response = client.post(add, payload)
    assert "pickup_warehouse" in response.context["adminform"].form.errors
    response = client.post(
        add,
        {**payload, "pickup_warehouse": world.shop_a.warehouses.first().pk, "price_amount": "3"},
    )
    assert response.context["adminform"].form.non_field_errors()  # pickup is free
    client.force_login(world.manager_a)
    payload["pickup_warehouse"] = world.shop_a.warehouses.first().pk
    assert client.post(add, payload).status_code == 302
    assert DeliveryMethod.objects.filter(shop=world.shop_a, name="邻村代收点").exists()


def test_capacity_is_set_through_the_service_rules(client: Any, stay_a: Stay, world: Any) -> None:
    day = stay_a.day
    assert day.held == 1
    client.force_login(world.manager_a)
    data = changeform_data(client.get(_url(day)))
    response = client.post(_url(day), {**data, "capacity": "0"})
    assert "capacity" in response.context["adminform"].form.errors
    assert client.post(_url(day), {**data, "capacity": "2"}).status_code == 302
    day.refresh_from_db()
    assert day.capacity == 2

    new_date = day.date + timedelta(days=30)
    payload = {"product": stay_a.homestay.pk, "date": new_date.isoformat(), "capacity": "0"}
    assert client.post(_url(DayCapacity, "add"), payload).status_code == 302
    closed = DayCapacity.objects.get(product=stay_a.homestay, date=new_date)
    assert closed.capacity == 0 and closed.held == 0
    # Goods are not bookable, so they are not offered.
    response = client.post(_url(DayCapacity, "add"), {**payload, "product": world.product_a.pk})
    assert "product" in response.context["adminform"].form.errors


def _tiers(rows: list[tuple[int, int]]) -> dict[str, Any]:
    data = {"tiers-TOTAL_FORMS": str(len(rows)), "tiers-INITIAL_FORMS": "0"}
    for i, (days, percent) in enumerate(rows):
        data[f"tiers-{i}-min_days_before"] = str(days)
        data[f"tiers-{i}-refund_percent"] = str(percent)
    return data


def _policy_tiers(policy: CancellationPolicy) -> list[tuple[int, int]]:
    return list(policy.tiers.values_list("min_days_before", "refund_percent"))


def test_policy_tiers_go_through_the_service(client: Any, stay_a: Stay, world: Any) -> None:
    policy = stay_a.policy
    assert _policy_tiers(policy) == [(7, 100), (0, 0)]
    client.force_login(world.manager_a)
    url = _url(policy)
    data = changeform_data(client.get(url))
    assert int(data["tiers-TOTAL_FORMS"]) == 3  # two tiers and an empty row

    # Cancelling 7 days ahead would refund less than 3 days ahead: refused, nothing saved.
    refused = {**data, "tiers-0-refund_percent": "0", "tiers-2-min_days_before": "3"}
    refused["tiers-2-refund_percent"] = "50"
    response = client.post(url, refused)
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert _policy_tiers(policy) == [(7, 100), (0, 0)]

    # Move the first tier, drop nothing, add one; the service replaces the set whole.
    edited = {**data, "tiers-0-min_days_before": "14", "tiers-2-min_days_before": "3"}
    edited["tiers-2-refund_percent"] = "50"
    response = client.post(url, edited)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert _policy_tiers(policy) == [(14, 100), (3, 50), (0, 0)]

    data = changeform_data(client.get(url))
    response = client.post(url, {**data, "tiers-0-DELETE": "on"})
    assert response.status_code == 302, response.context and response.context["errors"]
    assert _policy_tiers(policy) == [(3, 50), (0, 0)]

    client.force_login(world.officer_1)
    assert client.post(url, data).status_code == 403


def test_policy_for_a_product_is_added_and_cleared(client: Any, stay_a: Stay, world: Any) -> None:
    client.force_login(world.manager_a)
    payload = {"product": stay_a.homestay.pk, **_tiers([(2, 80), (0, 0)])}
    response = client.post(_url(CancellationPolicy, "add"), payload)
    assert response.status_code == 302, response.context and response.context["errors"]
    policy = CancellationPolicy.objects.get(product=stay_a.homestay)
    assert _policy_tiers(policy) == [(2, 80), (0, 0)]
    both = {**payload, "shop": world.shop_a.pk}
    response = client.post(_url(CancellationPolicy, "add"), both)
    assert response.status_code == 200
    assert client.post(_url(policy, "delete"), {"post": "yes"}).status_code == 302
    assert not CancellationPolicy.objects.filter(product=stay_a.homestay).exists()


def test_platform_admin_edits_an_address_through_the_service(
    client: Any, buying: Buying, world: Any
) -> None:
    client.force_login(world.platform_admin)
    url = _url(buying.address)
    data = changeform_data(client.get(url))
    response = client.post(url, {**data, "postal_code": "12345"})
    assert "postal_code" in response.context["adminform"].form.errors
    response = client.post(url, {**data, "phone": "138 0013 8000", "country_area": "云南"})
    assert response.status_code == 302, response.context and response.context["errors"]
    buying.address.refresh_from_db()
    assert buying.address.phone == "+8613800138000"
    assert buying.address.country_area == "云南省"

    snapshot = Address.objects.create(user=None, **ADDRESS)
    page = client.get(_url(snapshot))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
