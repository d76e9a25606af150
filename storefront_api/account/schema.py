"""Account queries and mutations (tokenCreate, accountRegister, me, addresses, …)."""

import graphene


class AccountQueries(graphene.ObjectType):
    pass


class AccountMutations(graphene.ObjectType):
    pass
