"""Agency orders against the provider sandbox: every outcome, refunds, queries, callbacks."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from collective_econ.ledger.selectors import account_balance, unbalanced_transaction_ids
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind
from marketplace.accounts.models import Role
from marketplace.agency import orders
from marketplace.agency.catalogue import agency_catalogue_sync
from marketplace.agency.catalogue_data import ITEMS
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.models import AgencyOrder, OrderStatus, ServiceCategory, ServiceItem
from marketplace.agency.orders import (
    agency_order_create,
    agency_order_query,
    agency_order_refresh,
    agency_task_update,
)
from marketplace.agency.tasks import sweep_unknown_task
from marketplace.core.errors import PermissionRefused
from marketplace.red_supermarket.models import Receipt, ReceiptKind
from tests import factories
from tests.agency.world import ID_NUMBER, ensure_catalogue

pytestmark = pytest.mark.django_db

MERCHANT = "M-utility"


def codes(exc: ValidationError) -> set[str]:
    return {error.code for errors in exc.error_dict.values() for error in errors}


def pay(
    counter,
    *,
    request_id="req-00000001",
    item="electricity-sgcc",
    account="3100012345",
    amount="120.00",
    **extra,
):
    fields = extra.pop("fields", None) or {"account": account}
    return agency_order_create(
        supermarket=counter.supermarket,
        operator=counter.operator,
        request_id=request_id,
        item_code=item,
        fields=fields,
        amount=amount,
        **extra,
    )


def balances(counter):
    village = counter.supermarket.shop.village
    return (
        account_balance(account=account_get_or_create(kind=AccountKind.CASH_TILL, owner=village)),
        account_balance(
            account=account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village)
        ),
        account_balance(account=account_get_or_create(kind=AccountKind.AGENCY_PROVIDER_PAYABLE)),
    )


def test_the_catalogue_has_forty_items_across_every_category_and_syncs_idempotently():
    # Seeded by migration; a reused test database may have had it flushed by a race test.
    ensure_catalogue()
    assert ServiceItem.objects.count() == len(ITEMS) >= 40
    assert set(ServiceItem.objects.values_list("category", flat=True)) == set(
        ServiceCategory.values
    )
    assert agency_catalogue_sync() == len(ITEMS)
    assert ServiceItem.objects.count() == len(ITEMS)


def test_an_electricity_bill_paid_in_cash_succeeds_posts_commission_and_issues_a_receipt(
    sandbox, counter
):
    order = pay(counter)
    assert order.status == OrderStatus.SUCCESS
    assert order.provider_order_no
    # 0.2 % provider commission on 120.00, no fee: the collective keeps 0.24.
    assert order.commission == Decimal("0.24")
    till, collective, payable = balances(counter)
    assert till == Decimal("120.00")
    assert collective == Decimal("-0.24")
    assert payable == Decimal("-119.76")
    receipt = Receipt.objects.get(
        kind=ReceiptKind.AGENCY_ORDER, reference=f"agency-order:{order.pk}"
    )
    assert receipt.total == Decimal("120.00")
    assert unbalanced_transaction_ids() == []


def test_a_fixed_fee_is_charged_on_top_and_is_collective_income(sandbox, counter):
    order = pay(counter, item="water-county", account="12345678", amount="30.00")
    assert (order.status, order.fee, order.commission) == (
        OrderStatus.SUCCESS,
        Decimal("0.50"),
        Decimal("0.50"),
    )
    till, collective, _ = balances(counter)
    assert (till, collective) == (Decimal("30.50"), Decimal("-0.50"))


def test_pressing_twice_returns_the_same_order_and_pays_once(sandbox, counter):
    first = pay(counter)
    again = pay(counter)
    assert again.pk == first.pk
    assert AgencyOrder.objects.count() == 1
    assert balances(counter)[0] == Decimal("120.00")


def test_a_request_id_reused_for_another_amount_is_refused(sandbox, counter):
    pay(counter)
    with pytest.raises(ValidationError) as caught:
        pay(counter, amount="99.00")
    assert codes(caught.value) == {AgencyErrorCode.REQUEST_ID_REUSED.value}


def test_a_request_id_reused_for_another_villagers_account_is_refused_not_handed_back(
    sandbox, counter
):
    # After a network drop the operator types the next villager's account, same item and
    # amount, under the pending request id: that is not the first order, paid.
    first = pay(counter, account="3100012345")
    with pytest.raises(ValidationError) as caught:
        pay(counter, account="3100054321")
    assert codes(caught.value) == {AgencyErrorCode.REQUEST_ID_REUSED.value}
    assert list(AgencyOrder.objects.values_list("pk", "account")) == [(first.pk, "3100012345")]
    assert balances(counter)[0] == Decimal("120.00")


def test_a_request_id_reused_with_another_optional_field_is_refused(sandbox, counter):
    pay(counter, fields={"account": "3100012345"})
    with pytest.raises(ValidationError) as caught:
        pay(counter, fields={"account": "3100012345", "period": "202601"})
    assert codes(caught.value) == {AgencyErrorCode.REQUEST_ID_REUSED.value}
    # The same input retyped with stray spaces cleans to the same request.
    again = pay(counter, fields={"account": " 3100012345 "})
    assert AgencyOrder.objects.get().pk == again.pk


def test_a_rejected_bill_is_failed_and_the_cash_given_back_with_a_refund_receipt(sandbox, counter):
    order = pay(counter, account="3100014444")
    assert order.status == OrderStatus.FAILED
    assert "户号" in order.failure_reason
    assert balances(counter) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
    refund = Receipt.objects.get(
        kind=ReceiptKind.AGENCY_REFUND, reference=f"agency-order:{order.pk}"
    )
    assert refund.total == Decimal("120.00")


def test_a_failed_top_up_arrives_by_callback_and_refunds_and_a_replay_changes_nothing(
    sandbox, counter
):
    order = pay(counter, item="topup-cmcc", fields={"phone": "13812345555"}, amount="50.00")
    assert order.status == OrderStatus.PROCESSING
    sandbox.finish_pending("M-telecom", order.request_id)
    body = sandbox.callback_body("M-telecom", order.request_id)
    client = Client()
    for _ in range(2):
        answer = client.post(
            "/agency/callback/telecom/", json.dumps(body), content_type="application/json"
        )
        assert answer.content == b"success"
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert Receipt.objects.filter(kind=ReceiptKind.AGENCY_REFUND).count() == 1
    assert balances(counter) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


def test_a_callback_with_a_bad_signature_is_refused_and_changes_nothing(sandbox, counter):
    order = pay(counter, item="topup-cmcc", fields={"phone": "13812345555"}, amount="50.00")
    sandbox.finish_pending("M-telecom", order.request_id)
    body = sandbox.callback_body("M-telecom", order.request_id)
    body["status"] = "SUCCESS"
    answer = Client().post(
        "/agency/callback/telecom/", json.dumps(body), content_type="application/json"
    )
    assert (answer.status_code, answer.content) == (400, b"fail")
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING


def test_pending_then_success_is_resolved_by_queries(sandbox, counter):
    order = pay(counter, account="3100017777")
    assert order.status == OrderStatus.PROCESSING
    assert agency_order_query(order_pk=order.pk).status == OrderStatus.PROCESSING
    assert agency_order_query(order_pk=order.pk).status == OrderStatus.PROCESSING
    assert agency_order_query(order_pk=order.pk).status == OrderStatus.SUCCESS


def test_a_timeout_is_never_resubmitted_but_queried_to_success(sandbox, counter):
    order = pay(counter, account="3100019999")
    assert order.status == OrderStatus.UNKNOWN
    resolved = agency_order_query(order_pk=order.pk)
    assert resolved.status == OrderStatus.SUCCESS
    # The provider saw one submit and charged once.
    assert sandbox.order(MERCHANT, order.request_id).provider_order_no == resolved.provider_order_no
    assert balances(counter)[0] == Decimal("120.00")


def test_a_lost_request_is_found_missing_at_the_provider_and_refunded(sandbox, counter):
    order = pay(counter, account="3100019990")
    assert order.status == OrderStatus.UNKNOWN
    resolved = agency_order_query(order_pk=order.pk)
    assert resolved.status == OrderStatus.FAILED
    assert balances(counter)[0] == Decimal("0.00")


def test_an_outcome_that_stays_unknown_goes_to_manual_review(sandbox, counter, settings):
    settings.AGENCY_QUERY_MAX_ATTEMPTS = 3
    sandbox.pending_polls = 100
    order = pay(counter, account="3100017777")
    for _ in range(3):
        order = agency_order_query(order_pk=order.pk)
    assert order.status == OrderStatus.MANUAL_REVIEW
    assert order.query_attempts == 3
    # The till still holds the money: the operator sorts it out with the provider.
    assert balances(counter)[0] == Decimal("120.00")


def test_refreshing_a_slow_order_often_never_sends_it_to_review_nor_queues_tasks(
    sandbox, counter, settings, monkeypatch
):
    settings.AGENCY_QUERY_MAX_ATTEMPTS = 3
    sandbox.pending_polls = 100
    queued: list[int] = []
    monkeypatch.setattr(orders, "schedule_query", lambda name, pk, countdown: queued.append(pk))
    order = pay(counter, account="3100017777")
    assert order.status == OrderStatus.PROCESSING
    schedule = (order.query_attempts, order.next_query_at)
    # The page polls while the provider is slow: far more often than the backoff allows.
    for _ in range(10):
        order = agency_order_refresh(order=order, user=counter.operator)
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert (order.query_attempts, order.next_query_at) == schedule
    assert queued == []
    # The schedule's own query still spends an attempt and queues the next one.
    assert agency_order_query(order_pk=order.pk).query_attempts == 1
    assert queued == [order.pk]


def test_a_refresh_records_a_final_answer(sandbox, counter):
    order = pay(counter, account="3100017777")
    assert order.status == OrderStatus.PROCESSING
    for _ in range(3):
        order = agency_order_refresh(order=order, user=counter.operator)
    assert order.status == OrderStatus.SUCCESS
    assert AgencyOrder.objects.get(pk=order.pk).status == OrderStatus.SUCCESS


def test_only_the_supermarkets_operator_may_refresh_an_order(sandbox, counter):
    order = pay(counter, account="3100017777")
    other = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=factories.shop())
    with pytest.raises(PermissionRefused):
        agency_order_refresh(order=order, user=other)


def test_the_sweep_queries_orders_that_are_due(sandbox, counter):
    order = pay(counter, account="3100019999")
    AgencyOrder.objects.filter(pk=order.pk).update(next_query_at="2000-01-01T00:00:00Z")
    assert sweep_unknown_task() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.SUCCESS


@pytest.mark.parametrize(
    ("item", "fields", "amount", "code"),
    [
        ("electricity-sgcc", {"account": "12345"}, "10.00", AgencyErrorCode.INVALID_ACCOUNT),
        ("electricity-sgcc", {"account": "3100012345"}, "0", AgencyErrorCode.INVALID_AMOUNT),
        ("electricity-sgcc", {"account": "3100012345"}, "-5.00", AgencyErrorCode.INVALID_AMOUNT),
        ("electricity-sgcc", {"account": "3100012345"}, "5000.01", AgencyErrorCode.INVALID_AMOUNT),
        ("electricity-sgcc", {"account": "3100012345"}, "1.234", AgencyErrorCode.INVALID_AMOUNT),
        (
            "electricity-sgcc",
            {"account": "3100012345", "period": "209901"},
            "10.00",
            AgencyErrorCode.INVALID_PERIOD,
        ),
        ("topup-cmcc", {"phone": "13012345678"}, "50.00", AgencyErrorCode.INVALID_PHONE),
        ("topup-cucc", {"phone": "1301234567"}, "50.00", AgencyErrorCode.INVALID_PHONE),
        (
            "pension-rural",
            {
                "name": "张三",
                "id_number": ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1"),
                "year": "2026",
            },
            "200.00",
            AgencyErrorCode.INVALID_ID_NUMBER,
        ),
        ("pension-rural", {"name": "张三", "year": "2026"}, "200.00", AgencyErrorCode.REQUIRED),
        ("no-such-item", {}, "10.00", AgencyErrorCode.UNKNOWN_ITEM),
        ("ticket-bus", {}, "10.00", AgencyErrorCode.WRONG_FLOW),
        ("cash-withdrawal", {}, "10.00", AgencyErrorCode.WRONG_FLOW),
        (
            "electricity-sgcc",
            {"account": "3100012345", "colour": "red"},
            "10.00",
            AgencyErrorCode.INVALID_FIELD,
        ),
    ],
)
def test_bad_input_is_refused_with_a_code_and_writes_nothing(counter, item, fields, amount, code):
    with pytest.raises(ValidationError) as caught:
        pay(counter, item=item, fields=fields, amount=amount)
    assert codes(caught.value) == {code.value}
    assert not AgencyOrder.objects.exists()
    assert balances(counter)[0] == Decimal("0.00")


def test_an_insurance_premium_with_a_valid_id_number_is_paid(sandbox, counter):
    order = pay(
        counter,
        item="pension-rural",
        fields={"name": "张三", "id_number": ID_NUMBER, "year": "2026"},
        amount="300.00",
    )
    assert order.status == OrderStatus.SUCCESS


def test_only_the_supermarkets_operator_may_take_an_order(counter):
    other = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=factories.shop())
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=counter.supermarket.shop.village.township
    )
    for user in (other, officer):
        with pytest.raises(PermissionRefused):
            agency_order_create(
                supermarket=counter.supermarket, operator=user, request_id="req-00000002",
                item_code="electricity-sgcc", fields={"account": "3100012345"}, amount="10.00",
            )  # fmt: skip


def test_a_government_service_becomes_a_task_with_a_note(counter):
    order = pay(
        counter, item="gov-social-card", fields={"name": "张三", "id_number": ID_NUMBER}, amount="0"
    )
    assert order.status == OrderStatus.TASK_OPEN
    done = agency_task_update(
        order=order, user=counter.operator, status=OrderStatus.TASK_DONE, note="已提交人社所"
    )
    assert (done.status, done.operator_note) == (OrderStatus.TASK_DONE, "已提交人社所")
    with pytest.raises(ValidationError) as caught:
        agency_task_update(
            order=order, user=counter.operator, status=OrderStatus.TASK_REJECTED, note=""
        )
    assert codes(caught.value) == {AgencyErrorCode.TASK_ALREADY_CLOSED.value}
