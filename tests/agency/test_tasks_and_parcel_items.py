"""Government-service tasks through the API: listed while open, closed once with the
operator's note (done, or could not be done), coded errors for what is not a task or is
closed already, refusals for other supermarkets' operators and township staff. And the
catalogue's parcel items, which the generic agency path refuses for the parcel register."""

from __future__ import annotations

import pytest
from graphql_relay import to_global_id

from marketplace.accounts.models import Role
from marketplace.agency.models import AgencyOrder, OrderStatus
from marketplace.red_supermarket.models import Receipt
from tests import factories
from tests.agency.test_api import ORDER_CREATE, denied, order_input, sid
from tests.agency.test_orders import pay
from tests.agency.world import ID_NUMBER, make_counter

pytestmark = pytest.mark.django_db

OPEN_TASKS = """query($s: ID!) {
  agencyOrders(supermarket: $s, status: TASK_OPEN, first: 50) {
    totalCount edges { node { id status item { code name } } } } }"""
CLOSE = """mutation($id: ID!, $status: AgencyOrderStatusEnum!, $note: String) {
  agencyTaskUpdate(id: $id, status: $status, note: $note) {
    agencyOrder { id status operatorNote resolvedAt } errors { field code message } } }"""


def open_task(counter, request_id: str = "task-req-0001") -> AgencyOrder:
    return pay(
        counter,
        request_id=request_id,
        item="gov-social-card",
        fields={"name": "张三", "id_number": ID_NUMBER},
        amount="0",
    )


def gid(order: AgencyOrder) -> str:
    return to_global_id("AgencyOrder", order.pk)


def test_an_open_task_is_listed_then_closed_once_with_its_note(gql, counter) -> None:
    task = open_task(counter)
    gql.login(counter.operator)
    listed = gql.data(OPEN_TASKS, {"s": sid(counter)})["agencyOrders"]
    assert [e["node"]["id"] for e in listed["edges"]] == [gid(task)]
    assert listed["edges"][0]["node"]["item"]["code"] == "gov-social-card"

    done = gql.data(CLOSE, {"id": gid(task), "status": "TASK_DONE", "note": " 已交人社所 "})
    answer = done["agencyTaskUpdate"]
    assert answer["errors"] == []
    assert (answer["agencyOrder"]["status"], answer["agencyOrder"]["operatorNote"]) == (
        "TASK_DONE",
        "已交人社所",
    )
    assert answer["agencyOrder"]["resolvedAt"]
    assert gql.data(OPEN_TASKS, {"s": sid(counter)})["agencyOrders"]["totalCount"] == 0

    # The same outcome again is a retried submit: no error, and the record stays as it was.
    again = gql.data(CLOSE, {"id": gid(task), "status": "TASK_DONE", "note": "另一个说明"})
    assert again["agencyTaskUpdate"]["errors"] == []
    assert again["agencyTaskUpdate"]["agencyOrder"]["operatorNote"] == "已交人社所"
    # Another outcome once closed is refused.
    other = gql.data(CLOSE, {"id": gid(task), "status": "TASK_REJECTED", "note": ""})
    assert [(e["field"], e["code"]) for e in other["agencyTaskUpdate"]["errors"]] == [
        ("status", "TASK_ALREADY_CLOSED")
    ]
    task.refresh_from_db()
    assert (task.status, task.operator_note) == (OrderStatus.TASK_DONE, "已交人社所")


def test_a_task_that_could_not_be_done_is_closed_rejected(gql, counter) -> None:
    task = open_task(counter)
    gql.login(counter.operator)
    answer = gql.data(
        CLOSE, {"id": gid(task), "status": "TASK_REJECTED", "note": "缺户口本，请补材料"}
    )["agencyTaskUpdate"]
    assert answer["errors"] == []
    assert answer["agencyOrder"]["status"] == "TASK_REJECTED"
    task.refresh_from_db()
    assert task.operator_note == "缺户口本，请补材料" and task.resolved_at is not None


def test_what_is_not_a_task_or_not_a_task_status_gets_a_coded_error(
    gql, sandbox, stocked_counter
) -> None:
    counter = stocked_counter
    bill = pay(counter, request_id="task-req-bill1")
    assert bill.status == OrderStatus.SUCCESS
    task = open_task(counter)
    gql.login(counter.operator)
    cases = [
        ({"id": gid(bill), "status": "TASK_DONE"}, ("id", "NOT_A_TASK")),
        ({"id": gid(task), "status": "SUCCESS"}, ("status", "INVALID_STATUS")),
        ({"id": to_global_id("AgencyOrder", 999_999), "status": "TASK_DONE"}, ("id", "NOT_FOUND")),
        ({"id": "not-an-id", "status": "TASK_DONE"}, ("id", "INVALID")),
    ]
    for variables, expected in cases:
        answer = gql.data(CLOSE, {**variables, "note": ""})["agencyTaskUpdate"]
        assert answer["agencyOrder"] is None
        assert [(e["field"], e["code"]) for e in answer["errors"]] == [expected], variables
    bill.refresh_from_db()
    task.refresh_from_db()
    assert (bill.status, task.status) == (OrderStatus.SUCCESS, OrderStatus.TASK_OPEN)


def test_only_the_supermarkets_operator_closes_its_tasks(gql, counter) -> None:
    task = open_task(counter)
    other = make_counter()
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=counter.supermarket.shop.village.township
    )
    for user in (None, factories.user(role=Role.BUYER), other.operator, officer):
        gql.headers.clear()
        if user is not None:
            gql.login(user)
        assert denied(gql(CLOSE, {"id": gid(task), "status": "TASK_DONE", "note": "x"})), user
    task.refresh_from_db()
    assert task.status == OrderStatus.TASK_OPEN and task.operator_note == ""
    # Township staff read the open tasks; another supermarket's operator does not.
    gql.headers.clear()
    gql.login(officer)
    assert gql.data(OPEN_TASKS, {"s": sid(counter)})["agencyOrders"]["totalCount"] == 1
    gql.headers.clear()
    gql.login(other.operator)
    assert denied(gql(OPEN_TASKS, {"s": sid(counter)}))


@pytest.mark.parametrize(
    ("item", "fields"),
    [
        ("parcel-pickup", {"waybill": "ZT7800112233", "phone": "13800138000"}),
        ("parcel-dispatch", {"phone": "13800138000", "destination": "昆明市五华区"}),
    ],
)
def test_parcel_items_are_sent_to_the_parcel_register(gql, counter, item, fields) -> None:
    gql.login(counter.operator)
    body = gql.data(
        ORDER_CREATE,
        {
            "input": order_input(
                counter, item=item, fields=fields, amount="0", requestId="parcel-item-0001"
            )
        },
    )["agencyOrderCreate"]
    assert body["agencyOrder"] is None
    (error,) = body["errors"]
    assert (error["field"], error["code"]) == ("item", "PARCEL_REGISTER")
    assert "stationParcelLogIn" in error["message"] and "stationParcelDispatch" in error["message"]
    assert not AgencyOrder.objects.exists() and not Receipt.objects.exists()
