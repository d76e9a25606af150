"""Shipments (Saleor's Fulfillment with its trackingNumber), their status machine, tracking
events from the carrier, and hand-over at the village station.

In: shop orders from `marketplace.orders`, pushes and answers from a carrier adapter
(`logistics.carriers`). Out: statuses and ordered events, buyer notifications via Celery.
Never imports the API layer.
"""
