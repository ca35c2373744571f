"""Point estimates with 95 % intervals: the one interval type of the suite (no torch).

Used by the estimator (percentile-bootstrap intervals of layer scores), the task metrics
(bootstrap over clips, sequences or videos; Wilson intervals of accuracies) and the
leaderboard (rows whose intervals overlap tie).

Bootstrap replicates re-weight independent units with Poisson(1) weights that are a pure
function of ``(seed, unit id, replicate)`` (counter-based, :func:`poisson_weights`), so an
interval does not depend on batching, on the order units were processed in or on how they
were sharded over processes (docs/METHOD.md §5).  A task metric that is a function of
per-unit statistics (J&F: a mean over sequences; AP: detections pooled over videos) gets
its interval by weighting its units (a unit of weight k counts k times), so no model output
is recomputed; units are named by a key (an int, or a string hashed with BLAKE2b).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

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


# --------------------------------------------------------------------------- bootstrap weights

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
# Poisson(1) cumulative distribution, P(K <= k) for k = 0..24 (the tail beyond is < 1e-25).
_POISSON1_CDF = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(25)])


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def poisson_weights(seed: int, pair_ids: np.ndarray, replicates: int) -> np.ndarray:
    """Poisson(1) bootstrap weights, shape (replicates, len(pair_ids)), float64.

    A counter-based generator: the weight of a pair in a replicate depends only on
    ``(seed, pair_id, replicate)``, never on batching, order or process rank.
    """
    ids = np.asarray(pair_ids, dtype=np.uint64).reshape(1, -1)
    reps = np.arange(replicates, dtype=np.uint64).reshape(-1, 1)
    with np.errstate(over="ignore"):
        key = _splitmix64(np.array([seed], dtype=np.uint64) & _MASK64)
        x = _splitmix64(key ^ (ids * np.uint64(0xD1342543DE82EF95)))
        x = _splitmix64(x + reps * np.uint64(0x9E3779B97F4A7C15))
    uniform = (x >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
    return np.searchsorted(_POISSON1_CDF, uniform, side="right").astype(np.float64)


REPLICATES = 200


def unit_ids(keys: Sequence[str | int]) -> np.ndarray:
    """uint64 ids of units named by ``keys``: an int is its own id, a string its 64-bit
    BLAKE2b digest (stable across processes, unlike ``hash``)."""
    out = np.empty(len(keys), dtype=np.uint64)
    for k, key in enumerate(keys):
        if isinstance(key, (int, np.integer)):
            out[k] = np.uint64(int(key) & 0xFFFFFFFFFFFFFFFF)
        else:
            out[k] = np.uint64(int.from_bytes(hashlib.blake2b(str(key).encode(), digest_size=8).digest(), "little"))
    return out


def unit_weights(seed: int, keys: Sequence[str | int], replicates: int = REPLICATES) -> np.ndarray:
    """Poisson(1) weights, shape (replicates, len(keys)), of the units named by ``keys``."""
    if replicates <= 0 or not keys:
        return np.zeros((max(replicates, 0), len(keys)))
    return poisson_weights(seed, unit_ids(keys), replicates)


def weighted_means(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per replicate ``sum_u w[r,u] x[u] / sum_u w[r,u]`` (NaN where every weight is 0)."""
    values = np.asarray(values, dtype=np.float64)
    total = weights.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weights @ values / np.where(total > 0, total, 1.0), np.nan)


def weighted_ratios(numerators: np.ndarray, denominators: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per replicate ``sum_u w a_u / sum_u w b_u`` (a pooled proportion; NaN where 0/0)."""
    num = weights @ np.asarray(numerators, dtype=np.float64)
    den = weights @ np.asarray(denominators, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
