"""Intervals and interval-aware ranks for the leaderboard (pure functions, no I/O, no torch).

Rule (docs/METHOD.md §5: "rankings treat overlapping intervals as ties"): rows are sorted
best-first by their point value; two rows whose 95 % intervals overlap are tied, ties are
made transitive (a chain of overlapping intervals is one tie group), and every row of a
group gets the competition rank of the group's best row (1, 1, 3, ...).  A row without an
interval has the point interval ``[value, value]``, so it ties only on an exactly equal value.  A value that is
not a finite number has no rank (it is shown as missing); bounds that are not finite, or
do not contain the value, are ignored - neither can tie a section.
"""

from __future__ import annotations

import math

from benchmark.intervals import Estimate, wilson_estimate
from benchmark.results import LayerResult, Result
from benchmark.tasks import get_spec

Interval = tuple[float, float]


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


def sane(estimate: Estimate | None) -> Estimate | None:
    """``estimate`` if its value is finite (its interval kept only when finite and holding
    the value); None otherwise."""
    if estimate is None or not math.isfinite(estimate.value):
        return None
    low, high = estimate.low, estimate.high
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high) and low <= estimate.value <= high):
        return Estimate(estimate.value, approximate=estimate.approximate)
    return estimate


def dynamic_share(layer: LayerResult) -> Estimate | None:
    """``p_dyn / (p_dyn + p_stat)`` with its interval; for a layer with only ``percent``
    (a reported row) approximated as ``dynamic % / (dynamic % + static %)``."""
    if layer.dynamic_share is not None:
        share = layer.dynamic_share
        return sane(Estimate(share.value, share.low, share.high))
    dynamic, static = layer.percent.get("dynamic"), layer.percent.get("static")
    if dynamic is None or static is None or not dynamic + static > 0:
        return None
    return sane(Estimate(dynamic / (dynamic + static), approximate=True))


def metric_estimate(result: Result, metric: str) -> Estimate | None:
    """A task metric with its 95 % interval: the one the run recorded, else a Wilson
    interval for a metric the task declares a proportion of its ``eval_count`` units."""
    value = result.metrics.get(metric)
    if value is None or not math.isfinite(value):
        return None
    recorded = result.metric_intervals.get(metric)
    if recorded is not None and recorded.low is not None and recorded.high is not None:
        return sane(Estimate(value, recorded.low, recorded.high))
    declared = get_spec(result.task).metric(metric)
    if declared is not None and declared.proportion and result.eval_count:
        return sane(wilson_estimate(value, result.eval_count))
    return Estimate(value)
