"""Checkouts: carts that span several village shops, stock and tourism-capacity
reservations with an expiry, per-shop delivery choices and vouchers, and completion into
one buyer order holding one shop order per shop.

In: catalog, inventory, accounts. Out: `complete_checkout.checkout_complete`, the single place
an order is created. Must never import the API layer.
"""
