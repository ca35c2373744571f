"""J (region similarity), F (boundary accuracy) and the DAVIS summary on hand-made cases.

Boundaries follow the DAVIS toolkits' ``seg2bmap``: a pixel is on the boundary when it
differs from its right, lower or lower-right neighbour inside the image.  Expected values
are counted by hand in the comments; a slow literal implementation checks random masks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tasks.avos.conventions import CONVENTIONS, decay, sequence_statistics
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


def picture(rows: str) -> np.ndarray:
    """A bool array from lines of '#' (True) and '.' (False)."""
    return np.array([[c == "#" for c in line.strip()] for line in rows.strip().splitlines()])


# --------------------------------------------------------------------------- boundaries


def test_a_3x4_block_has_14_boundary_pixels_half_a_pixel_up_left():
    block = picture("""
        ......
        .####.
        .####.
        .####.
        ......
    """)
    # Row 0: its 5 pixels above the block differ from their lower (or lower-right) neighbour.
    # Rows 1-2: the pixel left of the block (its right neighbour differs) and the block's
    # last column (its right neighbour is outside).  Row 3: the block's bottom row (lower
    # neighbour outside) and the pixel left of it.  Row 4 is the image's last row: it only
    # compares with the right neighbour, and all of it is background.  5 + 2 + 2 + 5 = 14
    # (= 2h + 2w); the 4-neighbour outline inside the block would have 10.
    expected = picture("""
        #####.
        #...#.
        #...#.
        #####.
        ......
    """)
    assert np.array_equal(boundary_map(block), expected)
    assert boundary_map(block).sum() == 14


def test_an_isolated_pixel_has_4_boundary_pixels():
    dot = np.zeros((5, 5), bool)
    dot[2, 2] = True
    # (1,1) sees it lower-right, (1,2) below, (2,1) to the right, (2,2) differs from all three.
    assert sorted(zip(*np.nonzero(boundary_map(dot)), strict=True)) == [(1, 1), (1, 2), (2, 1), (2, 2)]


def test_the_image_border_is_not_a_boundary():
    assert not boundary_map(np.ones((10, 10), bool)).any()
    right_half = np.zeros((4, 6), bool)
    right_half[:, 3:] = True
    # Only column 2 (left of the edge) differs from its right neighbour, on every row,
    # including the last row, which compares with its right neighbour only.
    expected = np.zeros((4, 6), bool)
    expected[:, 2] = True
    assert np.array_equal(boundary_map(right_half), expected)


def test_a_block_in_the_bottom_right_corner_marks_only_its_free_sides():
    corner = picture("""
        ....
        ....
        ..##
        ..##
    """)
    # (1,1) lower-right, (1,2) lower, (1,3) last column: lower; (2,1) right; (3,1) last row:
    # right.  The block's own pixels touch only the image border: 5 pixels.
    expected = picture("""
        ....
        .###
        .#..
        .#..
    """)
    assert np.array_equal(boundary_map(corner), expected)


# --------------------------------------------------------------------------- J and F


def test_identical_masks_score_one():
    gt = square()
    assert region_similarity(gt, gt) == 1.0
    assert boundary_accuracy(gt, gt) == 1.0


def test_disjoint_masks_score_zero():
    gt, pred = square(left=5, side=20), square(left=70, side=20)
    assert region_similarity(pred, gt) == 0.0
    assert boundary_accuracy(pred, gt) == pytest.approx(0.0, abs=1e-9)


def test_tolerance_is_0_8_percent_of_the_diagonal():
    assert boundary_tolerance((10, 10)) == 1  # ceil(0.008 * 14.1) = ceil(0.11)
    assert boundary_tolerance((100, 100)) == 2  # ceil(0.008 * 141.4) = ceil(1.13)
    assert boundary_tolerance((480, 854)) == 8  # DAVIS 480p: ceil(7.84)


def test_f_of_two_disjoint_3x3_blocks_three_columns_apart_is_one_half():
    # 10x10 image: tolerance 1 pixel (a plus-shaped neighbourhood).  Each block's boundary
    # is a 4x4 ring of 12 pixels (rows 1 and 4, and the ring's side columns).  The rings
    # share column 4; predicted ring pixels within 1 pixel of the true ring: (1,4), (1,5),
    # (4,4), (4,5), (2,4), (3,4) = 6 of 12, so precision = recall = 1/2 and F = 1/2, while
    # J = 0.  (With 4-neighbour outlines inside the blocks it would be 3/8.)
    truth, prediction = np.zeros((10, 10), bool), np.zeros((10, 10), bool)
    truth[2:5, 2:5] = True
    prediction[2:5, 5:8] = True
    assert region_similarity(prediction, truth) == 0.0
    assert boundary_measure(prediction, truth) == (0.5, 0.5, 0.5)


def test_a_shift_within_the_tolerance_keeps_f_at_one_and_j_exact():
    gt = square()
    pred = square(left=22)  # 40x40 squares, 2 px apart: overlap 40x38
    assert region_similarity(pred, gt) == pytest.approx(40 * 38 / (40 * 42))
    assert boundary_accuracy(pred, gt) == 1.0


def test_empty_prediction_scores_zero_unless_the_truth_is_empty_too():
    empty = np.zeros((50, 50), bool)
    assert region_similarity(empty, square((50, 50), 10, 10, 20)) == 0.0
    assert boundary_measure(empty, square((50, 50), 10, 10, 20)) == (0.0, 1.0, 0.0)  # toolkits: P=1, R=0
    assert region_similarity(empty, empty) == 1.0
    assert boundary_accuracy(empty, empty) == 1.0


def test_empty_truth_with_a_prediction_scores_zero():
    empty = np.zeros((50, 50), bool)
    pred = square((50, 50), 10, 10, 20)
    assert region_similarity(pred, empty) == 0.0
    assert boundary_measure(pred, empty) == (0.0, 0.0, 1.0)


def _literal_boundary(mask: np.ndarray) -> set[tuple[int, int]]:
    height, width = mask.shape
    marked = set()
    for y in range(height):
        for x in range(width):
            for dy, dx in ((0, 1), (1, 0), (1, 1)):
                if y + dy < height and x + dx < width and mask[y + dy, x + dx] != mask[y, x]:
                    marked.add((y, x))
    return marked


def _literal_f(prediction: np.ndarray, truth: np.ndarray) -> float:
    """F from its definition: boundary pixels, Euclidean distance <= ceil(0.008 diagonal)."""
    radius = math.ceil(0.008 * math.hypot(*truth.shape))
    pred, true = _literal_boundary(prediction), _literal_boundary(truth)
    if not pred and not true:
        return 1.0
    if not pred or not true:
        return 0.0

    offsets = [(dy, dx) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)
               if dy * dy + dx * dx <= radius * radius]

    def near(p, others):  # some pixel of ``others`` within ``radius`` (Euclidean) of p
        return any((p[0] + dy, p[1] + dx) in others for dy, dx in offsets)

    precision = sum(near(p, true) for p in pred) / len(pred)
    recall = sum(near(t, pred) for t in true) / len(true)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize("shape", [(7, 9), (30, 40), (70, 110)])  # tolerance 1, 1 and 2 pixels
def test_boundary_and_f_equal_a_literal_implementation_on_random_masks(shape):
    rng = np.random.default_rng(sum(shape))
    for _ in range(4):
        truth = rng.random(shape) < rng.uniform(0.02, 0.5)
        prediction = truth ^ (rng.random(shape) < rng.uniform(0.0, 0.3))
        if rng.random() < 0.3:  # blobs as well as noise
            truth = np.zeros(shape, bool)
            truth[rng.integers(shape[0]):, rng.integers(shape[1]):] = True
        assert set(zip(*np.nonzero(boundary_map(prediction)), strict=True)) == _literal_boundary(prediction)
        assert boundary_accuracy(prediction, truth) == pytest.approx(_literal_f(prediction, truth), abs=1e-12)


# --------------------------------------------------------------------------- statistics


def test_decay_is_first_quarter_minus_last_quarter_with_halves_rounded_up():
    # 8 frames: edges round(linspace(1, 8, 5)) - 1 = [0, 2, 4, 5, 7] (4.5 rounds up);
    # first bin frames 0-2 (mean 1), last bin frames 5-7 (mean 0).
    assert decay([1, 1, 1, 1, 0, 0, 0, 0]) == 1.0
    # 7 frames: linspace(1, 7, 5) = [1, 2.5, 4, 5.5, 7] -> edges [0, 2, 3, 5, 6]; the first
    # bin is frames 0-2 = (1, 1, 0), mean 2/3 (rounding 2.5 to even would give frames 0-1).
    assert decay([1, 1, 0, 0, 0, 0, 0]) == pytest.approx(2 / 3)
    assert decay([0.7]) == 0.0  # one frame: both bins are that frame


def test_recall_counts_frames_strictly_above_one_half():
    mean, recall, _ = sequence_statistics([0.5, 0.51, 0.2, 1.0])
    assert mean == pytest.approx(2.21 / 4) and recall == 0.5  # 0.51 and 1.0; 0.5 is not above


def _meter(convention: str, scores: dict[str, list[float]], length_known: bool = True) -> SegmentationMeter:
    """A meter holding J = F = the given per-frame scores, frame t at index t."""
    meter = SegmentationMeter(convention)
    for name, values in scores.items():
        for t, v in enumerate(values):
            meter.record(name, v, v, frame=t, sequence_length=len(values) if length_known else None)
    return meter


def test_davis2016_leaves_out_the_first_and_last_frame_davis2017_unsupervised_keeps_them():
    scores = {"a": [0.0, 1.0, 1.0, 1.0, 0.0]}
    # davis2016: frames 1-3 only, all 1.0.
    assert _meter("davis2016", scores).compute()["j_mean"] == 1.0
    assert _meter("davis2016", scores).compute()["j_recall"] == 1.0
    # davis2017-unsupervised: all five frames, 3/5 of them 1.0.
    summary = _meter("davis2017-unsupervised", scores).compute()
    assert summary["j_mean"] == pytest.approx(0.6) and summary["j_recall"] == pytest.approx(0.6)


def test_the_last_frame_is_the_sequences_even_when_it_was_not_scored():
    # A 5-frame sequence whose frame 4 has no prediction (no successor for optical flow):
    # davis2016 drops frames 0 and 4, so frame 3 (J = 0.2) still counts: mean (1 + 1 + 0.2) / 3.
    meter = SegmentationMeter("davis2016")
    for t, v in enumerate([0.0, 1.0, 1.0, 0.2]):
        meter.record("a", v, v, frame=t, sequence_length=5)
    assert meter.compute()["j_mean"] == pytest.approx(2.2 / 3)
    # Without the length, the last frame scored (frame 3) is taken as the last: mean 1.
    assert _meter("davis2016", {"a": [0.0, 1.0, 1.0, 0.2]}, length_known=False).compute()["j_mean"] == 1.0


def test_decay_follows_the_convention():
    # 10 frames; davis2016 keeps frames 1-8 = (1, 1, 1, 1, 0, 0, 0, 0): decay 1 (see above).
    # All 10 frames: edges round(linspace(1, 10, 5)) - 1 = [0, 2, 5, 7, 9] (3.25->3, 5.5->6,
    # 7.75->8); first bin frames 0-2 = (0, 1, 1), last bin frames 7-9 = (0, 0, 1): 2/3 - 1/3.
    scores = {"a": [0, 1, 1, 1, 1, 0, 0, 0, 0, 1]}
    assert _meter("davis2016", scores).compute()["j_decay"] == 1.0
    assert _meter("davis2017-unsupervised", scores).compute()["f_decay"] == pytest.approx(1 / 3)


def test_sequences_too_short_for_davis2016_are_left_out_of_the_averages():
    scores = {"short": [0.0, 0.0], "long": [0.0, 0.8, 0.0]}
    meter = _meter("davis2016", scores)
    assert meter.excluded() == ["short"]  # two frames: both are first or last
    assert meter.compute()["j_mean"] == 0.8  # only "long" (its middle frame) is averaged
    assert _meter("davis2016", {"short": [1.0, 1.0]}).compute() == {}  # nothing left: absent
    assert _meter("davis2017-unsupervised", scores).compute()["j_mean"] == pytest.approx((0.0 + 0.8 / 3) / 2)


def test_meter_averages_frames_per_sequence_then_sequences():
    meter = SegmentationMeter("davis2017-unsupervised")
    gt, empty = square(), np.zeros((100, 100), bool)
    meter.update("a", gt, gt)  # J 1
    meter.update("a", empty, gt)  # J 0
    meter.update("b", gt, gt)  # J 1
    table = meter.per_sequence()
    assert table["a"]["j_mean"] == 0.5 and table["a"]["j_recall"] == 0.5
    assert table["a"]["j_decay"] == 1.0  # two frames: bins are frame 0 and frame 1
    assert table["b"]["j_mean"] == 1.0
    summary = meter.compute()
    assert summary["j_mean"] == 0.75 and summary["j_recall"] == 0.75
    assert summary["jf_mean"] == pytest.approx((summary["j_mean"] + summary["f_mean"]) / 2)
    assert SegmentationMeter().compute() == {}


def test_the_default_convention_is_davis2016_and_unknown_names_are_listed():
    from benchmark.errors import BenchmarkError

    assert SegmentationMeter().convention.name == "davis2016"
    assert set(CONVENTIONS) == {"davis2016", "davis2017-unsupervised"}
    with pytest.raises(BenchmarkError, match="davis2017-unsupervised"):
        SegmentationMeter("davis2018")


def test_a_frame_scored_twice_or_beyond_the_sequence_is_refused():
    meter = SegmentationMeter()
    meter.record("a", 1.0, 1.0, frame=0, sequence_length=3)
    with pytest.raises(ValueError, match="twice"):
        meter.record("a", 1.0, 1.0, frame=0)
    with pytest.raises(ValueError, match="beyond"):
        meter.record("a", 1.0, 1.0, frame=3)


def test_merging_meters_equals_one_meter():
    scores = {"a": [0.1, 0.9, 0.8, 0.3], "b": [0.5, 0.6, 0.7], "c": [1.0, 0.0, 1.0, 1.0, 0.2]}
    whole = _meter("davis2016", scores)
    left = _meter("davis2016", {"a": scores["a"], "c": scores["c"]})
    merged = left.merge(_meter("davis2016", {"b": scores["b"]}))
    assert merged.compute() == pytest.approx(whole.compute())
    with pytest.raises(ValueError, match="conventions"):
        left.merge(SegmentationMeter("davis2017-unsupervised"))


# --------------------------------------------------------------------------- intervals


def test_one_sequence_gives_a_zero_width_interval():
    # Every replicate that draws the sequence at all reweights it alone: the same J&F.
    intervals = _meter("davis2016", {"a": [0.0, 0.4, 0.8, 0.0]}).intervals(seed=3)
    assert intervals["jf_mean"].value == intervals["jf_mean"].low == intervals["jf_mean"].high == pytest.approx(0.6)


def test_intervals_lie_between_the_sequence_means_and_do_not_depend_on_order():
    scores = {f"s{k}": list(np.linspace(0, 1, 5) ** (k % 4 + 1)) for k in range(12)}
    forward = _meter("davis2016", scores).intervals(seed=0)
    backward = _meter("davis2016", dict(reversed(list(scores.items())))).intervals(seed=0)
    assert forward == backward
    means = [np.mean(v[1:-1]) for v in scores.values()]
    jf = forward["jf_mean"]
    assert min(means) <= jf.low < jf.value < jf.high <= max(means)
    assert forward != _meter("davis2016", scores).intervals(seed=1)  # the seed matters


def test_decay_is_negative_for_a_model_that_improves_and_results_accept_it():
    """The toolkits' decay is first-quarter mean minus last-quarter mean: 4 frames scored
    0.2, 0.6, 1.0, 1.0 have bin edges round(linspace(1, 4, 5)) - 1 = 0, 1, 2, 2, 3, so the
    first bin is frames 0-1 and the last frames 2-3: 0.4 - 1.0 = -0.6. A result's decay
    therefore lies in [-1, 1]."""
    from benchmark.api.tasks import get_spec

    assert decay([0.2, 0.6, 1.0, 1.0]) == pytest.approx(0.4 - 1.0)
    spec = get_spec("avos")
    assert spec.metric_bounds("j_decay") == spec.metric_bounds("f_decay") == (-1.0, 1.0)
    assert spec.metric_bounds("j_mean") == (0.0, 1.0)
