"""The village collective economy (arrives with the collective-economy work): a
double-entry ledger guarded by a deferred balance trigger, settlement of every order line
to household, collective, platform and logistics, household statements, shares,
distributions (reserve fund → welfare fund → investors → members) and payouts.

It reads each variant's beneficiary (`catalog.ProductVariant.beneficiary_*`), fixed since
the catalog was first built, and must never import the API layer.
"""
