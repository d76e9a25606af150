"""Delivery, promo codes and completion.

Delivery is per shop. `checkoutDeliveryMethodUpdate(deliveryMethodId)` keeps Saleor's one
argument: a delivery method belongs to one shop, so choosing it sets that shop's choice
and leaves the other shops' as they are. The id may be a `ShippingMethod` or a `Delivery`
ID (both name the same method). `Checkout.shopDeliveries` shows every shop's choice.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from logistics.models import DeliveryMethod
from marketplace.checkout import selectors, services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.error_codes import CheckoutErrorCode as Code
from marketplace.payments.selectors import checkout_pays_at_counter
from storefront_api.checkout.mutations.base import CheckoutIdArguments, CheckoutMutation, refuse
from storefront_api.checkout.resolvers import checkout_for_mutation
from storefront_api.checkout.types import (
    Checkout,
    DeliveryOptionsCalculateError,
    DeliveryOptionsCalculateErrorCode,
)
from storefront_api.core.ids import decode_int_id
from storefront_api.core.mutations import ErrorsMutation, error_message, validation_entries
from storefront_api.order.types import Order
from storefront_api.shipping.types import Delivery


def _checkout_ids(arguments: dict[str, Any]) -> dict[str, Any]:
    return {key: arguments.get(key) for key in ("id", "token", "checkout_id")}


class DeliveryOptionsCalculate(ErrorsMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The checkout's ID.")

    class Meta:
        description = "Every delivery option of every shop in the checkout (see shopDeliveries)."

    deliveries = graphene.List(graphene.NonNull(Delivery), required=True)
    errors = graphene.List(graphene.NonNull(DeliveryOptionsCalculateError), required=True)

    @classmethod
    def errors_from(cls, exc: ValidationError) -> list[DeliveryOptionsCalculateError]:
        errors = []
        for field, error in validation_entries(exc):
            try:
                code = DeliveryOptionsCalculateErrorCode.get(error.code)
            except (KeyError, ValueError):
                code = DeliveryOptionsCalculateErrorCode.INVALID
            errors.append(
                DeliveryOptionsCalculateError(field=field, message=error_message(error), code=code)
            )
        return errors

    @classmethod
    def mutate(cls, root: Any, info: Any, **arguments: Any) -> Any:
        payload = super().mutate(root, info, **arguments)
        if payload.deliveries is None:
            payload.deliveries = []
        return payload

    @classmethod
    def perform(cls, info: Any, id: str) -> DeliveryOptionsCalculate:
        checkout = checkout_for_mutation(info, id=id)
        options = selectors.delivery_options(checkout=checkout)
        return cls(deliveries=[method for option in options for method in option.methods])


class CheckoutDeliveryMethodUpdate(CheckoutMutation):
    class Arguments:
        id = graphene.ID(description="The checkout's ID.")
        token = graphene.UUID(description="Checkout token.", deprecation_reason="Use `id`.")
        delivery_method_id = graphene.ID(
            description="A ShippingMethod (or Delivery) ID; it sets the choice of the shop "
            "that offers it."
        )

    class Meta:
        description = "Choose how one shop delivers its part of the checkout."

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(
        cls, info: Any, delivery_method_id: str | None = None, **ids: Any
    ) -> CheckoutDeliveryMethodUpdate:
        checkout = checkout_for_mutation(info, **_checkout_ids(ids))
        if not delivery_method_id:
            raise refuse(
                "deliveryMethodId",
                "Give the delivery method to use (each shop chooses its own).",
                Code.REQUIRED,
            )
        pk = decode_int_id(delivery_method_id, expected_type="ShippingMethod")
        if pk is None:
            pk = decode_int_id(delivery_method_id, expected_type="Delivery")
        if pk is None:
            raise refuse(
                "deliveryMethodId",
                f"Couldn't resolve to a delivery method: {delivery_method_id}",
                Code.GRAPHQL_ERROR,
            )
        method = DeliveryMethod.objects.select_related("shop").filter(pk=pk).first()
        if method is None:
            raise refuse("deliveryMethodId", "No such delivery method.", Code.NOT_FOUND)
        return cls(
            checkout=services.checkout_delivery_method_update(
                checkout=checkout, shop=method.shop, method=method
            )
        )


class CheckoutAddPromoCode(CheckoutMutation):
    class Arguments(CheckoutIdArguments):
        promo_code = graphene.String(required=True, description="A shop's promo code.")

    class Meta:
        description = "Apply a shop's promo code to that shop's lines."

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(cls, info: Any, promo_code: str, **ids: Any) -> CheckoutAddPromoCode:
        checkout = checkout_for_mutation(info, **_checkout_ids(ids))
        return cls(
            checkout=services.checkout_add_promo_code(checkout=checkout, promo_code=promo_code)
        )


class CheckoutRemovePromoCode(CheckoutMutation):
    class Arguments(CheckoutIdArguments):
        promo_code = graphene.String(description="The promo code to remove.")
        promo_code_id = graphene.ID(description="Not supported: give `promoCode`.")

    checkout = graphene.Field(Checkout)

    @classmethod
    def perform(
        cls, info: Any, promo_code: str | None = None, promo_code_id: str | None = None, **ids: Any
    ) -> CheckoutRemovePromoCode:
        checkout = checkout_for_mutation(info, **_checkout_ids(ids))
        if promo_code_id is not None and promo_code is not None:
            # As in Saleor; the ID would otherwise be ignored without being checked.
            raise refuse(
                "promoCodeId",
                "Argument 'promoCodeId' cannot be combined with 'promoCode'.",
                Code.GRAPHQL_ERROR,
            )
        if not promo_code:
            raise refuse("promoCode", "Give the promo code to remove.", Code.REQUIRED)
        return cls(
            checkout=services.checkout_remove_promo_code(checkout=checkout, promo_code=promo_code)
        )


class CheckoutComplete(CheckoutMutation):
    class Arguments(CheckoutIdArguments):
        payment_data = graphene.JSONString(description="Accepted and ignored.")
        redirect_url = graphene.String(description="Accepted and ignored.")
        store_source = graphene.Boolean(default_value=False, description="Accepted and ignored.")

    class Meta:
        description = (
            "Turn a fully paid checkout into one order with one shop order per shop. "
            "Completing the same checkout again returns the same order."
        )

    order = graphene.Field(Order)
    confirmation_needed = graphene.Boolean(required=True)
    confirmation_data = graphene.JSONString()

    @classmethod
    def mutate(cls, root: Any, info: Any, **arguments: Any) -> Any:
        payload = super().mutate(root, info, **arguments)
        if payload.confirmation_needed is None:
            payload.confirmation_needed = False
        return payload

    @classmethod
    def perform(cls, info: Any, **arguments: Any) -> CheckoutComplete:
        checkout = checkout_for_mutation(info, include_completed=True, **_checkout_ids(arguments))
        user = info.context.user
        order = checkout_complete(
            checkout=checkout,
            user=user if user.is_authenticated else None,
            # Cash at the village counter is paid on handover, so it completes unpaid.
            allow_unpaid=checkout_pays_at_counter(checkout_id=checkout.pk),
        )
        return cls(order=order, confirmation_needed=False)
