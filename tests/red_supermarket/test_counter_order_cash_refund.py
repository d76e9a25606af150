"""`counterOrderCashRefund`: cash an online order was paid with at the counter is handed
back from the same till, with the till shift open and enough cash in it, as a successful
refund with a receipt; once per request id; never more than was paid, even from two
operators at once; and the ledger ends where it started (the close counts the float, SHOP
is back to zero, a refund after settlement is clawed back and every entry balances)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from collective_econ.ledger.selectors import account_balance, unbalanced_transaction_ids
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind, JournalKind, JournalTransaction, Posting
from collective_econ.settlement.selectors import refund_ids_to_claw_back
from collective_econ.settlement.services import refund_clawback
from marketplace.accounts.models import Role
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.orders.models import Order, OrderChargeStatus, ShopOrder
from marketplace.payments.cancellation import shop_order_cancel_and_refund
from marketplace.payments.cash import cash_payment_confirm
from marketplace.payments.error_codes import RefundErrorCode
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.ledger import payment_refunded_key
from marketplace.payments.models import GatewayId, Refund, RefundStatus, TransactionItem
from marketplace.red_supermarket.counter.online_cash import (
    counter_order_cash_refund,
    order_cash_refund_receipt,
)
from marketplace.red_supermarket.counter.services import till_shift_close, till_shift_open
from marketplace.red_supermarket.models import Receipt, ReceiptKind, RedSupermarket, TillShift
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.checkout import helpers
from tests.payments.test_payment_ledger import _settle_all
from tests.payments.test_races import race

ZERO = Decimal("0.00")

REFUND = """mutation($shopOrder: ID!, $amount: String, $requestId: UUID!, $reason: String) {
  counterOrderCashRefund(shopOrder: $shopOrder, amount: $amount, requestId: $requestId,
                         reason: $reason) {
    refund { outRequestNo status amount { amount } }
    receipt { number total { amount } }
    errors { field code } } }"""


class CashOrder:
    """An online order of ¥30 a line (two ¥15 items each, picked up) in the village-counter
    channel, at a shop hosting a Red Supermarket, placed to be paid in cash; its operator."""

    def __init__(self, *, lines: int = 1) -> None:
        counter = factories.channel("village-counter")
        self.shop = helpers.shop_with_delivery()
        self.supermarket: RedSupermarket = factories.red_supermarket(shop_obj=self.shop)
        self.operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=self.shop)
        goods = [
            helpers.goods(shop=self.shop, channel=counter, price="15.00", stock=10)
            for _ in range(lines)
        ]
        checkout = checkout_services.checkout_create(
            channel=counter,
            email="villager@example.cn",
            lines=[helpers.line(tea, 2) for tea in goods],
        )
        checkout = helpers.ready(checkout, method="pickup", pay=False)
        self.tx: TransactionItem = transaction_initialize(
            checkout=checkout, gateway_id=GatewayId.CASH
        ).transaction
        self.order: Order = checkout_complete(checkout=checkout, allow_unpaid=True)
        self.shop_order = ShopOrder.objects.get(order=self.order)
        self.village = self.shop.village

    def open_till(self, float_amount: str = "100.00") -> TillShift:
        return till_shift_open(
            supermarket=self.supermarket, operator=self.operator, float_amount=float_amount
        )

    def take_cash(self) -> None:
        cash_payment_confirm(transaction_id=self.tx.pk, actor=self.operator)

    def shop_order_id(self) -> str:
        return to_global_id("ShopOrder", self.shop_order.pk)


def _balance(kind: str, owner: Any = None) -> Decimal:
    return account_balance(account=account_get_or_create(kind=kind, owner=owner))


def _legs(key: str) -> list[tuple[str, Any, Decimal]]:
    return [
        (p.account.kind, p.account.shop_id or p.account.village_id, p.amount)
        for p in Posting.objects.filter(transaction__idempotency_key=key)
        .select_related("account")
        .order_by("pk")
    ]


def _gql_as(user: Any) -> GraphQLClient:
    gql = GraphQLClient(Client())
    if user is not None:
        gql.login(user)
    return gql


@pytest.mark.django_db
def test_a_refunded_order_leaves_the_till_counting_its_float_and_the_shop_at_zero() -> None:
    world = CashOrder()
    shift = world.open_till("100.00")
    world.take_cash()
    assert world.shop_order.total_amount == Decimal("30.00")
    assert _balance(AccountKind.CASH_TILL, world.village) == Decimal("130.00")
    gql = _gql_as(world.operator)
    request_id = str(uuid.uuid4())
    variables = {
        "shopOrder": world.shop_order_id(),
        "amount": "30.00",
        "requestId": request_id,
        "reason": "买家退货 returned",
    }

    first = gql.data(REFUND, variables)["counterOrderCashRefund"]
    again = gql.data(REFUND, variables)["counterOrderCashRefund"]  # a flaky network's retry

    assert first["errors"] == [] and again == first
    assert first["refund"]["status"] == "SUCCESS"
    assert first["refund"]["amount"]["amount"] == 30
    assert first["receipt"]["total"]["amount"] == 30
    refund = Refund.objects.get()
    assert refund.transaction_id == world.tx.pk and refund.status == RefundStatus.SUCCESS
    assert refund.requested_by == world.operator
    receipt = Receipt.objects.get(kind=ReceiptKind.CASH_REFUND)
    assert receipt == order_cash_refund_receipt(refund=refund)
    assert receipt.payment_method == "CASH" and receipt.total == Decimal("30.00")
    assert _legs(payment_refunded_key(refund.pk)) == [
        (AccountKind.SHOP, world.shop.pk, Decimal("30.00")),
        (AccountKind.CASH_TILL, world.village.pk, Decimal("-30.00")),
    ]
    world.tx.refresh_from_db()
    assert world.tx.refunded_amount == Decimal("30.00")
    assert _balance(AccountKind.SHOP, world.shop) == ZERO
    assert _balance(AccountKind.CASH_TILL, world.village) == Decimal("100.00")

    # The drawer holds the float only: counting 100 is no variance.
    closed = till_shift_close(shift=shift, operator=world.operator, counted_amount="100.00")
    assert closed.expected_amount == Decimal("100.00")
    assert closed.variance == ZERO
    assert _balance(AccountKind.TILL_VARIANCE, world.village) == ZERO
    # A retry after the close answers the same refund and moves no cash.
    late = gql.data(REFUND, variables)["counterOrderCashRefund"]
    assert late == first
    reused = gql.data(REFUND, {**variables, "amount": "5.00"})["counterOrderCashRefund"]
    assert reused["errors"] == [{"field": "requestId", "code": "INVALID"}]
    assert JournalTransaction.objects.filter(kind=JournalKind.PAYMENT_REFUNDED).count() == 1
    assert unbalanced_transaction_ids() == []


@pytest.mark.django_db
def test_a_refund_after_settlement_is_clawed_back_from_the_beneficiaries(settings: Any) -> None:
    world = CashOrder()
    shift = world.open_till("100.00")
    world.take_cash()
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=world.shop)
    _settle_all(world.order, manager=manager, settings=settings)
    assert _balance(AccountKind.SHOP, world.shop) == ZERO
    assert _balance(AccountKind.VILLAGE_COLLECTIVE, world.village) < 0

    # Part now, then the policy amount (everything for goods) gives only what is left.
    part, _ = counter_order_cash_refund(
        shop_order=world.shop_order,
        operator=world.operator,
        request_id=uuid.uuid4(),
        amount="10.00",
        reason="一袋破了",
    )
    rest, _ = counter_order_cash_refund(
        shop_order=world.shop_order, operator=world.operator, request_id=uuid.uuid4()
    )
    assert (part.amount, rest.amount) == (Decimal("10.00"), Decimal("20.00"))
    # Handed back, not yet clawed back: SHOP paid the beneficiaries money it gave back.
    assert _balance(AccountKind.SHOP, world.shop) == Decimal("30.00")
    assert sorted(refund_ids_to_claw_back(limit=10)) == sorted([part.pk, rest.pk])
    for refund in (part, rest):
        refund_clawback(refund=refund)
        refund_clawback(refund=refund)  # the beat task may meet it again
    assert refund_ids_to_claw_back(limit=10) == []
    # The float is all the till holds; the close hands it back to the collective.
    assert _balance(AccountKind.CASH_TILL, world.village) == Decimal("100.00")
    closed = till_shift_close(shift=shift, operator=world.operator, counted_amount="100.00")
    assert closed.variance == ZERO
    for kind, owner in [
        (AccountKind.SHOP, world.shop),
        (AccountKind.VILLAGE_COLLECTIVE, world.village),
        (AccountKind.PLATFORM_FEES, None),
        (AccountKind.LOGISTICS_PAYABLE, None),
        (AccountKind.CASH_TILL, world.village),
        (AccountKind.TILL_VARIANCE, world.village),
    ]:
        assert _balance(kind, owner) == ZERO, kind
    assert JournalTransaction.objects.filter(kind=JournalKind.CLAWBACK).count() >= 2
    assert unbalanced_transaction_ids() == []


def _refuse_code(gql: GraphQLClient, world: CashOrder, amount: str | None) -> list[Any]:
    variables = {
        "shopOrder": world.shop_order_id(),
        "amount": amount,
        "requestId": str(uuid.uuid4()),
    }
    return gql.data(REFUND, variables)["counterOrderCashRefund"]["errors"]


@pytest.mark.django_db
def test_amounts_the_rules_refuse_and_a_till_without_the_cash() -> None:
    world = CashOrder()
    shift = world.open_till("100.00")
    world.take_cash()
    gql = _gql_as(world.operator)
    for typed in ["0", "0.00", "-5", "1.234", "abc", "NaN"]:
        assert _refuse_code(gql, world, typed) == [{"field": "amount", "code": "INVALID"}], typed
    assert _refuse_code(gql, world, "30.01") == [{"field": "amount", "code": "AMOUNT_TOO_HIGH"}]

    # Counted short by the ¥30 taken, the till keeps nothing of it; the next shift's ¥10
    # float is all the cash there is.
    till_shift_close(shift=shift, operator=world.operator, counted_amount="100.00")
    assert _refuse_code(gql, world, "5.00") == [{"field": None, "code": "NO_OPEN_SHIFT"}]
    world.open_till("10.00")
    assert _refuse_code(gql, world, "30.00") == [{"field": "amount", "code": "NOT_ENOUGH_CASH"}]
    assert not Refund.objects.exists() and not Receipt.objects.filter(kind="CASH_REFUND").exists()
    assert _refuse_code(gql, world, "10.00") == []
    assert _balance(AccountKind.CASH_TILL, world.village) == ZERO
    assert unbalanced_transaction_ids() == []


@pytest.mark.django_db
def test_an_order_not_paid_in_cash_here_is_not_refunded_at_the_counter() -> None:
    world = CashOrder()
    world.open_till()
    gql = _gql_as(world.operator)
    # The cash was never taken: the order is unpaid.
    assert _refuse_code(gql, world, "5.00") == [{"field": None, "code": "NOT_PAID"}]

    # Paid, but not in cash (marked charged as the demo gateway does): refunded elsewhere.
    counter = factories.channel("village-counter")
    tea = helpers.goods(shop=world.shop, channel=counter, price="15.00")
    checkout = checkout_services.checkout_create(
        channel=counter, email="buyer@example.cn", lines=[helpers.line(tea, 1)]
    )
    order = checkout_complete(checkout=helpers.ready(checkout, method="pickup"))
    paid_otherwise = ShopOrder.objects.get(order=order)
    errors = gql.data(
        REFUND,
        {
            "shopOrder": to_global_id("ShopOrder", paid_otherwise.pk),
            "amount": "5.00",
            "requestId": str(uuid.uuid4()),
        },
    )["counterOrderCashRefund"]["errors"]
    assert errors == [{"field": None, "code": "NOT_PAID"}]
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_only_the_operator_of_the_shop_orders_supermarket_hands_its_cash_back() -> None:
    world = CashOrder()
    world.open_till()
    world.take_cash()
    elsewhere = factories.shop()
    factories.red_supermarket(shop_obj=elsewhere)
    refused = [
        factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=elsewhere),
        factories.user(role=Role.SHOP_MANAGER, shop_obj=world.shop),
        factories.user(),  # a buyer
        None,  # anonymous
    ]
    variables = {
        "shopOrder": world.shop_order_id(),
        "amount": "30.00",
        "requestId": str(uuid.uuid4()),
    }
    for user in refused:
        body = _gql_as(user)(REFUND, variables)
        assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied", user
        assert body["data"]["counterOrderCashRefund"] is None
    assert not Refund.objects.exists()
    assert _balance(AccountKind.CASH_TILL, world.village) == Decimal("130.00")

    answer = _gql_as(world.operator).data(REFUND, variables)["counterOrderCashRefund"]
    assert answer["errors"] == [] and answer["refund"]["status"] == "SUCCESS"


def _codes(exc: Any) -> list[str | None]:
    if not isinstance(exc, ValidationError):
        return [repr(exc)]
    return [error.code for errors in exc.error_dict.values() for error in errors]


@pytest.mark.django_db(transaction=True)
def test_two_operators_at_once_never_hand_back_more_than_was_paid() -> None:
    world = CashOrder()
    world.open_till("100.00")
    world.take_cash()
    second = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=world.shop)
    operators = [world.operator, second] * 2
    retried = uuid.uuid4()

    def hand_back(i: int) -> Any:
        # Two of the four tap the same request (a retry); each asks for ¥20 of the ¥30.
        request_id = retried if i < 2 else uuid.uuid4()
        refund, _ = counter_order_cash_refund(
            shop_order=world.shop_order,
            operator=operators[i],
            request_id=request_id,
            amount="20.00",
        )
        return refund.pk

    results = race(4, hand_back)

    refunds = list(Refund.objects.all())
    assert len(refunds) == 1 and refunds[0].amount == Decimal("20.00")
    made = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    # Whichever won, the retry of the same request answers its refund or was refused
    # with the others: never a second ¥20.
    assert set(made) == {refunds[0].pk}
    assert all(_codes(exc) == [RefundErrorCode.AMOUNT_TOO_HIGH.value] for exc in refused), refused
    assert len(made) + len(refused) == 4
    assert _balance(AccountKind.CASH_TILL, world.village) == Decimal("110.00")
    assert Receipt.objects.filter(kind=ReceiptKind.CASH_REFUND).count() == 1
    assert unbalanced_transaction_ids() == []


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_cash_order_is_handed_back_in_full_by_the_policy_amount() -> None:
    world = CashOrder()
    world.open_till("100.00")
    world.take_cash()
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=world.shop)
    outcome = shop_order_cancel_and_refund(
        actor=manager, shop_order=world.shop_order, reason="店家缺货"
    )
    # Alipay cannot give cash back: the cancellation leaves it to the counter.
    assert outcome.refunds == [] and not Refund.objects.exists()

    refund, receipt = counter_order_cash_refund(
        shop_order=world.shop_order, operator=world.operator, request_id=uuid.uuid4()
    )

    assert refund.amount == Decimal("30.00") and refund.status == RefundStatus.SUCCESS
    assert receipt.total == Decimal("30.00")
    assert _balance(AccountKind.SHOP, world.shop) == ZERO
    assert _balance(AccountKind.CASH_TILL, world.village) == Decimal("100.00")
    # Nothing is left to give back, however it is asked for.
    with pytest.raises(ValidationError) as nothing_left:
        counter_order_cash_refund(
            shop_order=world.shop_order, operator=world.operator, request_id=uuid.uuid4()
        )
    assert _codes(nothing_left.value) == [RefundErrorCode.INVALID.value]
    # What was paid for the cancelled part came back: the order stays square.
    world.order.refresh_from_db()
    assert world.order.charge_status == OrderChargeStatus.FULL
    assert unbalanced_transaction_ids() == []


def _refund_queries(lines: int) -> int:
    world = CashOrder(lines=lines)
    world.open_till("100.00")
    world.take_cash()
    gql = _gql_as(world.operator)
    variables = {"shopOrder": world.shop_order_id(), "requestId": str(uuid.uuid4())}
    with CaptureQueriesContext(connection) as queries:
        answer = gql.data(REFUND, variables)["counterOrderCashRefund"]
    assert answer["errors"] == []
    assert answer["refund"]["amount"]["amount"] == 30 * lines
    return len(queries)


@pytest.mark.django_db
def test_a_refund_asks_the_database_as_often_for_one_line_as_for_six() -> None:
    assert _refund_queries(1) == _refund_queries(6)


@pytest.mark.django_db
def test_cash_taken_into_another_village_till_is_not_handed_back_from_this_one() -> None:
    world = CashOrder()
    # The same online order also buys from a shop of another village with its own counter.
    other_shop = helpers.shop_with_delivery()
    assert other_shop.village_id != world.village.pk
    other_supermarket = factories.red_supermarket(shop_obj=other_shop)
    other_operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=other_shop)
    counter = factories.channel("village-counter")
    both = checkout_services.checkout_create(
        channel=counter,
        email="villager@example.cn",
        lines=[
            helpers.line(helpers.goods(shop=world.shop, channel=counter, price="15.00"), 1),
            helpers.line(helpers.goods(shop=other_shop, channel=counter, price="8.00"), 1),
        ],
    )
    both = helpers.ready(both, method="pickup", pay=False)
    tx = transaction_initialize(checkout=both, gateway_id=GatewayId.CASH).transaction
    order = checkout_complete(checkout=both, allow_unpaid=True)
    world.open_till()
    till_shift_open(supermarket=other_supermarket, operator=other_operator, float_amount="50.00")
    cash_payment_confirm(transaction_id=tx.pk, actor=world.operator)  # into world's till
    other_part = ShopOrder.objects.get(order=order, shop=other_shop)

    with pytest.raises(ValidationError) as refused:
        counter_order_cash_refund(
            shop_order=other_part, operator=other_operator, request_id=uuid.uuid4()
        )

    assert _codes(refused.value) == [RefundErrorCode.NOT_PAID.value]
    assert not Refund.objects.exists()
    assert _balance(AccountKind.CASH_TILL, other_shop.village) == Decimal("50.00")
    # The till that took it hands back that shop's part.
    mine = ShopOrder.objects.get(order=order, shop=world.shop)
    refund, _ = counter_order_cash_refund(
        shop_order=mine, operator=world.operator, request_id=uuid.uuid4()
    )
    assert refund.amount == Decimal("15.00") and refund.transaction_id == tx.pk
