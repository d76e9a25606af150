"""Orders: the buyer-facing order with its sequential number and events, the shop orders
inside it (each fulfilled, refunded and later settled on its own), and order lines that
snapshot names, SKU, unit price and beneficiary at the time of sale.
"""
