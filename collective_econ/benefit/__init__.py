"""Households benefiting and their income: the one definition every figure uses."""
