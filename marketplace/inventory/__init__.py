"""Warehouses (one per shop to begin with) and stock per variant per warehouse.

Reservations and allocations for checkout arrive with the buy-and-pay work; the CHECK
constraints here already make negative or over-allocated stock impossible.
"""
