"""Time of the bootstrap intervals of the task metrics (200 replicates).

Runs once, on a small case, in the default test run (``--benchmark-disable``); to measure
the full size (200 videos of 10 detections each, 200 AVOS sequences of 50 frames):

    pytest tests/perf/test_metric_intervals_benchmark.py --benchmark-enable
"""

from __future__ import annotations

import numpy as np
import pytest

from tasks.avos.metrics import SegmentationMeter
from tasks.vis import rle
from tasks.vis.metrics import evaluate

SIZE, FRAMES, DETECTIONS = 32, 4, 10


def _vis_case(videos: int) -> tuple[dict, list[dict]]:
    """Videos of 1-3 8x8 objects of 3 categories and 10 detections near them or anywhere."""
    rng = np.random.default_rng(0)

    def block(y: int, x: int) -> dict:
        mask = np.zeros((SIZE, SIZE), bool)
        mask[y:y + 8, x:x + 8] = True
        return rle.encode(mask)

    entries, annotations, results = [], [], []
    for v in range(1, videos + 1):
        entries.append({"id": v, "name": f"clip{v}", "height": SIZE, "width": SIZE,
                        "file_names": [str(t) for t in range(FRAMES)]})
        corners = [tuple(int(c) for c in rng.integers(0, SIZE - 8, 2)) for _ in range(int(rng.integers(1, 4)))]
        for corner in corners:
            annotations.append({"id": len(annotations) + 1, "video_id": v, "category_id": int(rng.integers(1, 4)),
                                "segmentations": [block(*corner)] * FRAMES})
        for d in range(DETECTIONS):
            y, x = corners[d % len(corners)] if rng.random() < 0.5 else rng.integers(0, SIZE - 8, 2)
            y, x = (int(np.clip(c + rng.integers(-2, 3), 0, SIZE - 8)) for c in (y, x))
            results.append({"video_id": v, "category_id": int(rng.integers(1, 4)), "score": float(rng.random()),
                            "segmentations": [block(y, x)] * FRAMES})
    return {"videos": entries, "annotations": annotations, "categories": [{"id": c} for c in (1, 2, 3)]}, results


@pytest.mark.benchmark(group="metric-intervals")
def test_vis_ap_intervals_time(benchmark):
    evaluation = evaluate(*_vis_case(200 if benchmark.enabled else 12))
    replicates = 200 if benchmark.enabled else 20
    intervals = benchmark.pedantic(evaluation.intervals, kwargs={"replicates": replicates}, rounds=3 if benchmark.enabled else 1)
    if benchmark.enabled:
        print(f"\nVIS AP intervals, 200 videos x 200 replicates: {benchmark.stats.stats.median:.2f} s (median)")
    assert intervals["AP"].low <= intervals["AP"].value <= intervals["AP"].high


@pytest.mark.benchmark(group="metric-intervals")
def test_jf_intervals_time(benchmark):
    rng = np.random.default_rng(0)
    meter = SegmentationMeter("davis2016")
    for s in range(200 if benchmark.enabled else 12):
        for t, (j, f) in enumerate(rng.random((50, 2))):
            meter.record(f"seq{s}", j, f, frame=t)
    intervals = benchmark.pedantic(meter.intervals, kwargs={"replicates": 200}, rounds=3 if benchmark.enabled else 1)
    if benchmark.enabled:
        print(f"\nJ&F intervals, 200 sequences x 200 replicates: {benchmark.stats.stats.median:.3f} s (median)")
    assert intervals["jf_mean"].low <= intervals["jf_mean"].value <= intervals["jf_mean"].high
