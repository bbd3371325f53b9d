"""Splitting an amount of pence in proportion to weights so the parts add up exactly."""
from __future__ import annotations

from collections.abc import Sequence


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Largest-remainder apportionment: parts proportional to `weights`, summing to `total`.

    Ties in the remainder go to the earlier weight, so the result is deterministic.
    """
    whole = sum(weights)
    if whole == 0:
        return [0 for _ in weights]
    sign = -1 if total < 0 else 1
    quotas = [abs(total) * w for w in weights]
    parts = [q // whole for q in quotas]
    left = abs(total) - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] % whole), i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]
