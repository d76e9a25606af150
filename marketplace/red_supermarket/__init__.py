"""The Red Supermarket (红色超市): the Party-run village store and service station.

This package holds the supermarket itself and who may work at it; counter sales, till
shifts and receipts build on it here, agency services in `marketplace.agency`, parcels at
the station in `logistics.parcels`.
"""
