"""Small statistics helpers for repeated measurements (stdlib only)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TypedDict

__all__ = ["Summary", "ratio", "summarise"]


class Summary(TypedDict):
    """Median and spread of one figure measured ``n`` times."""

    median: float
    min: float
    max: float
    q1: float
    q3: float
    n: int


def summarise(values: Sequence[float]) -> Summary:
    """Median, min-max and interquartile range of ``values``.

    Raises:
        ValueError: if ``values`` is empty (nothing was measured).
    """
    if not values:
        raise ValueError("summarise() needs at least one measured value")
    ordered = sorted(values)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return Summary(
        median=statistics.median(ordered),
        min=ordered[0],
        max=ordered[-1],
        q1=q1,
        q3=q3,
        n=len(ordered),
    )


def ratio(value: float | None, floor: float | None) -> float | None:
    """``value / floor``, or None when either is missing or the floor is not positive."""
    if value is None or floor is None or floor <= 0:
        return None
    return value / floor
