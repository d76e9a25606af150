"""Counter types. Relations load through DataLoaders; a member household shows through the
shared `Household` type, masked as everywhere else."""

from __future__ import annotations

from typing import Any

import graphene
from django.urls import reverse

from marketplace.catalog.models import ProductVariant
from marketplace.payments.models import TransactionItem as TransactionItemModel
from marketplace.red_supermarket.counter.online_cash_orders import CashRefundable, buyer_masked
from marketplace.red_supermarket.models import (
    CounterPaymentMethod,
    CounterSaleStatus,
    ReceiptKind,
    TillShiftStatus,
)
from marketplace.red_supermarket.models import (
    CounterSale as CounterSaleModel,
)
from marketplace.red_supermarket.models import (
    CounterSaleLine as CounterSaleLineModel,
)
from marketplace.red_supermarket.models import (
    QuickKey as QuickKeyModel,
)
from marketplace.red_supermarket.models import (
    Receipt as ReceiptModel,
)
from marketplace.red_supermarket.models import (
    RedSupermarket as RedSupermarketModel,
)
from marketplace.red_supermarket.models import (
    TillShift as TillShiftModel,
)
from storefront_api.core.connection import CountableConnection
from storefront_api.core.dataloaders import get_loader, then
from storefront_api.core.enums import domain_enum
from storefront_api.core.ids import to_global_id
from storefront_api.core.types import Money, as_money
from storefront_api.order.dataloaders import OrderByIdLoader, OrderLinesByOrderIdLoader
from storefront_api.organisations.dataloaders import HouseholdByIdLoader, VillageByIdLoader
from storefront_api.red_supermarket import dataloaders as loaders
from storefront_api.shops.types import Household_, Village_

CounterPaymentMethodEnum = domain_enum(CounterPaymentMethod, name="CounterPaymentMethodEnum")
CounterSaleStatusEnum = domain_enum(CounterSaleStatus, name="CounterSaleStatusEnum")
TillShiftStatusEnum = domain_enum(TillShiftStatus, name="TillShiftStatusEnum")
ReceiptKindEnum = domain_enum(ReceiptKind, name="ReceiptKindEnum")


class RedSupermarket(graphene.ObjectType):
    """Ruralmart extension: a village's Red Supermarket (红色超市)."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    name = graphene.String(required=True)
    address = graphene.String(required=True)
    opening_hours = graphene.String(required=True)
    is_active = graphene.Boolean(required=True)
    village = graphene.Field(Village_, required=True)
    open_till_shift = graphene.Field(lambda: TillShift, description="The shift open now, if any.")
    station_id = graphene.ID(
        description="The VillageStation it hosts (global ID), where parcels are logged in and "
        "handed over; null when it hosts none."
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, RedSupermarketModel)

    @staticmethod
    def resolve_village(root: RedSupermarketModel, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.shop.village_id)

    @staticmethod
    def resolve_open_till_shift(root: RedSupermarketModel, info: Any) -> Any:
        return get_loader(info.context, loaders.OpenShiftBySupermarketIdLoader).load(root.pk)

    @staticmethod
    def resolve_station_id(root: RedSupermarketModel, info: Any) -> str | None:
        return to_global_id("VillageStation", root.station_id) if root.station_id else None


def _supermarket_of(root: TillShiftModel | CounterSaleModel, info: Any) -> Any:
    return get_loader(info.context, loaders.SupermarketByIdLoader).load(root.supermarket_id)


class CounterItem(graphene.ObjectType):
    """Ruralmart extension: a variant as the counter sells it."""

    variant_id = graphene.ID(required=True, description="The ProductVariant's global ID.")
    name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    barcode = graphene.String()
    price = graphene.Field(Money, required=True)
    available = graphene.Int(required=True, description="Free units in the supermarket.")

    @staticmethod
    def resolve_variant_id(root: ProductVariant, info: Any) -> str:
        return to_global_id("ProductVariant", root.pk)

    @staticmethod
    def resolve_name(root: ProductVariant, info: Any) -> str:
        return root.product.name

    @staticmethod
    def resolve_variant_name(root: ProductVariant, info: Any) -> str:
        return root.name

    @staticmethod
    def resolve_price(root: ProductVariant, info: Any) -> Any:
        return as_money(root.counter_price, "CNY")  # type: ignore[attr-defined]

    @staticmethod
    def resolve_available(root: ProductVariant, info: Any) -> int:
        return int(root.counter_available)  # type: ignore[attr-defined]


class QuickKey(graphene.ObjectType):
    position = graphene.Int(required=True)
    label = graphene.String(required=True)
    item = graphene.Field(CounterItem, required=True)


def quick_key_of(key: QuickKeyModel, variant: ProductVariant) -> QuickKey:
    return QuickKey(position=key.position, label=key.label or variant.product.name, item=variant)


class TillShift(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node,)

    status = graphene.Field(TillShiftStatusEnum, required=True)
    opened_at = graphene.DateTime(required=True)
    closed_at = graphene.DateTime()
    float_amount = graphene.Field(Money, required=True)
    expected = graphene.Field(Money, description="Set when closed: the ledger's cash.")
    counted = graphene.Field(Money)
    variance = graphene.Field(Money, description="Counted − expected (negative: short).")
    supermarket = graphene.Field(lambda: RedSupermarket, required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, TillShiftModel)

    @staticmethod
    def resolve_supermarket(root: TillShiftModel, info: Any) -> Any:
        return _supermarket_of(root, info)

    @staticmethod
    def resolve_float_amount(root: TillShiftModel, info: Any) -> Any:
        return as_money(root.float_amount, "CNY")

    @staticmethod
    def resolve_expected(root: TillShiftModel, info: Any) -> Any:
        return None if root.expected_amount is None else as_money(root.expected_amount, "CNY")

    @staticmethod
    def resolve_counted(root: TillShiftModel, info: Any) -> Any:
        return None if root.counted_amount is None else as_money(root.counted_amount, "CNY")

    @staticmethod
    def resolve_variance(root: TillShiftModel, info: Any) -> Any:
        return None if root.variance is None else Money.of(root.variance, "CNY")


class Receipt(graphene.ObjectType):
    """Ruralmart extension: a receipt (回执) as printed."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    number = graphene.String(required=True)
    kind = graphene.Field(ReceiptKindEnum, required=True)
    issued_at = graphene.DateTime(required=True)
    total = graphene.Field(Money, required=True)
    payment_method = graphene.String(required=True)
    reprint_count = graphene.Int(required=True)
    print_url = graphene.String(required=True, description="The 58 mm printable page.")
    pdf_url = graphene.String(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, ReceiptModel)

    @staticmethod
    def resolve_total(root: ReceiptModel, info: Any) -> Any:
        return as_money(root.total, root.currency)

    @staticmethod
    def resolve_print_url(root: ReceiptModel, info: Any) -> str:
        return reverse("counter:receipt", kwargs={"number": root.number})

    @staticmethod
    def resolve_pdf_url(root: ReceiptModel, info: Any) -> str:
        return reverse("counter:receipt-pdf", kwargs={"number": root.number})


class CounterSaleLine(graphene.ObjectType):
    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    barcode = graphene.String(required=True)
    quantity = graphene.Int(required=True)
    unit_price = graphene.Field(Money, required=True)
    total_price = graphene.Field(Money, required=True)

    @staticmethod
    def resolve_unit_price(root: CounterSaleLineModel, info: Any) -> Any:
        return as_money(root.unit_price, "CNY")

    @staticmethod
    def resolve_total_price(root: CounterSaleLineModel, info: Any) -> Any:
        return as_money(root.total_price, "CNY")


class CounterSale(graphene.ObjectType):
    """Ruralmart extension: a sale over the counter and where its payment stands."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    request_id = graphene.String(required=True)
    status = graphene.Field(CounterSaleStatusEnum, required=True)
    payment_method = graphene.Field(CounterPaymentMethodEnum, required=True)
    total = graphene.Field(Money, required=True)
    cash_received = graphene.Field(Money)
    change = graphene.Field(Money)
    qr_code = graphene.String(description="For ALIPAY_QR: what the buyer scans.")
    failure_code = graphene.String()
    failure_reason = graphene.String()
    created_at = graphene.DateTime(required=True)
    paid_at = graphene.DateTime()
    lines = graphene.List(graphene.NonNull(CounterSaleLine), required=True)
    member = graphene.Field(Household_)
    receipt = graphene.Field(Receipt)
    supermarket = graphene.Field(RedSupermarket, required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, CounterSaleModel)

    @staticmethod
    def resolve_supermarket(root: CounterSaleModel, info: Any) -> Any:
        return _supermarket_of(root, info)

    @staticmethod
    def resolve_total(root: CounterSaleModel, info: Any) -> Any:
        return as_money(root.total, root.currency)

    @staticmethod
    def resolve_cash_received(root: CounterSaleModel, info: Any) -> Any:
        return None if root.cash_received is None else as_money(root.cash_received, "CNY")

    @staticmethod
    def resolve_change(root: CounterSaleModel, info: Any) -> Any:
        return None if root.change_given is None else as_money(root.change_given, "CNY")

    @staticmethod
    def resolve_qr_code(root: CounterSaleModel, info: Any) -> str | None:
        return root.qr_code or None

    @staticmethod
    def resolve_failure_code(root: CounterSaleModel, info: Any) -> str | None:
        return root.failure_code or None

    @staticmethod
    def resolve_failure_reason(root: CounterSaleModel, info: Any) -> str | None:
        return root.failure_reason or None

    @staticmethod
    def resolve_lines(root: CounterSaleModel, info: Any) -> Any:
        return get_loader(info.context, loaders.LinesBySaleIdLoader).load(root.pk)

    @staticmethod
    def resolve_member(root: CounterSaleModel, info: Any) -> Any:
        if root.member_id is None:
            return None
        return get_loader(info.context, HouseholdByIdLoader).load(root.member_id)

    @staticmethod
    def resolve_receipt(root: CounterSaleModel, info: Any) -> Any:
        return get_loader(info.context, loaders.SaleReceiptBySaleIdLoader).load(root.pk)


class RedSupermarketCountableConnection(CountableConnection):
    class Meta:
        node = RedSupermarket
        strict_types = True


class ReceiptCountableConnection(CountableConnection):
    class Meta:
        node = Receipt
        strict_types = True


class CounterSaleCountableConnection(CountableConnection):
    class Meta:
        node = CounterSale
        strict_types = True


class TillShiftCountableConnection(CountableConnection):
    class Meta:
        node = TillShift
        strict_types = True


class CounterMemberCountableConnection(CountableConnection):
    """Households a counter sale may name, masked as the `Household` type always is."""

    class Meta:
        node = Household_
        strict_types = True


class CounterCashOrderLine(graphene.ObjectType):
    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    quantity = graphene.Int(required=True)


class CounterCashOrder(graphene.ObjectType):
    """Ruralmart extension: an online order waiting for its cash at the counter, as its
    pending CASH attempt; the buyer shows masked whoever reads it."""

    transaction_id = graphene.ID(
        required=True, description="The cash TransactionItem: pass it to counterOrderCashConfirm."
    )
    reference = graphene.String(required=True, description="The cash attempt's reference.")
    order_id = graphene.ID(required=True, description="The Order's global ID.")
    order_number = graphene.String(required=True)
    created_at = graphene.DateTime(required=True, description="When the order was placed.")
    amount_due = graphene.Field(Money, required=True)
    lines = graphene.List(graphene.NonNull(CounterCashOrderLine), required=True)
    lines_summary = graphene.String(required=True, description="“茶叶 × 2，大米 × 1”.")
    buyer = graphene.String(required=True, description="Masked: family name, phone's last 4.")

    @staticmethod
    def _order(root: TransactionItemModel, info: Any) -> Any:
        return get_loader(info.context, OrderByIdLoader).load(root.counter_order_id)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_transaction_id(root: TransactionItemModel, info: Any) -> str:
        return to_global_id("TransactionItem", str(root.token))

    @staticmethod
    def resolve_reference(root: TransactionItemModel, info: Any) -> str:
        return root.psp_reference

    @staticmethod
    def resolve_order_id(root: TransactionItemModel, info: Any) -> str:
        return to_global_id("Order", str(root.counter_order_id))  # type: ignore[attr-defined]

    @staticmethod
    def resolve_order_number(root: TransactionItemModel, info: Any) -> Any:
        return then(CounterCashOrder._order(root, info), lambda order: str(order.number))

    @staticmethod
    def resolve_created_at(root: TransactionItemModel, info: Any) -> Any:
        return then(CounterCashOrder._order(root, info), lambda order: order.created_at)

    @staticmethod
    def resolve_amount_due(root: TransactionItemModel, info: Any) -> Any:
        return as_money(root.amount, root.currency)

    @staticmethod
    def resolve_lines(root: TransactionItemModel, info: Any) -> Any:
        return get_loader(info.context, OrderLinesByOrderIdLoader).load(
            root.counter_order_id  # type: ignore[attr-defined]
        )

    @staticmethod
    def resolve_lines_summary(root: TransactionItemModel, info: Any) -> Any:
        return then(
            CounterCashOrder.resolve_lines(root, info),
            lambda lines: "，".join(f"{line.product_name} × {line.quantity}" for line in lines),
        )

    @staticmethod
    def resolve_buyer(root: TransactionItemModel, info: Any) -> Any:
        return then(CounterCashOrder._order(root, info), lambda order: buyer_masked(order=order))


class CounterCashOrderCountableConnection(CountableConnection):
    class Meta:
        node = CounterCashOrder
        strict_types = True


class CounterCashRefundable(graphene.ObjectType):
    """Ruralmart extension: a shop order whose cash was taken into this counter's till, with
    what may still be handed back; the buyer masked."""

    shop_order_id = graphene.ID(
        required=True, description="The ShopOrder's global ID: pass it to counterOrderCashRefund."
    )
    order_number = graphene.String(required=True)
    buyer = graphene.String(required=True, description="Masked: family name, phone's last 4.")
    cancelled = graphene.Boolean(required=True, description="The order is cancelled.")
    paid = graphene.Field(Money, required=True, description="The shop order's total, paid.")
    refunded = graphene.Field(
        Money, required=True, description="Handed back so far (in cash or through Alipay)."
    )
    left = graphene.Field(Money, required=True, description="What may still be handed back.")
    policy_amount = graphene.Field(
        Money,
        description="For a cancelled order, what its cancellation entitles the buyer to (what "
        "counterOrderCashRefund hands back with no amount); null otherwise, and for tourism "
        "lines, whose tier is applied by the refund itself.",
    )

    @staticmethod
    def resolve_shop_order_id(root: CashRefundable, info: Any) -> str:
        return to_global_id("ShopOrder", root.shop_order.pk)

    @staticmethod
    def resolve_order_number(root: CashRefundable, info: Any) -> str:
        return str(root.shop_order.order.number)

    @staticmethod
    def resolve_paid(root: CashRefundable, info: Any) -> Any:
        return as_money(root.paid, root.shop_order.currency)

    @staticmethod
    def resolve_refunded(root: CashRefundable, info: Any) -> Any:
        return as_money(root.refunded, root.shop_order.currency)

    @staticmethod
    def resolve_left(root: CashRefundable, info: Any) -> Any:
        return as_money(root.left, root.shop_order.currency)

    @staticmethod
    def resolve_policy_amount(root: CashRefundable, info: Any) -> Any:
        if root.policy_amount is None:
            return None
        return as_money(root.policy_amount, root.shop_order.currency)
