"""Logistics (arrives with the logistics work): shipping zones by administrative division,
first-weight and extra-weight rates, delivery options, village pickup stations, shipments,
tracking and the consolidation of village produce. It will read shops and warehouses from
`marketplace` and must never import the API layer.
"""
