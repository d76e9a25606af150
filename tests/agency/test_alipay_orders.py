"""Agency orders paid by Alipay payment code: the provider is asked only once Alipay has
the money, the payment is posted to ALIPAY_CLEARING (never the till), a failed service is
refunded at Alipay exactly once, and a payment left waiting is cancelled by the sweep."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from graphql_relay import to_global_id

from collective_econ.ledger.selectors import account_balance
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind, JournalTransaction
from marketplace.agency.alipay_bill import SOURCE_NAME as ALIPAY_SOURCE
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.models import AgencyOrder, OrderStatus, ReconciliationItem
from marketplace.agency.orders import agency_order_refresh
from marketplace.agency.reconciliation import reconciliation_run
from marketplace.agency.tasks import sweep_unknown_task
from marketplace.red_supermarket.models import Receipt, ReceiptKind
from tests.agency.test_orders import MERCHANT, balances, codes, pay
from tests.agency.test_races import race
from tests.agency.world import make_counter

_seeds = iter(range(500, 10_000))


def code(alipay_sandbox) -> str:
    return alipay_sandbox.face_to_face.new_auth_code(next(_seeds))


def pay_by_code(counter, alipay_sandbox, *, auth_code=None, **kw):
    return pay(
        counter,
        payment_method="ALIPAY_CODE",
        auth_code=auth_code or code(alipay_sandbox),
        **kw,
    )


def clearing() -> Decimal:
    return account_balance(account=account_get_or_create(kind=AccountKind.ALIPAY_CLEARING))


def alipay_refunds(alipay_sandbox, order) -> Decimal:
    return alipay_sandbox.trade(order.out_trade_no).refunded_total


@pytest.mark.django_db
def test_a_code_that_pays_at_once_posts_to_clearing_and_submits_once(
    sandbox, alipay_sandbox, counter
):
    order = pay_by_code(counter, alipay_sandbox, request_id="ali-order-0001")
    assert order.status == OrderStatus.SUCCESS
    assert order.alipay_trade_no and order.paid_at
    # The till holds no cash for it; the collective earns its commission all the same.
    till, collective, payable = balances(counter)
    assert (till, clearing()) == (Decimal("0.00"), Decimal("120.00"))
    # Credits read negative: the collective is owed its commission, the provider the rest.
    assert collective == -order.commission
    assert payable == -(Decimal("120.00") - order.commission)
    receipt = Receipt.objects.get(kind=ReceiptKind.AGENCY_ORDER)
    assert receipt.payment_method == "ALIPAY_CODE"
    assert sandbox.order(MERCHANT, order.request_id) is not None
    # Pressed again (same request id): the same order, nothing paid or posted twice.
    again = pay_by_code(counter, alipay_sandbox, request_id="ali-order-0001")
    assert again.pk == order.pk
    assert (
        JournalTransaction.objects.filter(idempotency_key__startswith="agency-order:").count() == 1
    )
    assert alipay_sandbox.trade(order.out_trade_no).status.value == "TRADE_SUCCESS"


@pytest.mark.django_db
def test_the_provider_waits_for_the_villager_to_confirm_on_the_phone(
    sandbox, alipay_sandbox, counter
):
    alipay_sandbox.face_to_face.require_password()
    order = pay_by_code(counter, alipay_sandbox, request_id="ali-paying-001")
    assert order.status == OrderStatus.PAYING
    assert sandbox.order(MERCHANT, order.request_id) is None
    assert not JournalTransaction.objects.exists() and not Receipt.objects.exists()
    assert agency_order_refresh(order=order, user=counter.operator).status == OrderStatus.PAYING
    alipay_sandbox.face_to_face.confirm_password(order.out_trade_no)
    done = agency_order_refresh(order=order, user=counter.operator)
    assert done.status == OrderStatus.SUCCESS
    assert sandbox.order(MERCHANT, order.request_id) is not None
    assert clearing() == Decimal("120.00")
    agency_order_refresh(order=done, user=counter.operator)
    assert JournalTransaction.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_service_is_refunded_at_alipay_once(sandbox, alipay_sandbox, counter):
    order = pay_by_code(counter, alipay_sandbox, account="3100014444")  # the provider rejects
    assert order.status == OrderStatus.FAILED
    assert order.alipay_refunded_at is not None
    assert alipay_refunds(alipay_sandbox, order) == Decimal("120.00")
    assert clearing() == Decimal("0.00") and balances(counter)[0] == Decimal("0.00")
    refund = Receipt.objects.get(kind=ReceiptKind.AGENCY_REFUND)
    assert refund.payment_method == "ALIPAY_CODE"
    # Sweeps and refreshes afterwards refund nothing more.
    sweep_unknown_task()
    agency_order_refresh(order=order, user=counter.operator)
    assert alipay_refunds(alipay_sandbox, order) == Decimal("120.00")


@pytest.mark.django_db
def test_a_refund_alipay_does_not_confirm_is_retried_by_the_sweep(sandbox, alipay_sandbox, counter):
    alipay_sandbox.inject_error("alipay.trade.refund")
    order = pay_by_code(counter, alipay_sandbox, account="3100014444")
    assert order.status == OrderStatus.FAILED and order.alipay_refunded_at is None
    assert alipay_refunds(alipay_sandbox, order) == Decimal("0.00")
    assert sweep_unknown_task() == 1
    order.refresh_from_db()
    assert order.alipay_refunded_at is not None
    assert alipay_refunds(alipay_sandbox, order) == Decimal("120.00")
    assert sweep_unknown_task() == 0


@pytest.mark.django_db
def test_a_refused_code_is_not_paid_and_nothing_is_submitted_or_posted(
    sandbox, alipay_sandbox, counter
):
    used = code(alipay_sandbox)
    pay_by_code(counter, alipay_sandbox, auth_code=used, request_id="ali-first-0001")
    # Sixteen digits, but not a code Alipay issues: Alipay refuses it.
    not_a_code = pay_by_code(
        counter, alipay_sandbox, auth_code="1000000000000000", request_id="ali-refused-02"
    )
    assert not_a_code.status == OrderStatus.NOT_PAID and not_a_code.failure_reason
    assert sandbox.order(MERCHANT, not_a_code.request_id) is None
    assert not JournalTransaction.objects.filter(
        idempotency_key=f"agency-order:{not_a_code.pk}"
    ).exists()
    with pytest.raises(ValidationError) as caught:
        pay_by_code(counter, alipay_sandbox, auth_code="12ab", request_id="ali-badcode-01")
    assert codes(caught.value) == {AgencyErrorCode.PAYMENT_CODE_INVALID.value}
    with pytest.raises(ValidationError) as caught:
        pay_by_code(counter, alipay_sandbox, auth_code=used, request_id="ali-reused-001")
    assert codes(caught.value) == {AgencyErrorCode.PAYMENT_CODE_INVALID.value}
    assert not AgencyOrder.objects.filter(request_id__in=["ali-badcode-01", "ali-reused-001"])


@pytest.mark.django_db
def test_a_payment_left_waiting_is_cancelled_by_the_sweep(sandbox, alipay_sandbox, counter):
    alipay_sandbox.face_to_face.require_password()
    order = pay_by_code(counter, alipay_sandbox, request_id="ali-stale-0001")
    AgencyOrder.objects.filter(pk=order.pk).update(next_query_at="2000-01-01T00:00:00Z")
    assert sweep_unknown_task() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.NOT_PAID
    assert alipay_sandbox.trade(order.out_trade_no).status.value == "TRADE_CLOSED"
    assert sandbox.order(MERCHANT, order.request_id) is None
    assert not JournalTransaction.objects.exists()


ORDER_CREATE = """
mutation($input: AgencyOrderCreateInput!) {
  agencyOrderCreate(input: $input) {
    agencyOrder { status paymentMethod alipayTradeNo paidAt }
    errors { field code }
  }
}"""


@pytest.mark.django_db
def test_the_api_takes_an_alipay_code(gql, sandbox, alipay_sandbox, counter):
    gql.login(counter.operator)
    base = {
        "supermarket": to_global_id("RedSupermarket", counter.supermarket.pk),
        "item": "electricity-sgcc",
        "fields": {"account": "3100012345"},
        "amount": "50.00",
        "paymentMethod": "ALIPAY_CODE",
    }
    payload = gql.data(
        ORDER_CREATE,
        {"input": {**base, "requestId": "ali-api-00001", "authCode": code(alipay_sandbox)}},
    )["agencyOrderCreate"]
    assert payload["errors"] == []
    assert payload["agencyOrder"]["status"] == "SUCCESS"
    assert payload["agencyOrder"]["paymentMethod"] == "ALIPAY_CODE"
    assert payload["agencyOrder"]["alipayTradeNo"] and payload["agencyOrder"]["paidAt"]
    missing = gql.data(ORDER_CREATE, {"input": {**base, "requestId": "ali-api-00002"}})
    assert missing["agencyOrderCreate"]["errors"] == [
        {"field": "authCode", "code": "PAYMENT_CODE_INVALID"}
    ]


@pytest.mark.django_db(transaction=True)
def test_the_same_request_pressed_in_many_threads_charges_the_code_once(sandbox, alipay_sandbox):
    counter = make_counter()
    auth_code = code(alipay_sandbox)
    results = race(
        lambda _: pay(
            counter,
            request_id="ali-race-00001",
            payment_method="ALIPAY_CODE",
            auth_code=auth_code,
            amount="88.00",
        ),
        threads=4,
    )
    assert all(isinstance(r, AgencyOrder) for r in results), results
    assert {r.pk for r in results} == {AgencyOrder.objects.get().pk}
    assert AgencyOrder.objects.get().status == OrderStatus.SUCCESS
    assert clearing() == Decimal("88.00")
    assert JournalTransaction.objects.count() == 1
    assert sum(1 for key in sandbox.orders if key[1] == "ali-race-00001") == 1


@pytest.mark.django_db
def test_alipay_orders_are_in_the_alipay_bill_and_unpaid_ones_not_in_the_provider_statement(
    sandbox, alipay_sandbox, counter
):
    paid = pay_by_code(counter, alipay_sandbox, request_id="ali-recon-0001", amount="66.00")
    alipay_sandbox.face_to_face.require_password()
    waiting = pay_by_code(counter, alipay_sandbox, request_id="ali-recon-0002")
    assert (paid.status, waiting.status) == (OrderStatus.SUCCESS, OrderStatus.PAYING)
    runs = {
        run.source: run
        for source in (ALIPAY_SOURCE, "provider:utility")
        for run in reconciliation_run(day=timezone.localdate(), source=source)
    }
    assert not any(run.error for run in runs.values()), runs
    # Alipay's bill lists the paid order's trade (the waiting one is not paid yet) and the
    # provider's statement its order: both sides agree, nothing is flagged.
    assert runs[ALIPAY_SOURCE].ours_count == 1 and runs[ALIPAY_SOURCE].theirs_count >= 1
    assert runs["provider:utility"].ours_count == 1
    assert not ReconciliationItem.objects.exists()
