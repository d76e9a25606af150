"""Agency services (代办) at the Red Supermarket: the catalogue of service items, orders
paid at the counter and carried out through provider adapters, small cash withdrawals
(助农取款), tickets, and the daily reconciliation against providers' statements and
Alipay's bill.

In: a supermarket, an operator and the villager's input. Out: provider calls, ledger
postings (`collective_econ` services only), receipts (`red_supermarket.receipts`).
Never imports the API, the admin or the counter pages.
"""
