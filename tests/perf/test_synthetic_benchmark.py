"""Rendering throughput of the synthetic worlds (64x64x16 clips, one process).

Measure with: ``pytest tests/perf/test_synthetic_benchmark.py --benchmark-enable``.
"""

from __future__ import annotations

import numpy as np
import pytest

from tasks.synthetic import get_world

CLIPS_PER_ROUND = 50


@pytest.mark.benchmark(group="synthetic-render")
@pytest.mark.parametrize(
    "name", ["synthetic-motion", "synthetic-appearance", "synthetic-avos", "synthetic-vis"]
)
def test_render_throughput(benchmark, name):
    world = get_world(name, train=CLIPS_PER_ROUND, val=0, test=0, frames=16, size=64)
    specs = [world.spec("train", i) for i in range(CLIPS_PER_ROUND)]

    def render_all() -> int:
        return sum(int(world.render(s)[0, 0, 0, 0]) for s in specs)

    benchmark.extra_info["clips_per_round"] = CLIPS_PER_ROUND
    benchmark(render_all)
    clip = world.render(specs[0])
    assert clip.shape == (16, 64, 64, 3) and clip.dtype == np.uint8
    stats = getattr(benchmark, "stats", None)
    if stats is not None and getattr(stats, "stats", None) is not None:
        rate = CLIPS_PER_ROUND / stats.stats.min
        benchmark.extra_info["clips_per_second"] = round(rate, 1)
        print(f"\n{name}: {rate:.0f} clips/s (best round)")
