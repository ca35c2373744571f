"""Do the 95 % Poisson-bootstrap intervals cover the population value about 95 % of the time?

A generative model of pairs with a known answer: every clip is

    x = mu + L_s z_s + L_d z_d + noise,

with an appearance latent z_s and a dynamics latent z_d (unit-variance Laplace draws, so
not Gaussian). A static pair shares z_s and draws z_d afresh; a dynamic pair shares z_d.
Both factors have the same marginal covariance Sigma = L_s L_s' + L_d L_d' + s^2 I, so the
population scores are s_stat = tr(L_s L_s') / tr(Sigma), s_dyn = tr(L_d L_d') / tr(Sigma),
and the shares and dynamic share follow from them through the softmax with s_R = 1.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmark.measure.estimator import StaticDynamicEstimator

UNITS, NOISE = 16, 1.0
N_PAIRS, REPETITIONS, BOOTSTRAP = 300, 200, 200


class PairWorld:
    def __init__(self, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.mu = rng.normal(2.0, 1.0, UNITS)
        self.load_static = rng.normal(size=(UNITS, 3)) * 0.45
        self.load_dynamic = rng.normal(size=(UNITS, 2)) * 0.45

    def population(self) -> dict[str, float]:
        shared_static = (self.load_static**2).sum()
        shared_dynamic = (self.load_dynamic**2).sum()
        total = shared_static + shared_dynamic + NOISE**2 * UNITS
        s_dyn, s_stat = shared_dynamic / total, shared_static / total
        weights = np.exp(np.array([s_dyn, s_stat, 1.0]))
        p = weights / weights.sum()
        return {
            "s_dyn": s_dyn,
            "s_stat": s_stat,
            "p_dyn": p[0],
            "p_stat": p[1],
            "dynamic_share": p[0] / (p[0] + p[1]),
        }

    def sample(self, n: int, rng: np.random.Generator):
        factors = rng.integers(0, 2, n)  # each pair's factor drawn uniformly (METHOD.md §1)

        def latent(k):
            return rng.laplace(scale=1 / np.sqrt(2), size=(n, k))  # variance 1

        z_static, z_dynamic = latent(3), latent(2)
        static_pair = (factors == 1)[:, None]
        z_static_b = np.where(static_pair, z_static, latent(3))
        z_dynamic_b = np.where(static_pair, latent(2), z_dynamic)

        def clip(zs, zd):
            noise = rng.normal(scale=NOISE, size=(n, UNITS))
            return self.mu + zs @ self.load_static.T + zd @ self.load_dynamic.T + noise

        return clip(z_static, z_dynamic), clip(z_static_b, z_dynamic_b), factors


def estimate(a, b, factors, bootstrap, seed=0, batch=10_000):
    estimator = StaticDynamicEstimator(bootstrap=bootstrap, seed=seed)
    for start in range(0, len(factors), batch):
        rows = slice(start, start + batch)
        estimator.update(
            {"x": torch.from_numpy(a[rows])},
            {"x": torch.from_numpy(b[rows])},
            factors[rows],
            np.arange(len(factors))[rows],
        )
    s = estimator.layer_scores("x")
    return {
        "s_dyn": s.score["dynamic"],
        "s_stat": s.score["static"],
        "p_dyn": s.share["dynamic"],
        "p_stat": s.share["static"],
        "dynamic_share": s.dynamic_share,
    }


def test_population_value_matches_a_very_large_sample():
    world = PairWorld()
    truth = world.population()
    big = estimate(*world.sample(200_000, np.random.default_rng(0)), bootstrap=0)
    for name, value in truth.items():
        print(f"{name}: population {value:.4f}, 200k pairs {big[name].value:.4f}")
        assert big[name].value == pytest.approx(value, abs=0.004)


def test_95_percent_intervals_cover_the_population_value():
    world = PairWorld()
    truth = world.population()
    rng = np.random.default_rng(2024)
    hits = {name: 0 for name in truth}
    widths = {name: [] for name in truth}
    for repetition in range(REPETITIONS):
        result = estimate(*world.sample(N_PAIRS, rng), bootstrap=BOOTSTRAP, seed=repetition)
        for name, interval in result.items():
            hits[name] += interval.low <= truth[name] <= interval.high
            widths[name].append(interval.high - interval.low)
    coverage = {name: hits[name] / REPETITIONS for name in truth}
    for name in truth:
        print(
            f"{name}: coverage {coverage[name]:.3f} over {REPETITIONS} runs of {N_PAIRS} pairs "
            f"(population {truth[name]:.4f}, mean interval width {np.mean(widths[name]):.4f})"
        )
    for name, value in coverage.items():
        assert 0.88 <= value <= 0.99, f"{name}: coverage {value:.3f}"
