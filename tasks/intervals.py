"""Percentile-bootstrap intervals of task metrics over independent units (sequences, videos).

A task metric that is a function of per-unit statistics (J&F: a mean over sequences; AP:
detections pooled over videos) gets its interval by re-weighting the units: replicate ``r``
gives unit ``u`` the Poisson(1) weight ``w[r, u]`` (a unit with weight k counts k times), so
no model output is recomputed.  Weights come from :func:`benchmark.estimator.poisson_weights`,
a pure function of ``(seed, unit id, replicate)``, so an interval does not depend on the
order units were scored in or on how they were sharded over processes.  The interval is the
2.5th and 97.5th percentile of the finite replicates, as the static/dynamic estimator
reports its own (docs/METHOD.md §5).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np

from benchmark.estimator import Interval, poisson_weights

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


def percentile_interval(value: float, replicates: np.ndarray) -> Interval:
    """``value`` with the 2.5th-97.5th percentile of the finite ``replicates`` (NaN bounds
    when there are none)."""
    reps = np.asarray(replicates, dtype=np.float64).ravel()
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return Interval(float(value), math.nan, math.nan)
    low, high = np.percentile(reps, [2.5, 97.5])
    return Interval(float(value), float(low), float(high))
