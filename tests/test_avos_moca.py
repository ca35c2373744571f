"""MoCA metrics (mean IoU over sequences, success rates pooled over frames) on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.avos.moca import MocaMeter, box_iou, box_similarity, largest_region_box, tight_box


def _meter(scores: dict[str, list[float]]) -> MocaMeter:
    meter = MocaMeter()
    for name, values in scores.items():
        for value in values:
            meter.record(name, value)
    return meter


def test_miou_averages_sequences_and_success_rates_pool_frames():
    summary = _meter({"a": [0.5, 0.95, 0.65], "b": [0.0]}).compute()
    # mIoU: mean of the sequence means (0.7 and 0.0), not of the four frames (0.525).
    assert summary["miou"] == pytest.approx(0.35)
    # SR over the 4 frames pooled, IoU strictly above t: 0.95 and 0.65 pass 0.5 and 0.6 (0.5
    # itself does not), only 0.95 passes 0.7, 0.8 and 0.9.  Averaging per sequence instead
    # would give SR50 = (2/3 + 0) / 2.
    assert [summary[k] for k in ("sr50", "sr60", "sr70", "sr80", "sr90")] == [0.5, 0.5, 0.25, 0.25, 0.25]
    assert summary["sr_mean"] == pytest.approx((0.5 + 0.5 + 0.25 + 0.25 + 0.25) / 5)
    assert MocaMeter().compute() == {}


def test_mask_iou_is_j():
    truth, prediction = np.zeros((10, 10), bool), np.zeros((10, 10), bool)
    truth[2:6, 2:6] = True  # 16 pixels
    prediction[2:6, 4:8] = True  # 16 pixels, 8 shared
    meter = MocaMeter("mask")
    assert meter.update("a", prediction, truth) == pytest.approx(8 / 24)


def test_box_iou_uses_the_largest_predicted_region_against_the_truths_box():
    truth = np.zeros((20, 20), bool)
    truth[2:6, 2:10] = True  # box x 2..10, y 2..6: 8 x 4 = 32
    prediction = np.zeros((20, 20), bool)
    prediction[2, 2:10] = True  # an L: its bounding box is the truth's box
    prediction[3:6, 2] = True
    prediction[15, 15] = True  # a stray pixel: a smaller region, ignored for the box
    assert tight_box(truth) == (2.0, 2.0, 10.0, 6.0)
    assert largest_region_box(prediction) == (2.0, 2.0, 10.0, 6.0)
    assert box_similarity(prediction, truth) == 1.0
    # The mask IoU of the same frame: 11 shared pixels over 32 + 1 = 1/3.
    assert MocaMeter("mask").update("a", prediction, truth) == pytest.approx(1 / 3)
    # Half-overlapping boxes of 32: 16 / (32 + 32 - 16).
    assert box_iou((2, 2, 10, 6), (6, 2, 14, 6)) == pytest.approx(1 / 3)


def test_box_mode_scores_an_empty_prediction_zero_and_skips_frames_without_truth():
    empty, truth = np.zeros((8, 8), bool), np.zeros((8, 8), bool)
    truth[1:3, 1:3] = True
    meter = MocaMeter("box")
    assert meter.update("a", empty, truth) == 0.0
    assert meter.update("a", truth, empty) is None  # no ground-truth box: not scored
    assert meter.compute()["miou"] == 0.0 and len(meter.scores["a"]) == 1


def test_intervals_and_merge():
    scores = {f"s{k}": [k / 10, (k + 3) / 12] for k in range(8)}
    whole = _meter(scores)
    single = _meter({"a": [0.2, 0.9]}).intervals()
    assert single["miou"].low == single["miou"].high == pytest.approx(0.55)  # one sequence: no spread
    interval = whole.intervals(seed=1)["miou"]
    assert interval.low < interval.value < interval.high
    merged = _meter(dict(list(scores.items())[:3])).merge(_meter(dict(list(scores.items())[3:])))
    assert merged.compute() == whole.compute()
    with pytest.raises(ValueError, match="IoU kinds"):
        merged.merge(MocaMeter("box"))
