"""Filing complaints: a buyer about their own shop order through `complaintCreate`, an
officer recording a villager's complaint in the back office; refusals and bad input coded."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.orders.models import Order
from marketplace.supervision.models import Complaint, ComplaintStatus
from storefront_api.core.ids import to_global_id
from tests.supervision.test_api import COMPLAINT_CREATE, _complaint_input
from tests.supervision.world import Town, sell

pytestmark = pytest.mark.django_db


def _buyers_order(town: Town, buyer) -> object:
    shop_order = sell(town.shops[1], amount="30.00", when=timezone.now())
    Order.objects.filter(pk=shop_order.order_id).update(user=buyer)
    return shop_order


def test_buyer_complains_about_their_own_order(gql, town):
    shop_order = _buyers_order(town, town.buyer)
    gql.login(town.buyer)
    data = gql.data(
        COMPLAINT_CREATE,
        {
            "input": {
                "shopOrder": to_global_id("ShopOrder", shop_order.pk),
                "complainantKind": "BUYER",
                "subject": "  茶叶受潮 ",
                "details": "包装破了",
            }
        },
    )["complaintCreate"]
    assert data["errors"] == []
    assert data["complaint"]["status"] == "OPEN"
    assert data["complaint"]["shop"]["name"] == town.shops[1].name
    complaint = Complaint.objects.get()
    assert (complaint.shop_order_id, complaint.filed_by_id) == (shop_order.pk, town.buyer.pk)
    assert complaint.subject == "茶叶受潮" and complaint.status == ComplaintStatus.OPEN


def test_buyer_may_not_complain_about_someone_elses_order(gql, town):
    from tests import factories

    shop_order = _buyers_order(town, factories.user())
    gql.login(town.buyer)
    body = gql(
        COMPLAINT_CREATE,
        {
            "input": {
                "shopOrder": to_global_id("ShopOrder", shop_order.pk),
                "complainantKind": "BUYER",
                "subject": "冒充",
            }
        },
    )
    assert [e["extensions"]["exception"]["code"] for e in body["errors"]] == ["PermissionDenied"]
    assert not Complaint.objects.exists()


def test_officer_of_another_township_may_not_record_a_complaint(gql, town):
    gql.login(town.other_officer)
    body = gql(COMPLAINT_CREATE, _complaint_input(town))
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"subject": "   "}, "subject", "REQUIRED"),
        ({"shop": "not-an-id"}, "shop", "INVALID"),
        ({"shop": to_global_id("Shop", 987654)}, "shop", "NOT_FOUND"),
        ({"shop": None}, "shop", "REQUIRED"),
    ],
)
def test_bad_complaints_are_coded_errors(gql, town, change, field, code):
    gql.login(town.officer)
    data = gql.data(COMPLAINT_CREATE, _complaint_input(town, **change))["complaintCreate"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [(field, code)]
    assert data["complaint"] is None and not Complaint.objects.exists()


def test_an_order_from_another_shop_is_a_coded_error(gql, town):
    shop_order = _buyers_order(town, town.buyer)
    gql.login(town.officer)
    data = gql.data(
        COMPLAINT_CREATE,
        _complaint_input(town, shopOrder=to_global_id("ShopOrder", shop_order.pk)),
    )["complaintCreate"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("shopOrder", "INVALID")]


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_officer_records_a_villagers_complaint_in_the_back_office(client, town):
    client.force_login(_staff(town.officer))
    add = reverse("admin:supervision_complaint_add")
    form = client.get(add)
    assert form.status_code == 200
    shops = form.context["adminform"].form.fields["shop"].queryset
    choices = set(shops.values_list("pk", flat=True))
    assert choices == {s.pk for s in town.shops}
    response = client.post(
        add,
        {"shop": town.shops[2].pk, "complainant_kind": "VILLAGER", "subject": "缺斤少两"},
    )
    assert response.status_code == 302, response.content
    complaint = Complaint.objects.get()
    assert (complaint.shop_id, complaint.filed_by_id) == (town.shops[2].pk, town.officer.pk)


def test_back_office_refuses_shops_outside_the_township_and_non_officers(client, town):
    client.force_login(_staff(town.officer))
    add = reverse("admin:supervision_complaint_add")
    response = client.post(
        add, {"shop": town.other_shop.pk, "complainant_kind": "VILLAGER", "subject": "越界"}
    )
    assert response.status_code == 200 and not Complaint.objects.exists()
    assert "shop" in response.context["adminform"].form.errors
    client.force_login(_staff(town.county_officer))
    assert client.get(add).status_code == 403
