"""How well one protocol's dynamic shares agree with the true shares across models."""

from __future__ import annotations

import numpy as np
from scipy import stats


def agreement(truth: np.ndarray, other: np.ndarray, replicates: int = 2000, seed: int = 0) -> dict:
    """Kendall tau-b, Spearman rho and mean |other - truth| across models, each with a 95 %
    percentile bootstrap interval over models (resampled with replacement; resamples where
    either variable is constant are dropped and counted)."""
    truth, other = np.asarray(truth, float), np.asarray(other, float)
    if truth.shape != other.shape or truth.ndim != 1 or len(truth) < 3:
        raise ValueError("need the same three or more models under both protocols")
    rng = np.random.default_rng(seed)
    taus, rhos, mads, dropped = [], [], [], 0
    for _ in range(replicates):
        idx = rng.integers(0, len(truth), len(truth))
        x, y = truth[idx], other[idx]
        mads.append(float(np.abs(y - x).mean()))
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            dropped += 1
            continue
        taus.append(stats.kendalltau(x, y).statistic)
        rhos.append(stats.spearmanr(x, y).statistic)

    def estimate(value: float, draws: list[float]) -> dict[str, float]:
        low, high = np.percentile(draws, [2.5, 97.5]) if draws else (float("nan"), float("nan"))
        return {"value": float(value), "low": float(low), "high": float(high)}

    return {
        "models": len(truth),
        "kendall_tau": estimate(stats.kendalltau(truth, other).statistic, taus),
        "spearman_rho": estimate(stats.spearmanr(truth, other).statistic, rhos),
        "mean_abs_diff": estimate(np.abs(other - truth).mean(), mads),
        "replicates": replicates,
        "dropped_replicates": dropped,
    }
