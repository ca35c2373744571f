"""Intervals and interval-aware ranks for the leaderboard (pure functions, no I/O, no torch).

Rule (docs/METHOD.md §5: rankings treat overlapping intervals as ties): rows are sorted
best-first by their point value, and each row's rank is the *range* of ranks it can take
given the 95 % intervals (:func:`rank_ranges`): its best rank is 1 + the number of rows
whose interval lies entirely above its own, its worst rank the number of rows whose
interval does not lie entirely below its own (itself included).  Intervals are closed, so
touching intervals overlap.  A row without an interval has the point interval
``[value, value]``, so it shares a range only with an exactly equal value or an interval
holding it.  A value that is not a finite number has no rank (it is shown as missing);
bounds that are not finite, or do not contain the value, are ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchmark.api.intervals import Estimate, wilson_estimate
from benchmark.api.tasks import get_spec
from benchmark.results.schema import LayerResult, Result

Interval = tuple[float, float]


@dataclass(frozen=True)
class RankRange:
    """The ranks a row can take: ``best`` .. ``worst`` (equal when its place is certain)."""

    best: int
    worst: int

    def __str__(self) -> str:
        return str(self.best) if self.best == self.worst else f"{self.best}–{self.worst}"


def rank_ranges(intervals: list[Interval]) -> list[RankRange]:
    """The range of ranks of each row (higher is better), from the closed 95 % intervals:
    best = 1 + #rows entirely above (their low > its high), worst = #rows not entirely
    below (their high >= its low, itself included).

    >>> [str(r) for r in rank_ranges([(0.8, 0.9), (0.85, 0.95), (0.5, 0.6)])]
    ['1–2', '1–2', '3']
    """
    ranges = []
    for low, high in intervals:
        above = sum(1 for other_low, _ in intervals if other_low > high)
        not_below = sum(1 for _, other_high in intervals if other_high >= low)
        ranges.append(RankRange(1 + above, not_below))
    return ranges


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
