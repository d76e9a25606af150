"""Checkout queries and mutations: `checkout`, and checkoutCreate … checkoutComplete."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import graphene

from storefront_api.checkout import resolvers
from storefront_api.checkout.mutations.checkout import (
    CheckoutBillingAddressUpdate,
    CheckoutCreate,
    CheckoutCustomerAttach,
    CheckoutCustomerDetach,
    CheckoutEmailUpdate,
    CheckoutLineDelete,
    CheckoutLinesAdd,
    CheckoutLinesDelete,
    CheckoutLinesUpdate,
    CheckoutShippingAddressUpdate,
)
from storefront_api.checkout.mutations.delivery import (
    CheckoutAddPromoCode,
    CheckoutComplete,
    CheckoutDeliveryMethodUpdate,
    CheckoutRemovePromoCode,
    DeliveryOptionsCalculate,
)
from storefront_api.checkout.types import Checkout


class CheckoutQueries(graphene.ObjectType):
    checkout = graphene.Field(
        Checkout,
        id=graphene.ID(description="The checkout's ID."),
        token=graphene.UUID(description="The checkout's token.", deprecation_reason="Use `id`."),
        description="Look up an open checkout: the caller's own, or an anonymous one by its ID.",
    )

    @staticmethod
    def resolve_checkout(
        root: Any, info: Any, id: str | None = None, token: UUID | None = None
    ) -> Any:
        return resolvers.checkout_for_query(info, id=id, token=token)


class CheckoutMutations(graphene.ObjectType):
    checkout_create = CheckoutCreate.Field()
    checkout_lines_add = CheckoutLinesAdd.Field()
    checkout_lines_update = CheckoutLinesUpdate.Field()
    checkout_lines_delete = CheckoutLinesDelete.Field()
    checkout_line_delete = CheckoutLineDelete.Field(
        deprecation_reason="Use `checkoutLinesDelete` instead."
    )
    checkout_email_update = CheckoutEmailUpdate.Field()
    checkout_shipping_address_update = CheckoutShippingAddressUpdate.Field()
    checkout_billing_address_update = CheckoutBillingAddressUpdate.Field()
    checkout_customer_attach = CheckoutCustomerAttach.Field()
    checkout_customer_detach = CheckoutCustomerDetach.Field()
    delivery_options_calculate = DeliveryOptionsCalculate.Field()
    checkout_delivery_method_update = CheckoutDeliveryMethodUpdate.Field()
    checkout_add_promo_code = CheckoutAddPromoCode.Field()
    checkout_remove_promo_code = CheckoutRemovePromoCode.Field()
    checkout_complete = CheckoutComplete.Field()
