"""Payment mutations (paymentGatewayInitialize, transactionInitialize) and refunds."""

import graphene


class PaymentQueries(graphene.ObjectType):
    pass


class PaymentMutations(graphene.ObjectType):
    pass
