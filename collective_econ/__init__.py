"""The village collective economy.

Built so far (issue 8 §1, §2): a double-entry ledger (`models.ledger`, `ledger/`) whose
balance PostgreSQL enforces at commit and whose rows it never lets change (migration
0002), and settlement (`settlement/`, `tasks.settle_due` on beat) of every sold line to
the buyer's payment account, platform fees, logistics, the household and the collective,
with clawbacks after refunds.

In: order lines, shop orders, charged payments and refunds, read by query (orders and
payments call nothing here). Out: postings, balances, period-close snapshots. It must
never import the API layer. Still to come: statements, shares, distributions, payouts.
"""
