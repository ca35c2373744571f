"""Intervals and interval-aware ranks for the leaderboard (pure functions, no I/O).

Rule (METHOD.md §5: "rankings treat overlapping intervals as ties"): rows are sorted
best-first by their point value; two rows whose 95 % intervals overlap are tied, ties are
made transitive (a chain of overlapping intervals is one tie group), and every row of a
group gets the competition rank of the group's best row (1, 1, 3, ...).  A row without an
interval has the point interval ``[value, value]``, so it ties only on an exactly equal value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchmark.results import LayerResult, Result

Interval = tuple[float, float]

Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def wilson_interval(proportion: float, n: int, z: float = Z95) -> Interval:
    """95 % Wilson score interval of a proportion observed on ``n`` trials (e.g. accuracy)."""
    if n <= 0:
        raise ValueError("the Wilson interval needs at least one trial")
    p = min(max(proportion, 0.0), 1.0)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def overlaps(a: Interval, b: Interval) -> bool:
    """True when the closed intervals ``a`` and ``b`` share a point."""
    return a[0] <= b[1] and b[0] <= a[1]


def interval_ranks(intervals: list[Interval]) -> list[int]:
    """Ranks of rows already sorted best-first; overlapping intervals (transitively) tie.

    >>> interval_ranks([(0.8, 0.9), (0.85, 0.95), (0.5, 0.6)])
    [1, 1, 3]
    """
    group = list(range(len(intervals)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, a in enumerate(intervals):
        for j in range(i):
            if overlaps(a, intervals[j]):
                group[max(root(i), root(j))] = min(root(i), root(j))
    return [root(i) + 1 for i in range(len(intervals))]


# Metrics that are proportions of clips (binomial), so ``eval_clips`` gives a Wilson interval.
PROPORTION_METRICS = ("top1", "top5")


@dataclass(frozen=True)
class Estimate:
    """A value with an optional 95 % interval; ``approximate`` marks a derived value."""

    value: float
    low: float | None = None
    high: float | None = None
    approximate: bool = False

    @property
    def interval(self) -> Interval:
        """``[low, high]``, or the point ``[value, value]`` without an interval."""
        if self.low is None or self.high is None:
            return (self.value, self.value)
        return (self.low, self.high)


def dynamic_share(layer: LayerResult) -> Estimate | None:
    """``p_dyn / (p_dyn + p_stat)`` with its interval; for a layer with only ``percent``
    (a reported row) approximated as ``dynamic % / (dynamic % + static %)``."""
    if layer.dynamic_share is not None:
        share = layer.dynamic_share
        return Estimate(share.value, share.low, share.high)
    dynamic, static = layer.percent.get("dynamic"), layer.percent.get("static")
    if dynamic is None or static is None or dynamic + static <= 0:
        return None
    return Estimate(dynamic / (dynamic + static), approximate=True)


def metric_estimate(result: Result, metric: str) -> Estimate | None:
    """A task metric, with a Wilson interval for an accuracy when ``eval_clips`` is known."""
    value = result.metrics.get(metric)
    if value is None:
        return None
    if metric in PROPORTION_METRICS and result.eval_clips:
        low, high = wilson_interval(value, result.eval_clips)
        return Estimate(value, low, high)
    return Estimate(value)
