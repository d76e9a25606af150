"""Daily reconciliation: provider statements and Alipay's bill against our records."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.accounts.models import Role
from marketplace.agency.alipay_bill import SOURCE_NAME as ALIPAY_SOURCE
from marketplace.agency.models import DiscrepancyKind, ReconciliationItem
from marketplace.agency.reconciliation import (
    RECORD_SOURCES,
    reconciliation_item_clear,
    reconciliation_items_visible_to,
    reconciliation_run,
)
from marketplace.core.errors import PermissionRefused
from marketplace.payments.alipay.gateway import gateway_from_settings
from marketplace.payments.models import GatewayId, TransactionItem, TransactionStatus
from marketplace.red_supermarket.counter.services import (
    PaymentInput,
    SaleLineInput,
    counter_sale_create,
)
from marketplace.red_supermarket.models import CounterSaleStatus
from tests import factories
from tests.agency.test_orders import pay
from tests.payments.conftest import pay_and_complete, ready_checkout
from tests.red_supermarket.counter_world import counter_world

pytestmark = pytest.mark.django_db

UTILITY = "provider:utility"


def kinds(source: str) -> dict[str, str]:
    return dict(ReconciliationItem.objects.filter(source=source).values_list("external_id", "kind"))


def test_every_provider_and_alipay_are_registered_sources():
    assert {
        UTILITY,
        "provider:telecom",
        "provider:acquirer",
        "provider:tickets",
        ALIPAY_SOURCE,
    } <= set(RECORD_SOURCES)


def test_a_statement_flags_missing_extra_and_mismatched_and_a_rerun_adds_nothing(sandbox, counter):
    today = timezone.localdate()
    pay(counter, request_id="rec-match-0001")
    mismatched = pay(counter, request_id="rec-mismatch-01")
    extra = pay(counter, request_id="rec-extra-00001")
    sandbox.set_amount("M-utility", mismatched.request_id, "1.00")
    with sandbox.lock:
        del sandbox.orders[("M-utility", extra.request_id)]
    sandbox.add_statement_line(
        "M-utility",
        f"{today:%Y%m%d}",
        request_id="ghost-000001",
        provider_order_no="P1",
        amount="9.00",
        status="SUCCESS",
    )
    reconciliation_run(
        day=today, source=UTILITY, user=counter.operator, supermarket=counter.supermarket
    )
    # Missing items name no supermarket of ours; with a supermarket the operator sees its own.
    assert kinds(UTILITY) == {
        "rec-mismatch-01": DiscrepancyKind.MISMATCHED,
        "rec-extra-00001": DiscrepancyKind.EXTRA,
    }
    [county_run] = reconciliation_run(day=today, source=UTILITY)
    assert kinds(UTILITY)["ghost-000001"] == DiscrepancyKind.MISSING
    assert county_run.new_items_count == 1
    [again] = reconciliation_run(day=today, source=UTILITY)
    assert (again.flagged_count, again.new_items_count) == (3, 0)
    assert ReconciliationItem.objects.filter(source=UTILITY).count() == 3
    item = ReconciliationItem.objects.get(external_id="rec-mismatch-01")
    assert (item.ours_amount, item.theirs_amount) == (Decimal("120.00"), Decimal("1.00"))


def test_operators_clear_their_own_items_officers_read_their_township(sandbox, counter):
    extra = pay(counter, request_id="rec-extra-00002")
    with sandbox.lock:
        del sandbox.orders[("M-utility", extra.request_id)]
    reconciliation_run(day=timezone.localdate(), source=UTILITY)
    item = ReconciliationItem.objects.get()
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=counter.supermarket.shop.village.township
    )
    stranger = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=factories.shop())
    assert list(reconciliation_items_visible_to(user=officer)) == [item]
    assert not reconciliation_items_visible_to(user=stranger).exists()
    with pytest.raises(PermissionRefused):
        reconciliation_item_clear(item=item, user=stranger)
    cleared = reconciliation_item_clear(item=item, user=counter.operator, note="provider confirmed")
    assert cleared.cleared and cleared.cleared_by == counter.operator
    reconciliation_run(day=timezone.localdate(), source=UTILITY)
    assert ReconciliationItem.objects.get().cleared


def test_a_provider_that_cannot_be_reached_is_logged_not_raised(counter, settings):
    settings.AGENCY_PROVIDERS = {
        code: {**conf, "url": "http://127.0.0.1:9"}
        for code, conf in settings.AGENCY_PROVIDERS.items()
    }
    [run] = reconciliation_run(day=timezone.localdate(), source=UTILITY)
    assert run.error and not ReconciliationItem.objects.exists()


def test_alipays_bill_is_compared_with_our_alipay_charges(alipay_sandbox, channel):
    for _ in range(3):
        pay_and_complete(ready_checkout(channel), alipay_sandbox)
    charged = TransactionItem.objects.filter(
        gateway_id=GatewayId.ALIPAY, status=TransactionStatus.CHARGED
    )
    matched, extra, mismatched = charged.order_by("pk").values_list("psp_reference", flat=True)
    refs = {"matched": matched, "extra": extra, "mismatched": mismatched}
    book = alipay_sandbox.book
    with book._lock:
        del book._trades[refs["extra"]]
        book._trades[refs["mismatched"]].total_amount = Decimal("0.01")
        missing = book._trades[refs["matched"]].__class__(
            **{
                **book._trades[refs["matched"]].__dict__,
                "out_trade_no": "elsewhere-0001",
                "trade_no": "2026X",
            }
        )
        book._trades["elsewhere-0001"] = missing
    [run] = reconciliation_run(day=timezone.localdate(), source=ALIPAY_SOURCE)
    assert not run.error, run.error
    assert kinds(ALIPAY_SOURCE) == {
        refs["extra"]: DiscrepancyKind.EXTRA,
        refs["mismatched"]: DiscrepancyKind.MISMATCHED,
        "elsewhere-0001": DiscrepancyKind.MISSING,
    }


def test_the_counters_alipay_sales_are_reconciled_with_the_same_bill(alipay_sandbox):
    world = counter_world(goods=1)
    gateway = gateway_from_settings()
    sales = [
        counter_sale_create(
            supermarket=world.supermarket,
            operator=world.operator,
            request_id=f"recon-counter-{n}",
            lines=[SaleLineInput(variant_id=world.goods[0].pk, quantity=1)],
            payment=PaymentInput(
                method="ALIPAY_CODE", auth_code=alipay_sandbox.face_to_face.new_auth_code(n)
            ),
            gateway=gateway,
        )
        for n in (1, 2)
    ]
    assert [sale.status for sale in sales] == [CounterSaleStatus.PAID] * 2
    # Alipay never settled the second one: our sale is the extra side.
    with alipay_sandbox.book._lock:
        del alipay_sandbox.book._trades[sales[1].out_trade_no]

    [run] = reconciliation_run(day=timezone.localdate(), source=ALIPAY_SOURCE)

    assert not run.error, run.error
    assert kinds(ALIPAY_SOURCE) == {sales[1].out_trade_no: DiscrepancyKind.EXTRA}
    item = ReconciliationItem.objects.get()
    assert item.supermarket_id == world.supermarket.pk and item.ours_amount == sales[1].total
