"""Agency mutations, each thin: refuse callers with no staff role before any lookup,
resolve the IDs, call one agency service, and answer its refusals as `errors` with
`AgencyErrorCode` (the domain's enum, unchanged). "You may not" (another supermarket's
operator, an officer trying to sell) is a GraphQL PermissionDenied error."""

from __future__ import annotations

from datetime import date
from typing import Any

import graphene

from marketplace.accounts.permissions import role_scopes
from marketplace.agency import manual_review, orders, reconciliation, tickets, withdrawals
from marketplace.agency.error_codes import AgencyErrorCode as AgencyErrorCodeDomain
from marketplace.agency.models import AgencyOrder as AgencyOrderModel
from marketplace.agency.models import CashWithdrawal as CashWithdrawalModel
from marketplace.agency.models import PaymentMethod
from marketplace.agency.models import ReconciliationItem as ReconciliationItemModel
from marketplace.agency.models import TicketBooking as TicketBookingModel
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.red_supermarket.models import RedSupermarket
from marketplace.red_supermarket.selectors import can_view_supermarket, supermarket_get
from storefront_api.agency.types import (
    AgencyManualReviewResolution,
    AgencyOrder,
    AgencyOrderStatusEnum,
    AgencyReviewOutcomeEnum,
    CashWithdrawal,
    ReconciliationItem,
    ReconciliationRunResult,
    TicketBooking,
)
from storefront_api.core.enums import domain_enum
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id, decode_int_id
from storefront_api.core.mutations import (
    ErrorsMutation,
)
from storefront_api.payment.types import JSON

AgencyErrorCode = domain_enum(AgencyErrorCodeDomain, name="AgencyErrorCode")
AgencyPaymentMethodEnum = domain_enum(PaymentMethod, name="AgencyPaymentMethodEnum")


class AgencyError(graphene.ObjectType):
    field = graphene.String(description="The argument at fault; null for the whole input.")
    message = graphene.String()
    code = graphene.Field(AgencyErrorCode, required=True)


def require_agency_staff(info: Any) -> Any:
    """Operators, shop managers, bureau officers and platform admins get past this line;
    anyone else is refused before any ID is looked up."""
    user = info.context.user
    if not user.is_authenticated:
        raise PermissionDenied("Agency services are for Red Supermarket staff: log in.")
    if not role_scopes(user).is_staff_role:
        raise PermissionDenied("Agency services are for Red Supermarket staff.")
    return user


def _pk(global_id: str, *, type_name: str, field: str) -> int:
    try:
        return decode_id(global_id, expected_type=type_name, field=field)
    except ApiError as exc:
        raise refuse(field, exc.message, AgencyErrorCodeDomain.INVALID) from None


def supermarket_from_id(info: Any, global_id: str, *, field: str = "supermarket") -> RedSupermarket:
    pk = _pk(global_id, type_name="RedSupermarket", field=field)
    supermarket = supermarket_get(supermarket_id=pk)
    if supermarket is None or not can_view_supermarket(
        user=info.context.user, supermarket=supermarket
    ):
        # The same answer for "none" and "not yours": existence is not told to outsiders.
        raise PermissionDenied("You do not work at that Red Supermarket.")
    return supermarket


def _row_in_scope(info: Any, rows: Any, global_id: str, *, type_name: str) -> Any:
    pk = _pk(global_id, type_name=type_name, field="id")
    row = rows.select_related("supermarket__shop__village").filter(pk=pk).first()
    if row is None:
        raise refuse("id", f"No such {type_name}.", AgencyErrorCodeDomain.NOT_FOUND)
    if row.supermarket_id is not None and not can_view_supermarket(
        user=info.context.user, supermarket=row.supermarket
    ):
        raise PermissionDenied(f"That {type_name} belongs to another Red Supermarket.")
    return row


class AgencyMutation(ErrorsMutation):
    class Meta:
        abstract = True

    error_type = AgencyError
    error_codes = AgencyErrorCodeDomain

    @classmethod
    def mutate(cls, root: Any, info: Any, **arguments: Any) -> Any:
        require_agency_staff(info)
        try:
            return super().mutate(root, info, **arguments)
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from None


class AgencyOrderCreateInput(graphene.InputObjectType):
    supermarket = graphene.ID(required=True, description="The RedSupermarket's global ID.")
    request_id = graphene.String(
        required=True, description="The client's key: a retry with the same one pays nothing twice."
    )
    item = graphene.String(required=True, description="The service item's code.")
    fields = graphene.Field(JSON, description="The item's input fields, name: value.")
    amount = graphene.String(required=True, description='Yuan as a string, e.g. "120.00".')
    payment_method = graphene.Field(AgencyPaymentMethodEnum, description="Cash by default.")
    auth_code = graphene.String(
        description="ALIPAY_CODE only: the villager's Alipay payment code, as scanned."
    )


class AgencyOrderCreate(AgencyMutation):
    class Arguments:
        input = AgencyOrderCreateInput(required=True)

    class Meta:
        description = (
            "Ruralmart extension: take the villager's cash (or Alipay payment code) for an "
            "agency service and carry it out through the provider once paid (or open a task "
            "for services done by hand)."
        )

    agency_order = graphene.Field(AgencyOrder)
    errors = graphene.List(graphene.NonNull(AgencyError), required=True)

    @classmethod
    def perform(cls, info: Any, input: dict[str, Any]) -> AgencyOrderCreate:
        supermarket = supermarket_from_id(info, input["supermarket"])
        method = input.get("payment_method")
        order = orders.agency_order_create(
            supermarket=supermarket,
            operator=info.context.user,
            request_id=input["request_id"],
            item_code=input["item"],
            fields=input.get("fields"),
            amount=input["amount"],
            payment_method=getattr(method, "value", method) or PaymentMethod.CASH,
            auth_code=input.get("auth_code") or "",
        )
        return cls(agency_order=order)


class AgencyOrderRefresh(AgencyMutation):
    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = (
            "Ruralmart extension: ask the provider now how an open order ended (or Alipay "
            "how a PAYING order's payment stands)."
        )

    agency_order = graphene.Field(AgencyOrder)
    errors = graphene.List(graphene.NonNull(AgencyError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str) -> AgencyOrderRefresh:
        order = _row_in_scope(info, AgencyOrderModel.objects, id, type_name="AgencyOrder")
        return cls(agency_order=orders.agency_order_refresh(order=order, user=info.context.user))


class AgencyTaskUpdate(AgencyMutation):
    class Arguments:
        id = graphene.ID(required=True)
        status = graphene.Argument(AgencyOrderStatusEnum, required=True)
        note = graphene.String(default_value="")

    class Meta:
        description = (
            "Ruralmart extension: close a government-service task with its outcome, TASK_DONE "
            "or TASK_REJECTED (could not be done), and a note. Once closed it stays so; the "
            "same outcome again changes nothing. For the supermarket's operators."
        )

    agency_order = graphene.Field(AgencyOrder)
    errors = graphene.List(graphene.NonNull(AgencyError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str, status: Any, note: str = "") -> AgencyTaskUpdate:
        order = _row_in_scope(info, AgencyOrderModel.objects, id, type_name="AgencyOrder")
        updated = orders.agency_task_update(
            order=order, user=info.context.user, status=getattr(status, "value", status), note=note
        )
        return cls(agency_order=updated)


class CashWithdrawalCreateInput(graphene.InputObjectType):
    supermarket = graphene.ID(required=True)
    request_id = graphene.String(required=True)
    card_number = graphene.String(required=True)
    amount = graphene.String(required=True, description='Yuan as a string, e.g. "500.00".')


class CashWithdrawalCreate(AgencyMutation):
    class Arguments:
        input = CashWithdrawalCreateInput(required=True)

    class Meta:
        description = (
            "Ruralmart extension: a small cash withdrawal (助农取款) within the card's and the "
            "supermarket's daily limits and the cash in the till."
        )

    cash_withdrawal = graphene.Field(CashWithdrawal)
    errors = graphene.List(graphene.NonNull(AgencyError), required=True)

    @classmethod
    def perform(cls, info: Any, input: dict[str, Any]) -> CashWithdrawalCreate:
        supermarket = supermarket_from_id(info, input["supermarket"])
        withdrawal = withdrawals.cash_withdrawal_create(
            supermarket=supermarket,
            operator=info.context.user,
            request_id=input["request_id"],
            card_number=input["card_number"],
            amount=input["amount"],
        )
        return cls(cash_withdrawal=withdrawal)


class TicketBookInput(graphene.InputObjectType):
    supermarket = graphene.ID(required=True)
    request_id = graphene.String(required=True)
    item = graphene.String(required=True, description="ticket-bus, ticket-train or ticket-air.")
    trip_id = graphene.String(required=True, description="From ticketSearch.")
    passenger_name = graphene.String(required=True)
    passenger_id_number = graphene.String(required=True)


class TicketBook(AgencyMutation):
    class Arguments:
        input = TicketBookInput(required=True)

    class Meta:
        description = "Ruralmart extension: hold a seat for a passenger (nothing is paid yet)."

    ticket_booking = graphene.Field(TicketBooking)
    errors = graphene.List(graphene.NonNull(AgencyError), required=True)

    @classmethod
    def perform(cls, info: Any, input: dict[str, Any]) -> TicketBook:
        supermarket = supermarket_from_id(info, input["supermarket"])
        booking = tickets.ticket_book(
            supermarket=supermarket,
            operator=info.context.user,
            request_id=input["request_id"],
            item_code=input["item"],
            trip_id=input["trip_id"],
            passenger_name=input["passenger_name"],
            passenger_id_number=input["passenger_id_number"],
        )
        return cls(ticket_booking=booking)


class TicketIssue(AgencyMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The TicketBooking.")

    class Meta:
        description = (
            "Ruralmart extension: take the cash and have the provider issue the held seat."
        )

    ticket_booking = graphene.Field(TicketBooking)
    errors = graphene.List(graphene.NonNull(AgencyError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str) -> TicketIssue:
        booking = _row_in_scope(
            info,
            TicketBookingModel.objects.select_related("item__provider"),
            id,
            type_name="TicketBooking",
        )
        return cls(ticket_booking=tickets.ticket_issue(booking=booking, operator=info.context.user))


class TicketRefund(AgencyMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The TicketBooking.")

    class Meta:
        description = "Ruralmart extension: refund an issued ticket within the provider's rules."

    ticket_booking = graphene.Field(TicketBooking)
    errors = graphene.List(graphene.NonNull(AgencyError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str) -> TicketRefund:
        booking = _row_in_scope(
            info,
            TicketBookingModel.objects.select_related("item__provider"),
            id,
            type_name="TicketBooking",
        )
        return cls(
            ticket_booking=tickets.ticket_refund(booking=booking, operator=info.context.user)
        )


class ReconciliationRunMutation(AgencyMutation):
    class Arguments:
        date = graphene.Date(required=True)
        supermarket = graphene.ID(description="Keep only this supermarket's differences.")
        provider = graphene.String(
            description='One source, e.g. "provider:utility" or "alipay:trade".'
        )

    class Meta:
        name = "ReconciliationRun"
        description = (
            "Ruralmart extension: compare a day's provider statements and Alipay bill with our "
            "records. Re-running a day adds nothing twice."
        )

    runs = graphene.List(graphene.NonNull(ReconciliationRunResult), required=True)
    errors = graphene.List(graphene.NonNull(AgencyError), required=True)

    @staticmethod
    def resolve_runs(root: Any, info: Any) -> list[Any]:
        # A refused day answers `errors` and no runs, not a null in a non-null list.
        return list(root.runs or [])

    @classmethod
    def perform(
        cls, info: Any, date: date, supermarket: str | None = None, provider: str | None = None
    ) -> ReconciliationRunMutation:
        market = supermarket_from_id(info, supermarket) if supermarket else None
        runs = reconciliation.reconciliation_run(
            day=date, user=info.context.user, source=provider, supermarket=market
        )
        return cls(runs=runs)


class ReconciliationItemClear(AgencyMutation):
    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String(default_value="")

    class Meta:
        description = "Ruralmart extension: mark a reconciliation difference as explained."

    reconciliation_item = graphene.Field(ReconciliationItem)
    errors = graphene.List(graphene.NonNull(AgencyError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str, note: str = "") -> ReconciliationItemClear:
        item = _row_in_scope(
            info, ReconciliationItemModel.objects, id, type_name="ReconciliationItem"
        )
        cleared = reconciliation.reconciliation_item_clear(
            item=item, user=info.context.user, note=note
        )
        return cls(reconciliation_item=cleared)


class AgencyManualReviewResolve(AgencyMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The AgencyOrder or CashWithdrawal.")
        outcome = graphene.Argument(AgencyReviewOutcomeEnum, required=True)
        reason = graphene.String(required=True, description="Why; kept with the resolution.")

    class Meta:
        description = (
            "Ruralmart extension: township staff or a platform admin (never the order's own "
            "operator) settle an order or withdrawal in manual review, after the provider is "
            "asked once more. FAILED refunds the villager; resolving twice is an error."
        )

    agency_order = graphene.Field(AgencyOrder)
    cash_withdrawal = graphene.Field(CashWithdrawal)
    resolution = graphene.Field(AgencyManualReviewResolution)
    errors = graphene.List(graphene.NonNull(AgencyError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str, outcome: Any, reason: str) -> AgencyManualReviewResolve:
        if decode_int_id(id, expected_type="CashWithdrawal") is not None:
            subject = _row_in_scope(
                info, CashWithdrawalModel.objects, id, type_name="CashWithdrawal"
            )
        else:
            subject = _row_in_scope(
                info,
                AgencyOrderModel.objects.select_related("item__provider"),
                id,
                type_name="AgencyOrder",
            )
        resolution = manual_review.manual_review_resolve(
            subject=subject,
            user=info.context.user,
            outcome=getattr(outcome, "value", outcome),
            reason=reason,
        )
        subject.refresh_from_db()
        is_order = isinstance(subject, AgencyOrderModel)
        return cls(
            agency_order=subject if is_order else None,
            cash_withdrawal=None if is_order else subject,
            resolution=resolution,
        )


class AgencyReconciliationRun(AgencyMutation):
    """The "button" of daily reconciliation for those who oversee it: every source for one
    day, county-wide, as the nightly beat task does for yesterday."""

    class Arguments:
        date = graphene.Date(required=True, description="The business day; not a future one.")

    class Meta:
        description = (
            "Ruralmart extension: township staff or a platform admin reconcile one day of every "
            "provider statement and Alipay's bill with our records. Re-running adds nothing twice."
        )

    runs = graphene.List(graphene.NonNull(ReconciliationRunResult), required=True)
    errors = graphene.List(graphene.NonNull(AgencyError), required=True)

    resolve_runs = ReconciliationRunMutation.resolve_runs

    @classmethod
    def perform(cls, info: Any, date: date) -> AgencyReconciliationRun:
        # The service refuses everyone but officers and platform admins (PermissionRefused
        # becomes PermissionDenied above), and future days with a coded error.
        return cls(runs=reconciliation.reconciliation_run(day=date, user=info.context.user))
