"""Throughput of ``StaticDynamicEstimator.update`` at a realistic layer width.

Runs once in the default test run (``--benchmark-disable``); to measure:

    pytest tests/test_estimator_benchmark.py --benchmark-enable

A batch is 64 pairs of 2048-unit pooled features (float32, as a model gives them), both
factors mixed; pairs/s = 64 / (mean or median seconds per update), also stored in
``extra_info``. On a shared machine the median is the steadier number.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from benchmark.measure.estimator import StaticDynamicEstimator

UNITS, BATCH = 2048, 64


@pytest.mark.benchmark(group="estimator-update")
@pytest.mark.parametrize("bootstrap", [200, 0])
def test_update_throughput(benchmark, bootstrap):
    generator = torch.Generator().manual_seed(0)
    features_a = {"res5": torch.randn(BATCH, UNITS, generator=generator)}
    features_b = {"res5": torch.randn(BATCH, UNITS, generator=generator)}
    factors = np.random.default_rng(0).integers(0, 2, BATCH)
    estimator = StaticDynamicEstimator(bootstrap=bootstrap)
    batches = itertools.count()

    def update():  # fresh pair ids every call, as in a real run
        start = next(batches) * BATCH
        estimator.update(features_a, features_b, factors, np.arange(start, start + BATCH))

    benchmark.pedantic(update, rounds=50, warmup_rounds=3)  # runs once when disabled
    if benchmark.enabled:
        stats = benchmark.stats.stats
        benchmark.extra_info["pairs_per_s"] = round(BATCH / stats.mean)
        benchmark.extra_info["pairs_per_s_median"] = round(BATCH / stats.median)
        print(
            f"\nbootstrap={bootstrap}: {BATCH / stats.mean:,.0f} pairs/s from the mean, "
            f"{BATCH / stats.median:,.0f} from the median ({stats.median * 1e3:.2f} ms per "
            f"batch of {BATCH}, {torch.get_num_threads()} torch threads)"
        )
    assert estimator.pairs("res5")["dynamic"] + estimator.pairs("res5")["static"] > 0
