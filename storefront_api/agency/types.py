"""Agency types (Ruralmart extensions): the catalogue, orders, withdrawals, tickets and
reconciliation. Relations load through DataLoaders. Card numbers, account numbers and
passengers' ID numbers are shown in full only to the supermarket's own operators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import graphene
from graphql_relay import to_global_id

from marketplace.accounts.permissions import role_scopes
from marketplace.agency.models import (
    AgencyOrder as AgencyOrderModel,
)
from marketplace.agency.models import (
    CashWithdrawal as CashWithdrawalModel,
)
from marketplace.agency.models import (
    DiscrepancyKind,
    FeeRule,
    ItemFlow,
    OrderStatus,
    ReviewOutcome,
    ServiceCategory,
    TicketStatus,
    WithdrawalStatus,
)
from marketplace.agency.models import (
    ReconciliationItem as ReconciliationItemModel,
)
from marketplace.agency.models import (
    ServiceItem as ServiceItemModel,
)
from marketplace.agency.models import (
    TicketBooking as TicketBookingModel,
)
from marketplace.agency.tickets import TripOffer
from marketplace.organisations.privacy import mask_id_number, mask_name
from marketplace.red_supermarket.selectors import supermarkets_operated_by
from storefront_api.agency import dataloaders as loaders
from storefront_api.core.connection import CountableConnection
from storefront_api.core.dataloaders import get_loader, then
from storefront_api.core.enums import domain_enum
from storefront_api.core.types import Money, as_money
from storefront_api.payment.types import JSON

AgencyServiceCategoryEnum = domain_enum(ServiceCategory, name="AgencyServiceCategoryEnum")
AgencyItemFlowEnum = domain_enum(ItemFlow, name="AgencyItemFlowEnum")
AgencyFeeRuleEnum = domain_enum(FeeRule, name="AgencyFeeRuleEnum")
AgencyOrderStatusEnum = domain_enum(OrderStatus, name="AgencyOrderStatusEnum")
CashWithdrawalStatusEnum = domain_enum(WithdrawalStatus, name="CashWithdrawalStatusEnum")
TicketStatusEnum = domain_enum(TicketStatus, name="TicketStatusEnum")
ReconciliationKindEnum = domain_enum(DiscrepancyKind, name="ReconciliationKindEnum")
AgencyReviewOutcomeEnum = domain_enum(ReviewOutcome, name="AgencyReviewOutcomeEnum")


def operates(info: Any, supermarket_id: int) -> bool:
    """Whether the caller operates that supermarket (operators see full numbers); asked of
    the database once per request."""
    operated = getattr(info.context, "_agency_operated_supermarkets", None)
    if operated is None:
        user = info.context.user
        operated = (
            set(supermarkets_operated_by(user=user).values_list("pk", flat=True))
            if role_scopes(user).operated_shop_ids
            else set()
        )
        info.context._agency_operated_supermarkets = operated
    return supermarket_id in operated


def _mask_account(value: str) -> str:
    return value[:3] + "*" * max(len(value) - 7, 1) + value[-4:] if len(value) > 7 else "****"


class AgencyInputField(graphene.ObjectType):
    """One field the operator types in for a service item, with its rule."""

    name = graphene.String(required=True)
    label = graphene.String(required=True)
    kind = graphene.String(
        required=True, description="account, phone, period, id_number, card, date or text."
    )
    required = graphene.Boolean(required=True)
    pattern = graphene.String(description="For `account`: the regular expression it must match.")
    hint = graphene.String()

    @staticmethod
    def resolve_label(root: dict[str, Any], info: Any) -> str:
        return str(root.get("label") or root["name"])

    @staticmethod
    def resolve_required(root: dict[str, Any], info: Any) -> bool:
        return bool(root.get("required", True))


class AgencyServiceItem(graphene.ObjectType):
    """Ruralmart extension: a service the Red Supermarket's counter offers (代办)."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    code = graphene.String(required=True)
    name = graphene.String(required=True)
    category = graphene.Field(AgencyServiceCategoryEnum, required=True)
    flow = graphene.Field(AgencyItemFlowEnum, required=True)
    provider_name = graphene.String(description="Null for tasks the operator does by hand.")
    input_fields = graphene.List(graphene.NonNull(AgencyInputField), required=True)
    amount_min = graphene.Field(Money, required=True)
    amount_max = graphene.Field(Money, required=True)
    fee_rule = graphene.Field(AgencyFeeRuleEnum, required=True)
    fee_value = graphene.String(required=True, description="Yuan (FIXED) or a fraction (PERCENT).")
    commission_rate = graphene.String(required=True)
    description = graphene.String(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, ServiceItemModel)

    @staticmethod
    def resolve_provider_name(root: ServiceItemModel, info: Any) -> Any:
        if root.provider_id is None:
            return None
        return then(
            get_loader(info.context, loaders.ProviderByIdLoader).load(root.provider_id),
            lambda provider: provider.name if provider else None,
        )

    @staticmethod
    def resolve_amount_min(root: ServiceItemModel, info: Any) -> Any:
        return as_money(root.amount_min, "CNY")

    @staticmethod
    def resolve_amount_max(root: ServiceItemModel, info: Any) -> Any:
        return as_money(root.amount_max, "CNY")

    @staticmethod
    def resolve_fee_value(root: ServiceItemModel, info: Any) -> str:
        return str(root.fee_value.normalize())

    @staticmethod
    def resolve_commission_rate(root: ServiceItemModel, info: Any) -> str:
        return str(root.commission_rate.normalize())


def _item(root: Any, info: Any) -> Any:
    return get_loader(info.context, loaders.ServiceItemByIdLoader).load(root.item_id)


def _supermarket_id(root: Any) -> str:
    return to_global_id("RedSupermarket", root.supermarket_id)


class AgencyOrder(graphene.ObjectType):
    """Ruralmart extension: an agency service bought at the counter."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    request_id = graphene.String(required=True)
    supermarket_id = graphene.ID(required=True, description="The RedSupermarket's global ID.")
    item = graphene.Field(AgencyServiceItem, required=True)
    account = graphene.String(
        required=True, description="Masked unless you operate the supermarket."
    )
    fields = graphene.Field(
        JSON, required=True, description="The input; masked unless you operate it."
    )
    amount = graphene.Field(Money, required=True)
    fee = graphene.Field(Money, required=True)
    commission = graphene.Field(
        Money, required=True, description="Collective income from this order."
    )
    payment_method = graphene.String(required=True)
    alipay_trade_no = graphene.String(
        required=True, description="Alipay's trade number once the payment code paid."
    )
    paid_at = graphene.DateTime(description="When the payment came in (Alipay orders).")
    alipay_refunded_at = graphene.DateTime(
        description="When Alipay confirmed the refund of a failed order paid by Alipay."
    )
    status = graphene.Field(AgencyOrderStatusEnum, required=True)
    provider_order_no = graphene.String(required=True)
    failure_reason = graphene.String(required=True)
    operator_note = graphene.String(required=True)
    query_attempts = graphene.Int(required=True)
    receipt_number = graphene.String()
    created_at = graphene.DateTime(required=True)
    resolved_at = graphene.DateTime()

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, AgencyOrderModel)

    resolve_item = staticmethod(_item)

    @staticmethod
    def resolve_supermarket_id(root: AgencyOrderModel, info: Any) -> str:
        return _supermarket_id(root)

    @staticmethod
    def resolve_account(root: AgencyOrderModel, info: Any) -> str:
        return root.account if operates(info, root.supermarket_id) else _mask_account(root.account)

    @staticmethod
    def resolve_fields(root: AgencyOrderModel, info: Any) -> dict[str, Any]:
        if operates(info, root.supermarket_id):
            return dict(root.fields)
        masked = {}
        for name, value in root.fields.items():
            if name == "id_number":
                masked[name] = mask_id_number(str(value))
            elif name in ("name", "payer_name"):
                masked[name] = mask_name(str(value))
            elif name in ("account", "phone", "card_number"):
                masked[name] = _mask_account(str(value))
            else:
                masked[name] = value
        return masked

    @staticmethod
    def resolve_amount(root: AgencyOrderModel, info: Any) -> Any:
        return as_money(root.amount, "CNY")

    @staticmethod
    def resolve_fee(root: AgencyOrderModel, info: Any) -> Any:
        return as_money(root.fee, "CNY")

    @staticmethod
    def resolve_commission(root: AgencyOrderModel, info: Any) -> Any:
        return as_money(root.commission, "CNY")

    @staticmethod
    def resolve_receipt_number(root: AgencyOrderModel, info: Any) -> Any:
        return get_loader(info.context, loaders.ReceiptNumberByReferenceLoader).load(
            f"agency-order:{root.pk}"
        )


class CashWithdrawal(graphene.ObjectType):
    """Ruralmart extension: a small cash withdrawal (助农取款)."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    request_id = graphene.String(required=True)
    supermarket_id = graphene.ID(required=True)
    card_number = graphene.String(
        required=True, description="In full for the supermarket's operators only."
    )
    amount = graphene.Field(Money, required=True)
    commission = graphene.Field(Money, required=True)
    status = graphene.Field(CashWithdrawalStatusEnum, required=True)
    failure_reason = graphene.String(required=True)
    receipt_number = graphene.String()
    created_at = graphene.DateTime(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, CashWithdrawalModel)

    @staticmethod
    def resolve_supermarket_id(root: CashWithdrawalModel, info: Any) -> str:
        return _supermarket_id(root)

    @staticmethod
    def resolve_card_number(root: CashWithdrawalModel, info: Any) -> str:
        return root.card_number if operates(info, root.supermarket_id) else root.card_masked

    @staticmethod
    def resolve_amount(root: CashWithdrawalModel, info: Any) -> Any:
        return as_money(root.amount, "CNY")

    @staticmethod
    def resolve_commission(root: CashWithdrawalModel, info: Any) -> Any:
        return as_money(root.commission, "CNY")

    @staticmethod
    def resolve_receipt_number(root: CashWithdrawalModel, info: Any) -> Any:
        return get_loader(info.context, loaders.ReceiptNumberByReferenceLoader).load(
            f"agency-withdrawal:{root.pk}"
        )


class AgencyManualReviewResolution(graphene.ObjectType):
    """Ruralmart extension: how staff settled an order or withdrawal left in manual review."""

    outcome = graphene.Field(AgencyReviewOutcomeEnum, required=True)
    reason = graphene.String(required=True)
    provider_status = graphene.String(
        required=True, description="The provider's answer when asked just before resolving."
    )
    resolved_at = graphene.DateTime(required=True)


class TicketTrip(graphene.ObjectType):
    """A seat on offer from the ticket provider, with the counter's fee."""

    trip_id = graphene.String(required=True)
    mode = graphene.String(required=True)
    origin = graphene.String(required=True)
    destination = graphene.String(required=True)
    departure_at = graphene.DateTime(required=True)
    seat_class = graphene.String(required=True)
    price = graphene.Field(Money, required=True)
    fee = graphene.Field(Money, required=True)
    seats_left = graphene.Int(required=True)

    @staticmethod
    def from_offer(offer: TripOffer) -> TicketTrip:
        trip = offer.trip
        return TicketTrip(
            trip_id=trip.trip_id,
            mode=trip.mode,
            origin=trip.origin,
            destination=trip.destination,
            departure_at=datetime.fromisoformat(trip.departure_at),
            seat_class=trip.seat_class,
            price=as_money(trip.price, "CNY"),
            fee=as_money(offer.fee, "CNY"),
            seats_left=trip.seats_left,
        )


class TicketBooking(graphene.ObjectType):
    """Ruralmart extension: a ticket held, issued or refunded at the counter."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    request_id = graphene.String(required=True)
    supermarket_id = graphene.ID(required=True)
    item = graphene.Field(AgencyServiceItem, required=True)
    trip_id = graphene.String(required=True)
    origin = graphene.String(required=True)
    destination = graphene.String(required=True)
    departure_at = graphene.DateTime(required=True)
    seat_class = graphene.String(required=True)
    passenger_name = graphene.String(required=True)
    passenger_id_number = graphene.String(required=True)
    price = graphene.Field(Money, required=True)
    fee = graphene.Field(Money, required=True)
    booking_no = graphene.String(required=True)
    ticket_no = graphene.String(required=True)
    status = graphene.Field(TicketStatusEnum, required=True)
    refund_fee = graphene.Field(Money, required=True)
    refund_amount = graphene.Field(Money, required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, TicketBookingModel)

    resolve_item = staticmethod(_item)

    @staticmethod
    def resolve_supermarket_id(root: TicketBookingModel, info: Any) -> str:
        return _supermarket_id(root)

    @staticmethod
    def resolve_passenger_name(root: TicketBookingModel, info: Any) -> str:
        return (
            root.passenger_name
            if operates(info, root.supermarket_id)
            else mask_name(root.passenger_name)
        )

    @staticmethod
    def resolve_passenger_id_number(root: TicketBookingModel, info: Any) -> str:
        if operates(info, root.supermarket_id):
            return root.passenger_id_number
        return mask_id_number(root.passenger_id_number)

    @staticmethod
    def resolve_price(root: TicketBookingModel, info: Any) -> Any:
        return as_money(root.price, "CNY")

    @staticmethod
    def resolve_fee(root: TicketBookingModel, info: Any) -> Any:
        return as_money(root.fee, "CNY")

    @staticmethod
    def resolve_refund_fee(root: TicketBookingModel, info: Any) -> Any:
        return as_money(root.refund_fee, "CNY")

    @staticmethod
    def resolve_refund_amount(root: TicketBookingModel, info: Any) -> Any:
        return as_money(root.refund_amount, "CNY")


class ReconciliationRunResult(graphene.ObjectType):
    """One source compared for one day."""

    business_day = graphene.Date(required=True)
    source = graphene.String(required=True)
    theirs_count = graphene.Int(required=True)
    ours_count = graphene.Int(required=True)
    flagged_count = graphene.Int(required=True)
    new_items_count = graphene.Int(required=True)
    error = graphene.String(required=True, description="Empty unless the source could not be read.")


class ReconciliationItem(graphene.ObjectType):
    """Ruralmart extension: one difference between an outside party's records and ours."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    business_day = graphene.Date(required=True)
    source = graphene.String(required=True)
    external_id = graphene.String(required=True)
    kind = graphene.Field(ReconciliationKindEnum, required=True)
    supermarket_id = graphene.ID()
    ours_amount = graphene.Field(Money)
    theirs_amount = graphene.Field(Money)
    ours_status = graphene.String(required=True)
    theirs_status = graphene.String(required=True)
    cleared = graphene.Boolean(required=True)
    cleared_at = graphene.DateTime()
    cleared_note = graphene.String(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, ReconciliationItemModel)

    @staticmethod
    def resolve_supermarket_id(root: ReconciliationItemModel, info: Any) -> str | None:
        return _supermarket_id(root) if root.supermarket_id else None

    @staticmethod
    def resolve_ours_amount(root: ReconciliationItemModel, info: Any) -> Any:
        return None if root.ours_amount is None else as_money(root.ours_amount, "CNY")

    @staticmethod
    def resolve_theirs_amount(root: ReconciliationItemModel, info: Any) -> Any:
        return None if root.theirs_amount is None else as_money(root.theirs_amount, "CNY")


class AgencyServiceItemCountableConnection(CountableConnection):
    class Meta:
        node = AgencyServiceItem
        strict_types = True


class AgencyOrderCountableConnection(CountableConnection):
    class Meta:
        node = AgencyOrder
        strict_types = True


class ReconciliationItemCountableConnection(CountableConnection):
    class Meta:
        node = ReconciliationItem
        strict_types = True


class CashWithdrawalCountableConnection(CountableConnection):
    class Meta:
        node = CashWithdrawal
        strict_types = True


class TicketBookingCountableConnection(CountableConnection):
    class Meta:
        node = TicketBooking
        strict_types = True
