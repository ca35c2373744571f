"""J (region similarity) and F (boundary accuracy) on hand-made masks with known values."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.avos.metrics import (
    SegmentationMeter,
    boundary_accuracy,
    boundary_map,
    boundary_measure,
    boundary_tolerance,
    region_similarity,
)


def square(shape=(100, 100), top=20, left=20, side=40) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[top:top + side, left:left + side] = True
    return mask


def test_identical_masks_score_one():
    gt = square()
    assert region_similarity(gt, gt) == 1.0
    assert boundary_accuracy(gt, gt) == 1.0


def test_disjoint_masks_score_zero():
    gt, pred = square(left=5, side=20), square(left=70, side=20)
    assert region_similarity(pred, gt) == 0.0
    assert boundary_accuracy(pred, gt) == pytest.approx(0.0, abs=1e-9)


def test_tolerance_is_0_8_percent_of_the_diagonal():
    assert boundary_tolerance((100, 100)) == 2  # ceil(0.008 * 141.4) = ceil(1.13)
    assert boundary_tolerance((480, 854)) == 8  # DAVIS 480p: ceil(7.84)


def test_a_shift_within_the_tolerance_keeps_f_at_one_and_j_exact():
    gt = square()
    pred = square(left=22)  # 40x40 squares, 2 px apart: overlap 40x38
    assert region_similarity(pred, gt) == pytest.approx(40 * 38 / (40 * 42))
    assert boundary_accuracy(pred, gt) == 1.0


def test_a_shift_beyond_the_tolerance_lowers_f():
    gt = square()
    pred = square(left=25)  # 5 px > 2 px tolerance: only the horizontal edges still match
    assert region_similarity(pred, gt) == pytest.approx(40 * 35 / (40 * 45))
    f, precision, recall = boundary_measure(pred, gt)
    assert 0.3 < f < 0.8 and precision == pytest.approx(recall)
    assert f < boundary_accuracy(square(left=22), gt)


def test_empty_prediction_scores_zero_unless_the_truth_is_empty_too():
    empty = np.zeros((50, 50), bool)
    assert region_similarity(empty, square((50, 50), 10, 10, 20)) == 0.0
    assert boundary_accuracy(empty, square((50, 50), 10, 10, 20)) == 0.0
    assert region_similarity(empty, empty) == 1.0
    assert boundary_accuracy(empty, empty) == 1.0


def test_empty_truth_with_a_prediction_scores_zero():
    empty = np.zeros((50, 50), bool)
    pred = square((50, 50), 10, 10, 20)
    assert region_similarity(pred, empty) == 0.0
    assert boundary_measure(pred, empty) == (0.0, 0.0, 1.0)


def test_boundary_is_the_objects_outline_not_the_image_border():
    full = np.ones((10, 10), bool)
    assert not boundary_map(full).any()
    outline = boundary_map(square((10, 10), 2, 2, 5))
    assert outline.sum() == 16 and not outline[4, 4]


def test_meter_averages_frames_per_sequence_then_sequences():
    meter = SegmentationMeter()
    gt, empty = square(), np.zeros((100, 100), bool)
    meter.update("a", gt, gt)  # J 1
    meter.update("a", empty, gt)  # J 0
    meter.update("b", gt, gt)  # J 1
    table = meter.per_sequence()
    assert table["a"]["j_mean"] == 0.5 and table["a"]["j_recall"] == 0.5
    assert table["b"]["j_mean"] == 1.0
    summary = meter.compute()
    assert summary["j_mean"] == 0.75 and summary["j_recall"] == 0.75
    assert summary["jf_mean"] == pytest.approx((summary["j_mean"] + summary["f_mean"]) / 2)
    assert SegmentationMeter().compute() == {}
