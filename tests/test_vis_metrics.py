"""VIS AP/AR on hand-made cases whose values are known (YouTube-VIS evaluation semantics).

Scenes are 8 frames of 20x20 with square objects; a ``track`` is one square per frame (or
None where the object is absent).  101 recall points: reaching recall 0.5 with precision 1
gives 51/101 of the precision-recall area.
"""

from __future__ import annotations

from itertools import groupby

import numpy as np
import pytest

from tasks.vis import rle
from tasks.vis.metrics import Track, evaluate, spatiotemporal_iou

T, H, W = 8, 20, 20
LEFT, RIGHT = (2, 2), (2, 12)  # top-left corners of two disjoint 6x6 squares


def square(corner) -> np.ndarray:
    mask = np.zeros((H, W), dtype=bool)
    if corner is not None:
        y, x = corner
        mask[y:y + 6, x:x + 6] = True
    return mask


def segs(corners) -> list:
    """YouTube-VIS ``segmentations``: RLE (counts as str) or null per frame."""
    return [rle.encode(square(c)) for c in corners]


def ground_truth(*tracks, videos: int = 1) -> dict:
    """Annotation JSON: ``tracks`` are (video_id, category_id, corners[, iscrowd])."""
    return {
        "videos": [{"id": v, "file_names": [f"v{v}/{t:05d}.jpg" for t in range(T)], "height": H,
                    "width": W, "length": T} for v in range(1, videos + 1)],
        "annotations": [
            {"id": k + 1, "video_id": v, "category_id": c, "segmentations": segs(corners),
             "iscrowd": int(rest[0]) if rest else 0}
            for k, (v, c, corners, *rest) in enumerate(tracks)
        ],
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
    }


def prediction(video_id: int, category_id: int, corners, score: float) -> dict:
    return {"video_id": video_id, "category_id": category_id, "segmentations": segs(corners), "score": score}


ALWAYS_LEFT = [LEFT] * T
ALWAYS_RIGHT = [RIGHT] * T
HALF = 51 / 101  # precision 1 up to recall 0.5, nothing after


def test_perfect_predictions_score_one():
    gt = ground_truth((1, 1, ALWAYS_LEFT), (1, 2, ALWAYS_RIGHT), (2, 1, ALWAYS_RIGHT), videos=2)
    results = [prediction(1, 1, ALWAYS_LEFT, 0.9), prediction(1, 2, ALWAYS_RIGHT, 0.8),
               prediction(2, 1, ALWAYS_RIGHT, 0.7)]
    assert evaluate(gt, results).summary() == {"AP": 1.0, "AP50": 1.0, "AP75": 1.0, "AR1": 1.0, "AR10": 1.0}


def test_a_wrong_category_scores_zero_for_that_category():
    gt = ground_truth((1, 1, ALWAYS_LEFT), (1, 2, ALWAYS_RIGHT))
    results = [prediction(1, 1, ALWAYS_LEFT, 0.9), prediction(1, 1, ALWAYS_RIGHT, 0.8)]  # the dog called a cat
    evaluation = evaluate(gt, results)
    assert evaluation.category_ap() == {1: 1.0, 2: 0.0}
    assert evaluation.summary()["AP"] == 0.5  # mean over the two categories with ground truth


def test_a_track_that_switches_identity_halfway_counts_only_at_iou_050():
    # One cat leaves after frame 3, another enters at frame 4; the tracker follows the first
    # and then jumps to the second: IoU with each is 4 frames / 8 frames = 0.5.
    first = [LEFT] * 4 + [None] * 4
    second = [None] * 4 + [RIGHT] * 4
    gt = ground_truth((1, 1, first), (1, 1, second))
    switched = prediction(1, 1, [LEFT] * 4 + [RIGHT] * 4, 0.9)

    gt_tracks = [Track(1, 1, tuple(rle.to_compressed(s, H, W, "gt") for s in segs(c))) for c in (first, second)]
    det = Track(1, 1, tuple(rle.to_compressed(s, H, W, "det") for s in switched["segmentations"]))
    assert spatiotemporal_iou([det], gt_tracks).tolist() == [[0.5, 0.5]]

    summary = evaluate(gt, [switched]).summary()
    assert summary["AP50"] == pytest.approx(HALF)  # one of two cats found, at IoU 0.5 only
    assert summary["AP75"] == 0.0
    assert summary["AP"] == pytest.approx(HALF / 10)
    assert summary["AR10"] == pytest.approx(0.5 / 10)


def test_a_missed_instance_limits_recall():
    gt = ground_truth((1, 1, ALWAYS_LEFT), (1, 1, ALWAYS_RIGHT))
    summary = evaluate(gt, [prediction(1, 1, ALWAYS_LEFT, 0.9)]).summary()
    assert summary["AP"] == pytest.approx(HALF)
    assert summary["AR1"] == summary["AR10"] == 0.5


def test_a_duplicate_ranked_after_every_true_positive_costs_nothing():
    gt = ground_truth((1, 1, ALWAYS_LEFT))
    results = [prediction(1, 1, ALWAYS_LEFT, 0.9), prediction(1, 1, ALWAYS_LEFT, 0.5)]
    assert evaluate(gt, results).summary()["AP"] == 1.0


def test_a_duplicate_ranked_before_a_true_positive_lowers_ap():
    # Two videos, one cat each.  Ranked: TP (0.9), duplicate FP (0.8), TP (0.7).
    # precision 1, 1/2, 2/3 at recall 0.5, 0.5, 1 -> interpolated 1 up to recall 0.5,
    # 2/3 above: AP = (51 * 1 + 50 * 2/3) / 101 at every threshold.
    gt = ground_truth((1, 1, ALWAYS_LEFT), (2, 1, ALWAYS_RIGHT), videos=2)
    results = [prediction(1, 1, ALWAYS_LEFT, 0.9), prediction(1, 1, ALWAYS_LEFT, 0.8),
               prediction(2, 1, ALWAYS_RIGHT, 0.7)]
    expected = (51 + 50 * 2 / 3) / 101
    summary = evaluate(gt, results).summary()
    assert summary["AP"] == pytest.approx(expected)
    assert summary["AP50"] == pytest.approx(expected) and summary["AR10"] == 1.0


def test_ar1_keeps_one_detection_per_video_and_category():
    gt = ground_truth((1, 1, ALWAYS_LEFT), (1, 1, ALWAYS_RIGHT))
    results = [prediction(1, 1, ALWAYS_LEFT, 0.9), prediction(1, 1, ALWAYS_RIGHT, 0.8)]
    summary = evaluate(gt, results).summary()
    assert (summary["AR1"], summary["AR10"], summary["AP"]) == (0.5, 1.0, 1.0)


def test_detections_on_a_crowd_region_are_ignored_not_false_positives():
    crowd_area = [RIGHT] * T
    gt = ground_truth((1, 1, ALWAYS_LEFT), (1, 1, crowd_area, True))
    results = [prediction(1, 1, crowd_area, 0.95), prediction(1, 1, ALWAYS_LEFT, 0.9)]
    assert evaluate(gt, results).summary()["AP"] == 1.0


def test_iou_sums_intersections_and_unions_over_frames():
    # Frames 0-3 identical, frames 4-7 the detection is missing: 4*36 / 8*36.
    gt = Track(1, 1, tuple(rle.to_compressed(s, H, W, "gt") for s in segs(ALWAYS_LEFT)))
    det = Track(1, 1, tuple(rle.to_compressed(s, H, W, "det") for s in segs([LEFT] * 4 + [None] * 4)))
    shifted = Track(1, 1, tuple(rle.to_compressed(s, H, W, "det") for s in segs([(2, 5)] * T)))
    assert spatiotemporal_iou([det, shifted], [gt]).tolist() == [[0.5], [18 / 54]]


def test_uncompressed_rle_predictions_are_accepted():
    gt = ground_truth((1, 1, ALWAYS_LEFT))
    flat = square(LEFT).ravel(order="F")  # column-major runs, starting with a run of zeros
    counts = [0] * bool(flat[0]) + [len(list(run)) for _, run in groupby(flat)]
    uncompressed = {"size": [H, W], "counts": counts}
    result = {"video_id": 1, "category_id": 1, "segmentations": [uncompressed] * T, "score": 1.0}
    assert evaluate(gt, [result]).summary()["AP"] == 1.0


def test_a_result_for_an_unknown_video_names_it():
    from benchmark.errors import DataError

    with pytest.raises(DataError, match=r"results\[0\].*video_id"):
        evaluate(ground_truth((1, 1, ALWAYS_LEFT)), [prediction(7, 1, ALWAYS_LEFT, 1.0)])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_single_frame_videos_agree_with_cocoeval(seed, capsys):
    """With one frame, spatio-temporal IoU is the image mask IoU, so the result must equal
    pycocotools' COCO mask evaluation (used here only as an independent oracle)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    rng = np.random.default_rng(seed)

    def random_square() -> np.ndarray:
        y, x = rng.integers(0, H - 6, size=2)
        return square((int(y), int(x)))

    videos, annotations, results, images, coco_anns, coco_dets = [], [], [], [], [], []
    for v in range(1, 13):
        videos.append({"id": v, "file_names": [f"v{v}.jpg"], "height": H, "width": W})
        images.append({"id": v, "height": H, "width": W})
        for _ in range(int(rng.integers(1, 4))):
            mask, category, crowd = random_square(), int(rng.integers(1, 3)), int(rng.random() < 0.15)
            seg = rle.encode(mask)
            annotations.append({"id": len(annotations) + 1, "video_id": v, "category_id": category,
                                "segmentations": [seg], "iscrowd": crowd})
            coco_anns.append({"id": len(coco_anns) + 1, "image_id": v, "category_id": category,
                              "segmentation": seg, "area": int(mask.sum()), "iscrowd": crowd,
                              "bbox": [0, 0, 1, 1]})
        for _ in range(int(rng.integers(0, 5))):
            seg, category, score = rle.encode(random_square()), int(rng.integers(1, 3)), float(rng.random())
            results.append({"video_id": v, "category_id": category, "segmentations": [seg], "score": score})
            coco_dets.append({"image_id": v, "category_id": category, "segmentation": seg, "score": score})
    categories = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]

    coco = COCO()
    coco.dataset = {"images": images, "annotations": coco_anns, "categories": categories}
    coco.createIndex()
    oracle = COCOeval(coco, coco.loadRes(coco_dets), "segm")
    oracle.evaluate()
    oracle.accumulate()
    oracle.summarize()
    stats = oracle.stats
    mine = evaluate({"videos": videos, "annotations": annotations, "categories": categories}, results).summary()
    expected = {"AP": stats[0], "AP50": stats[1], "AP75": stats[2], "AR1": stats[6], "AR10": stats[7]}
    assert mine == pytest.approx(expected, abs=1e-12)
