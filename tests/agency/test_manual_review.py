"""Manual review: township staff or a platform admin settle what the queries could not,
after asking the provider once more; the operator never resolves their own; resolving
twice is a coded error and never a second refund, even from two resolvers at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from graphql_relay import to_global_id

from admin.agency import ManualReviewResolutionAdmin
from collective_econ.models import JournalTransaction
from marketplace.accounts.models import Role, RoleAssignment
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.manual_review import manual_review_resolve
from marketplace.agency.models import (
    AgencyOrder,
    CashWithdrawal,
    ManualReviewResolution,
    OrderStatus,
    WithdrawalStatus,
)
from marketplace.agency.withdrawals import cash_withdrawal_create
from marketplace.core.errors import PermissionRefused
from marketplace.red_supermarket.models import Receipt, ReceiptKind
from tests import factories
from tests.agency.test_orders import MERCHANT, balances, codes, pay
from tests.agency.test_races import race
from tests.agency.world import CARD, make_counter

PENDING_ACCOUNT = "3100017777"  # the sandbox answers PROCESSING to its queries


def in_review(counter, *, request_id="review-order-01"):
    """An order the queries gave up on: paid at the counter, still PROCESSING at the
    provider (the sandbox keeps it pending)."""
    order = pay(counter, request_id=request_id, account=PENDING_ACCOUNT)
    AgencyOrder.objects.filter(pk=order.pk).update(status=OrderStatus.MANUAL_REVIEW)
    order.refresh_from_db()
    return order


def officer_of(counter, **kw):
    return factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=counter.supermarket.shop.village.township, **kw
    )


def refunds_of(order) -> int:
    return JournalTransaction.objects.filter(
        reverses__idempotency_key=f"agency-order:{order.pk}"
    ).count()


@pytest.mark.django_db
class TestResolvingAnOrder:
    def test_failed_refunds_the_villager_once_with_a_recorded_reason(self, sandbox, counter):
        sandbox.pending_polls = 100
        order = in_review(counter)
        officer = officer_of(counter)
        assert balances(counter)[0] == Decimal("120.00")
        resolution = manual_review_resolve(
            subject=order, user=officer, outcome="FAILED", reason="  供电局确认未到账  "
        )
        order.refresh_from_db()
        assert order.status == OrderStatus.FAILED
        assert "供电局确认未到账" in order.failure_reason
        assert (resolution.order, resolution.resolved_by, resolution.reason) == (
            order,
            officer,
            "供电局确认未到账",
        )
        assert resolution.provider_status == "PROCESSING" and resolution.resolved_at
        assert balances(counter)[0] == Decimal("0.00")
        assert Receipt.objects.filter(kind=ReceiptKind.AGENCY_REFUND).count() == 1
        with pytest.raises(ValidationError) as again:
            manual_review_resolve(subject=order, user=officer, outcome="FAILED", reason="again")
        assert codes(again.value) == {AgencyErrorCode.ALREADY_RESOLVED.value}
        assert refunds_of(order) == 1
        assert balances(counter)[0] == Decimal("0.00")

    def test_success_keeps_the_money_and_a_platform_admin_may_resolve(self, sandbox, counter):
        sandbox.pending_polls = 100
        order = in_review(counter)
        admin = factories.user(role=Role.PLATFORM_ADMIN)
        manual_review_resolve(subject=order, user=admin, outcome="SUCCESS", reason="回单已核对")
        order.refresh_from_db()
        assert order.status == OrderStatus.SUCCESS and order.resolved_at
        assert balances(counter)[0] == Decimal("120.00")
        assert refunds_of(order) == 0

    def test_a_provider_that_has_settled_otherwise_is_not_overridden(self, sandbox, counter):
        sandbox.pending_polls = 100
        order = in_review(counter)
        sandbox.finish_pending(MERCHANT, order.request_id)  # the provider did pay the bill
        with pytest.raises(ValidationError) as caught:
            manual_review_resolve(
                subject=order, user=officer_of(counter), outcome="FAILED", reason="villager says"
            )
        assert codes(caught.value) == {AgencyErrorCode.PROVIDER_DISAGREES.value}
        order.refresh_from_db()
        assert order.status == OrderStatus.MANUAL_REVIEW
        assert not ManualReviewResolution.objects.exists()
        assert balances(counter)[0] == Decimal("120.00")
        # Resolved the provider's way, it goes through and takes the provider's order number.
        manual_review_resolve(
            subject=order, user=officer_of(counter), outcome="SUCCESS", reason="provider paid"
        )
        order.refresh_from_db()
        assert order.status == OrderStatus.SUCCESS and order.provider_order_no

    def test_the_operator_others_and_bad_input_are_refused_and_write_nothing(
        self, sandbox, counter
    ):
        sandbox.pending_polls = 100
        order = in_review(counter)
        # The operator may not resolve their own order, even holding an admin role too.
        RoleAssignment.objects.create(user=counter.operator, role=Role.PLATFORM_ADMIN)
        strangers = [
            counter.operator,
            factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=factories.township()),
            factories.user(role=Role.SHOP_MANAGER, shop_obj=counter.supermarket.shop),
            factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=counter.supermarket.shop),
            factories.user(role=Role.BUYER),
        ]
        for user in strangers:
            with pytest.raises(PermissionRefused):
                manual_review_resolve(subject=order, user=user, outcome="FAILED", reason="x")
        officer = officer_of(counter)
        for outcome, reason, code in [
            ("FAILED", "   ", AgencyErrorCode.REQUIRED),
            ("MAYBE", "why", AgencyErrorCode.INVALID),
            ("FAILED", "长" * 256, AgencyErrorCode.INVALID_FIELD),
        ]:
            with pytest.raises(ValidationError) as caught:
                manual_review_resolve(subject=order, user=officer, outcome=outcome, reason=reason)
            assert codes(caught.value) == {code.value}
        settled = pay(counter, request_id="review-settled-1")
        with pytest.raises(ValidationError) as caught:
            manual_review_resolve(subject=settled, user=officer, outcome="FAILED", reason="x")
        assert codes(caught.value) == {AgencyErrorCode.NOT_IN_REVIEW.value}
        order.refresh_from_db()
        assert order.status == OrderStatus.MANUAL_REVIEW
        assert not ManualReviewResolution.objects.exists()
        assert balances(counter)[0] == Decimal("240.00")


@pytest.mark.django_db
def test_a_withdrawal_in_review_resolved_failed_puts_the_cash_back_in_the_till(
    sandbox, stocked_counter
):
    counter = stocked_counter
    sandbox.force_outcome("pending")
    withdrawal = cash_withdrawal_create(
        supermarket=counter.supermarket,
        operator=counter.operator,
        request_id="review-withdraw-1",
        card_number=CARD,
        amount="300.00",
    )
    sandbox.pending_polls = 100
    CashWithdrawal.objects.filter(pk=withdrawal.pk).update(status=WithdrawalStatus.MANUAL_REVIEW)
    withdrawal.refresh_from_db()
    assert balances(counter)[0] == Decimal("4700.00")
    officer = officer_of(counter, is_staff=True)
    resolution = manual_review_resolve(
        subject=withdrawal, user=officer, outcome="FAILED", reason="银行未扣款"
    )
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.FAILED
    assert resolution.withdrawal == withdrawal
    assert balances(counter)[0] == Decimal("5000.00")
    # The back office lists a withdrawal's resolution to the township's staff too.
    scope = ManualReviewResolutionAdmin.scope
    rows = ManualReviewResolution.objects.all()
    assert list(scope.filter(rows, officer, for_edit=False)) == [resolution]
    stranger = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=factories.township(), is_staff=True
    )
    assert not scope.filter(rows, stranger, for_edit=False).exists()


RESOLVE = """
mutation($id: ID!, $outcome: AgencyReviewOutcomeEnum!, $reason: String!) {
  agencyManualReviewResolve(id: $id, outcome: $outcome, reason: $reason) {
    agencyOrder { status failureReason }
    cashWithdrawal { status }
    resolution { outcome reason providerStatus resolvedAt }
    errors { field message code }
  }
}"""


@pytest.mark.django_db
def test_the_mutation_resolves_for_the_township_and_refuses_the_operator(gql, sandbox, counter):
    sandbox.pending_polls = 100
    order = in_review(counter)
    variables = {
        "id": to_global_id("AgencyOrder", order.pk),
        "outcome": "FAILED",
        "reason": "核实未缴费",
    }
    gql.login(counter.operator)
    body = gql(RESOLVE, variables)
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    gql.login(officer_of(counter))
    payload = gql.data(RESOLVE, variables)["agencyManualReviewResolve"]
    assert payload["errors"] == []
    assert payload["agencyOrder"]["status"] == "FAILED"
    assert payload["cashWithdrawal"] is None
    assert payload["resolution"]["outcome"] == "FAILED"
    assert payload["resolution"]["reason"] == "核实未缴费"
    again = gql.data(RESOLVE, variables)["agencyManualReviewResolve"]
    assert [e["code"] for e in again["errors"]] == ["ALREADY_RESOLVED"]
    assert refunds_of(order) == 1


@pytest.mark.django_db
def test_the_back_office_action_resolves_with_the_reason_typed_in_the_action_bar(sandbox, counter):
    sandbox.pending_polls = 100
    order = in_review(counter)
    client = Client()
    client.force_login(officer_of(counter, is_staff=True))
    url = "/admin/agency/agencyorder/"

    def act(action, reason):
        response = client.post(
            url,
            {"action": action, "_selected_action": [order.pk], "reason": reason},
            follow=True,
        )
        return [str(m) for m in response.context["messages"]]

    assert "Say why" in act("resolve_as_failed", "")[0]
    assert act("resolve_as_failed", "柜台核实")[0].endswith("done.")
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert ManualReviewResolution.objects.get().reason == "柜台核实"
    assert "already resolved" in act("resolve_as_succeeded", "再试")[0]
    # The resolution is listed to its township's staff, not to another township's.
    resolutions = "/admin/agency/manualreviewresolution/"
    assert client.get(resolutions).context["cl"].result_count == 1
    stranger = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=factories.township(), is_staff=True
    )
    client.force_login(stranger)
    assert client.get(resolutions).context["cl"].result_count == 0


@pytest.mark.django_db(transaction=True)
def test_two_resolvers_at_once_refund_once(sandbox):
    counter = make_counter()
    sandbox.pending_polls = 100
    order = in_review(counter, request_id="review-race-001")
    resolvers = [officer_of(counter), factories.user(role=Role.PLATFORM_ADMIN)]
    results = race(
        lambda i: manual_review_resolve(
            subject=AgencyOrder.objects.select_related("supermarket__shop__village").get(
                pk=order.pk
            ),
            user=resolvers[i % 2],
            outcome="FAILED",
            reason=f"resolver {i}",
        ),
        threads=2,
    )
    resolved = [r for r in results if isinstance(r, ManualReviewResolution)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(resolved) == 1 and len(refused) == 1, results
    assert codes(refused[0]) == {AgencyErrorCode.ALREADY_RESOLVED.value}
    assert refunds_of(order) == 1
    assert balances(counter)[0] == Decimal("0.00")
    assert Receipt.objects.filter(kind=ReceiptKind.AGENCY_REFUND).count() == 1
