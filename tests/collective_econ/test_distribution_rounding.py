"""Largest-remainder rounding over many random share tables: members' parts always add up
to the members' amount exactly, and each is within one fen of its exact share."""

from __future__ import annotations

import random
from decimal import Decimal

from collective_econ.distribution.services import members_split

FEN = Decimal("0.01")


def test_random_share_tables_sum_exactly_and_stay_within_a_fen() -> None:
    rng = random.Random(20261203)
    for _ in range(2000):
        members = rng.randint(1, 60)
        weights = [
            Decimal(rng.randint(1, 10_000)) / Decimal(rng.choice([1, 10, 100, 10_000]))
            for _ in range(members)
        ]
        amount = Decimal(rng.randint(0, 50_000_000)) * FEN
        parts = members_split(amount=amount, weights=weights)
        assert sum(parts) == amount
        total_weight = sum(weights)
        for weight, part in zip(weights, parts, strict=True):
            exact = amount * weight / total_weight
            assert abs(part - exact) < FEN
            assert part == part.quantize(FEN) and part >= 0
