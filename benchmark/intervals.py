"""Point estimates with 95 % intervals: the one interval type of the suite (no torch).

Used by the estimator (percentile-bootstrap intervals of layer scores), the task metrics
(bootstrap over clips, sequences or videos; Wilson intervals of accuracies) and the
leaderboard (rows whose intervals overlap tie).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

Z95 = 1.959963984540054  # two-sided 95 % normal quantile
#: Fewest pairs per factor (or evaluation units) a bootstrap interval is computed from.
#: Below it a Poisson-bootstrap replicate often holds fewer than the 2 pairs of a factor a
#: score needs (P(Poisson(n) < 2) is 0.41 for n = 2, 5e-4 for n = 10): such a "95 %
#: interval" comes from a biased subset of replicates and means nothing.  The estimator then
#: reports the point value alone, and ``validate`` refuses an interval from fewer pairs.
MIN_PAIRS_FOR_INTERVAL = 10


@dataclass(frozen=True)
class Estimate:
    """A value with an optional 95 % interval ``[low, high]``; ``approximate`` marks a value
    derived from published figures (shown with ≈, never with an interval)."""

    value: float
    low: float | None = None
    high: float | None = None
    approximate: bool = False

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def interval(self) -> tuple[float, float]:
        """``(low, high)``, or the point ``(value, value)`` without an interval."""
        if self.low is None or self.high is None:
            return (self.value, self.value)
        return (self.low, self.high)

    def overlaps(self, other: Estimate) -> bool:
        """True when the closed intervals share a point."""
        (a_low, a_high), (b_low, b_high) = self.interval, other.interval
        return a_low <= b_high and b_low <= a_high

    def as_dict(self) -> dict[str, float]:
        """``{"value", "low", "high"}`` with absent bounds left out (the result-file form)."""
        out = {"value": self.value}
        if self.has_interval:
            out |= {"low": self.low, "high": self.high}
        return out


def percentile_estimate(value: float, replicates: Iterable[float] | object) -> Estimate:
    """``value`` with the 2.5-97.5 percentile interval of its finite bootstrap replicates
    (no interval when there is none), widened where needed to contain ``value``.

    A percentile interval of a skewed or discrete statistic (a floored percent) can miss
    its own point estimate; the interval reported always contains it, so "the point lies in
    its interval" is a check ``validate`` can make on every result."""
    import numpy as np

    reps = np.asarray(replicates, dtype=np.float64).ravel()
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return Estimate(float(value))
    low, high = np.percentile(reps, [2.5, 97.5])
    value = float(value)
    return Estimate(value, min(float(low), value), max(float(high), value))


def wilson_estimate(proportion: float, n: int, z: float = Z95) -> Estimate:
    """A proportion observed on ``n`` trials (e.g. accuracy) with its 95 % Wilson interval."""
    if n <= 0:
        raise ValueError("the Wilson interval needs at least one trial")
    p = min(max(proportion, 0.0), 1.0)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(proportion, max(0.0, centre - half), min(1.0, centre + half))
