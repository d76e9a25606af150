"""Household and village income statements, and the poverty-monitoring watch."""
