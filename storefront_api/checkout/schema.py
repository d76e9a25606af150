"""Checkout and order queries and mutations (checkoutCreate … checkoutComplete, order)."""

import graphene


class CheckoutQueries(graphene.ObjectType):
    pass


class CheckoutMutations(graphene.ObjectType):
    pass
