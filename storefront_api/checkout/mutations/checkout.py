"""The cart mutations: create, lines, email, addresses and customer. Each parses its input,
finds the caller's checkout, calls one service of `marketplace.checkout.services` and
shapes the payload."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.accounts.addresses import AddressType
from marketplace.channels.models import Channel as ChannelModel
from marketplace.checkout import services
from marketplace.checkout.error_codes import CheckoutErrorCode as Code
from storefront_api.account.types import AddressInput
from storefront_api.checkout.mutations.base import (
    CheckoutIdArguments,
    CheckoutMutation,
    checkout_ids,
    clean_address,
    decode_pk,
    line_inputs,
    line_update_inputs,
    refuse,
)
from storefront_api.checkout.resolvers import checkout_for_mutation
from storefront_api.checkout.types import Checkout, CheckoutError
from storefront_api.core.errors import PermissionDenied
from storefront_api.core.types import LanguageCodeEnum


class CheckoutLineBookingInput(graphene.InputObjectType):
    """Ruralmart extension: dates (end exclusive) and party size of a homestay or experience."""

    start_date = graphene.Date(required=True, description="Check-in / experience date.")
    end_date = graphene.Date(required=True, description="Check-out date; after the start.")
    guests = graphene.Int(required=True, description="Number of guests.")


class CheckoutLineInput(graphene.InputObjectType):
    quantity = graphene.Int(
        required=True,
        description="The number of items purchased (for a booking: rooms or seats; the "
        "priced quantity is worked out from the dates).",
    )
    variant_id = graphene.ID(required=True, description="ID of the product variant.")
    force_new_line = graphene.Boolean(
        default_value=False,
        description="Accepted for compatibility: goods always merge into one line per "
        "variant; each booking is its own line.",
    )
    booking = graphene.Field(
        CheckoutLineBookingInput, description="Required for homestays and experiences."
    )


class CheckoutLineUpdateInput(graphene.InputObjectType):
    variant_id = graphene.ID(description="ID of the product variant (goods lines).")
    quantity = graphene.Int(description="The new quantity; 0 removes the line.")
    line_id = graphene.ID(description="ID of the line.")
    booking = graphene.Field(
        CheckoutLineBookingInput, description="New dates or guests of a booking line."
    )


class CheckoutAddressValidationRules(graphene.InputObjectType):
    check_required_fields = graphene.Boolean(default_value=True)
    check_fields_format = graphene.Boolean(default_value=True)
    enable_fields_normalization = graphene.Boolean(default_value=True)


class CheckoutValidationRules(graphene.InputObjectType):
    shipping_address = graphene.Field(CheckoutAddressValidationRules)
    billing_address = graphene.Field(CheckoutAddressValidationRules)


class CheckoutCreateInput(graphene.InputObjectType):
    channel = graphene.String(description="Slug of a channel in which to create a checkout.")
    lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)
    email = graphene.String(description="The customer's email address.")
    save_shipping_address = graphene.Boolean(description="Accepted and ignored.")
    shipping_address = graphene.Field(AddressInput)
    save_billing_address = graphene.Boolean(description="Accepted and ignored.")
    billing_address = graphene.Field(AddressInput)
    language_code = graphene.Field(LanguageCodeEnum, description="Accepted and ignored.")
    validation_rules = graphene.Field(
        CheckoutValidationRules, description="Accepted; addresses are always fully validated."
    )


def _channel(slug: str | None) -> ChannelModel:
    if slug is None:
        active = list(ChannelModel.objects.filter(is_active=True)[:2])
        if len(active) == 1:
            return active[0]
        raise refuse("channel", "Give the channel's slug.", Code.REQUIRED)
    channel = ChannelModel.objects.filter(slug=slug).first()
    if channel is None:
        raise refuse("channel", f"Channel with '{slug}' slug does not exist.", Code.NOT_FOUND)
    return channel


def _caller(info: Any) -> Any:
    user = info.context.user
    return user if user.is_authenticated else None


class CheckoutCreate(CheckoutMutation):
    class Arguments:
        input = CheckoutCreateInput(required=True)

    class Meta:
        description = "Create a new checkout (owned by the caller when logged in)."

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(cls, info: Any, input: Any) -> CheckoutCreate:
        channel = _channel(input.get("channel"))
        lines = line_inputs(input.get("lines") or [])
        shipping = input.get("shipping_address")
        billing = input.get("billing_address")
        checkout = services.checkout_create(
            channel=channel,
            lines=lines,
            user=_caller(info),
            email=input.get("email") or "",
            shipping_address=clean_address(shipping, AddressType.SHIPPING) if shipping else None,
            billing_address=clean_address(billing, AddressType.BILLING) if billing else None,
        )
        return cls(checkout=checkout)


class CheckoutLinesAdd(CheckoutMutation):
    class Arguments(CheckoutIdArguments):
        lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(cls, info: Any, lines: list[Any], **ids: Any) -> CheckoutLinesAdd:
        checkout = checkout_for_mutation(info, **checkout_ids(ids))
        parsed = line_inputs(lines)
        return cls(checkout=services.checkout_lines_add(checkout=checkout, lines=parsed))


class CheckoutLinesUpdate(CheckoutMutation):
    class Arguments(CheckoutIdArguments):
        lines = graphene.List(graphene.NonNull(CheckoutLineUpdateInput), required=True)

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(cls, info: Any, lines: list[Any], **ids: Any) -> CheckoutLinesUpdate:
        checkout = checkout_for_mutation(info, **checkout_ids(ids))
        parsed = line_update_inputs(lines)
        return cls(checkout=services.checkout_lines_update(checkout=checkout, lines=parsed))


class CheckoutLinesDelete(CheckoutMutation):
    class Arguments:
        id = graphene.ID(description="The checkout's ID.")
        lines_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
        token = graphene.UUID(description="Checkout token.", deprecation_reason="Use `id`.")

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(cls, info: Any, lines_ids: list[str], **ids: Any) -> CheckoutLinesDelete:
        checkout = checkout_for_mutation(info, **checkout_ids(ids))
        pks = [decode_pk(gid, expected_type="CheckoutLine", field="linesIds") for gid in lines_ids]
        return cls(checkout=services.checkout_lines_delete(checkout=checkout, line_ids=pks))


class CheckoutLineDelete(CheckoutMutation):
    """Saleor's deprecated one-line delete, still sent by storefronts: the lines-delete
    service with a single line."""

    class Arguments(CheckoutIdArguments):
        line_id = graphene.ID(description="ID of the checkout line to delete.")

    checkout = graphene.Field(Checkout)
    checkout_errors = graphene.List(
        graphene.NonNull(CheckoutError),
        required=True,
        deprecation_reason="Use `errors` field instead.",
    )

    legacy_errors_field = "checkout_errors"

    @classmethod
    def perform(cls, info: Any, line_id: str | None = None, **ids: Any) -> CheckoutLineDelete:
        if not line_id:
            raise refuse("lineId", "Give the line to delete.", Code.REQUIRED)
        checkout = checkout_for_mutation(info, **checkout_ids(ids))
        pk = decode_pk(line_id, expected_type="CheckoutLine", field="lineId")
        return cls(checkout=services.checkout_lines_delete(checkout=checkout, line_ids=[pk]))


class CheckoutEmailUpdate(CheckoutMutation):
    class Arguments(CheckoutIdArguments):
        email = graphene.String(required=True)

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(cls, info: Any, email: str, **ids: Any) -> CheckoutEmailUpdate:
        checkout = checkout_for_mutation(info, **checkout_ids(ids))
        return cls(checkout=services.checkout_email_update(checkout=checkout, email=email))


class _AddressArguments(CheckoutIdArguments):
    save_address = graphene.Boolean(default_value=True, description="Accepted and ignored.")
    validation_rules = graphene.Argument(
        CheckoutAddressValidationRules,
        description="Accepted; addresses are always fully validated.",
    )


class CheckoutShippingAddressUpdate(CheckoutMutation):
    class Arguments(_AddressArguments):
        shipping_address = AddressInput(required=True)

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(
        cls, info: Any, shipping_address: Any, **arguments: Any
    ) -> CheckoutShippingAddressUpdate:
        checkout = checkout_for_mutation(info, **checkout_ids(arguments))
        address = clean_address(shipping_address, AddressType.SHIPPING)
        return cls(
            checkout=services.checkout_shipping_address_update(checkout=checkout, address=address)
        )


class CheckoutBillingAddressUpdate(CheckoutMutation):
    class Arguments(_AddressArguments):
        billing_address = AddressInput(required=True)

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(
        cls, info: Any, billing_address: Any, **arguments: Any
    ) -> CheckoutBillingAddressUpdate:
        checkout = checkout_for_mutation(info, **checkout_ids(arguments))
        address = clean_address(billing_address, AddressType.BILLING)
        return cls(
            checkout=services.checkout_billing_address_update(checkout=checkout, address=address)
        )


def _require_login(info: Any) -> Any:
    user = info.context.user
    if not user.is_authenticated:
        raise PermissionDenied("You need to be logged in to own a checkout.")
    return user


class CheckoutCustomerAttach(CheckoutMutation):
    class Arguments(CheckoutIdArguments):
        customer_id = graphene.ID(
            description="Only the caller's own ID is accepted: buyers attach themselves."
        )

    class Meta:
        description = "Make the logged-in caller the checkout's customer."

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(cls, info: Any, customer_id: str | None = None, **ids: Any) -> Any:
        user = _require_login(info)
        if customer_id and decode_pk(customer_id, expected_type="User", field="customerId") != (
            user.pk
        ):
            raise PermissionDenied("You can only attach yourself to a checkout.")
        checkout = checkout_for_mutation(info, **checkout_ids(ids))
        return cls(checkout=services.checkout_customer_attach(checkout=checkout, user=user))


class CheckoutCustomerDetach(CheckoutMutation):
    class Arguments(CheckoutIdArguments):
        pass

    class Meta:
        description = "Remove the logged-in caller as the checkout's customer."

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(cls, info: Any, **ids: Any) -> CheckoutCustomerDetach:
        _require_login(info)
        checkout = checkout_for_mutation(info, **checkout_ids(ids))
        return cls(checkout=services.checkout_customer_detach(checkout=checkout))
