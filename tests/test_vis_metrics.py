"""VIS AP/AR on hand-made cases whose values are known (the official YouTube-VIS evaluation,
youtubevos/cocoapi ``ytvoseval.py``), plus a literal re-implementation on random cases and
the bootstrap over videos.

Scenes are 8 frames of 20x20 with square objects; a ``track`` is one square per frame (or
None where the object is absent).  101 recall points: reaching recall 0.5 with precision 1
gives 51/101 of the precision-recall area.
"""

from __future__ import annotations

import math
from itertools import groupby

import numpy as np
import pytest

from tasks.vis import rle
from tasks.vis.evaluation import TrackCollector
from tasks.vis.metrics import (
    AREA_RANGES,
    IOU_THRESHOLDS,
    RECALL_POINTS,
    SUMMARY,
    Track,
    evaluate,
    spatiotemporal_iou,
    weighted_precision_recall,
    weighted_recall,
)
from tasks.vis.predictions import TrackPrediction
from tasks.vis.samples import VisClip, VisInstance

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
    summary = evaluate(gt, results).summary()
    for key in ("AP", "AP50", "AP75", "APs", "AR1", "AR10", "AR100", "ARs"):
        assert summary[key] == 1.0, key
    # 6x6 objects are all "small" (mean area below 128^2): no medium or large ground truth,
    # -1 in the official summary, NaN here.
    assert all(math.isnan(summary[k]) for k in ("APm", "APl", "ARm", "ARl"))


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
    """With one frame, spatio-temporal IoU is the image mask IoU, so without crowd regions
    (COCO compares crowd regions by intersection over the detection's area, YouTube-VIS by
    plain IoU) the all-area results must equal pycocotools' COCO mask evaluation (used here
    only as an independent oracle; its area ranges differ from YouTube-VIS's)."""
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
            mask, category, crowd = random_square(), int(rng.integers(1, 3)), 0
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
    expected = {"AP": stats[0], "AP50": stats[1], "AP75": stats[2], "AR1": stats[6], "AR10": stats[7], "AR100": stats[8]}
    assert {k: mine[k] for k in expected} == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------- official rules


def _segs_of(masks) -> list:
    return [rle.encode(m) if m is not None else None for m in masks]


def test_crowd_tracks_are_compared_by_plain_iou_not_cocos_crowd_rule():
    # A crowd region covering the right half (20 x 10 = 200 px per frame) and a detection
    # of 36 px inside it.  COCO's crowd IoU (intersection / detection area) is 1, so COCO
    # would ignore the detection; the official YouTube-VIS code uses the plain IoU, 36/200 =
    # 0.18 < 0.5, so the detection is a false positive.  Ranked first, it halves the
    # precision of the true positive after it: interpolated precision 1/2 everywhere, AP 1/2
    # (COCO's rule would give 1).
    crowd = np.zeros((H, W), bool)
    crowd[:, 10:] = True
    gt = ground_truth((1, 1, ALWAYS_LEFT))
    gt["annotations"].append({"id": 2, "video_id": 1, "category_id": 1, "iscrowd": 1,
                              "segmentations": _segs_of([crowd] * T)})
    results = [prediction(1, 1, ALWAYS_RIGHT, 0.95), prediction(1, 1, ALWAYS_LEFT, 0.9)]
    evaluation = evaluate(gt, results)
    assert evaluation.summary()["AP"] == pytest.approx(0.5)
    assert evaluation.summary()["AR10"] == 1.0  # the crowd track is not counted as ground truth


def test_a_category_without_ground_truth_is_absent_not_zero():
    # Category 2 has only a (false) detection: -1 officially, so it is left out of the mean.
    gt = ground_truth((1, 1, ALWAYS_LEFT))
    results = [prediction(1, 1, ALWAYS_LEFT, 0.9), prediction(1, 2, ALWAYS_RIGHT, 0.8)]
    evaluation = evaluate(gt, results)
    assert evaluation.category_ap() == {1: 1.0}
    assert evaluation.summary()["AP"] == 1.0
    # No ground truth at all: every summary value is absent.
    empty = evaluate(ground_truth(), results).summary()
    assert all(math.isnan(v) for v in empty.values()) and set(empty) == set(SUMMARY)


def test_area_ranges_use_the_mean_area_over_the_frames_a_track_is_present():
    # 140x140 frames, 2 frames.  Track A: a 130x130 block on frame 0 only (null on frame 1):
    # mean area over present frames 16900 > 128^2, so "medium" (averaging over both frames
    # would make it small).  Track B: a 6x6 block on both frames, "small".  One detection,
    # exactly A.
    size = 140
    big, small = np.zeros((size, size), bool), np.zeros((size, size), bool)
    big[5:135, 5:135] = True
    small[0:6, 0:6] = True
    gt = {"videos": [{"id": 1, "file_names": ["a", "b"], "height": size, "width": size}],
          "categories": [{"id": 1}],
          "annotations": [{"id": 1, "video_id": 1, "category_id": 1, "segmentations": _segs_of([big, None])},
                          {"id": 2, "video_id": 1, "category_id": 1, "segmentations": _segs_of([small, small])}]}
    results = [{"video_id": 1, "category_id": 1, "score": 0.9, "segmentations": _segs_of([big, None])}]
    summary = evaluate(gt, results).summary()
    assert summary["AP"] == pytest.approx(51 / 101)  # one of two found, first: precision 1 to recall 0.5
    assert summary["APm"] == 1.0 and summary["ARm"] == 1.0  # B ignored: A is the only medium track
    # Small range: A is out of range, so it is ignored and the detection matched to it is
    # ignored too; B is missed: precision 0, recall 0.
    assert summary["APs"] == 0.0 and summary["ARs"] == 0.0
    assert math.isnan(summary["APl"]) and math.isnan(summary["ARl"])  # no large ground truth
    assert summary["AR100"] == 0.5


def test_ground_truth_areas_come_from_the_annotation_file_when_given():
    # The same 6x6 track declared with areas of 20000 px per frame is "medium".
    gt = ground_truth((1, 1, ALWAYS_LEFT))
    gt["annotations"][0]["areas"] = [20000] * T
    summary = evaluate(gt, [prediction(1, 1, ALWAYS_LEFT, 0.9)]).summary()
    assert math.isnan(summary["APs"])  # no small ground truth any more
    # The detection (36 px: small) matches the medium track, so it is not ignored as out of
    # range: APm = 1.
    assert summary["APm"] == 1.0


def test_annotation_id_0_is_matched_like_any_other():
    # The official code would count a match with annotation id 0 as a false positive
    # (it tests matched ids with ``> 0``); we never use ids for matching.
    gt = ground_truth((1, 1, ALWAYS_LEFT), (1, 1, ALWAYS_RIGHT))
    for k, annotation in enumerate(gt["annotations"]):
        annotation["id"] = k  # 0 and 1
    results = [prediction(1, 1, ALWAYS_LEFT, 0.9), prediction(1, 1, ALWAYS_RIGHT, 0.8)]
    assert evaluate(gt, results).summary()["AP"] == 1.0


def test_bad_areas_name_the_field():
    from benchmark.errors import DataError

    gt = ground_truth((1, 1, ALWAYS_LEFT))
    gt["annotations"][0]["areas"] = [36] * (T - 1)
    with pytest.raises(DataError, match=r"annotations\[0\].*'areas'"):
        evaluate(gt, [])


# --------------------------------------------------------------------------- literal oracle


def _literal_summary(gt: dict, results: list[dict]) -> dict[str, float]:
    """The YouTube-VIS evaluation written out with loops over decoded masks (slow)."""
    video = {v["id"]: v for v in gt["videos"]}

    def decode(entry):
        v = video[entry["video_id"]]
        return [rle.decode(s, v["height"], v["width"], "test") if s is not None else None
                for s in entry["segmentations"]]

    def mean_area(masks):
        present = [int(m.sum()) for m in masks if m is not None and m.sum() > 0]
        return sum(present) / len(present) if present else 0.0

    def iou(a, b):
        inter = union = 0
        for x, y in zip(a, b, strict=True):
            x = x if x is not None else False
            y = y if y is not None else False
            inter += int(np.logical_and(x, y).sum())
            union += int(np.logical_or(x, y).sum())
        return inter / union if union else 0.0

    gts = [dict(v=a["video_id"], c=a["category_id"], m=decode(a), crowd=bool(a.get("iscrowd", 0))) for a in gt["annotations"]]
    dts = [dict(v=r["video_id"], c=r["category_id"], m=decode(r), s=r["score"]) for r in results]
    categories = [c["id"] for c in gt["categories"]]
    values: dict[str, list[float]] = {key: [] for key in SUMMARY}
    for key, (kind, threshold, area, max_det) in SUMMARY.items():
        low, high = AREA_RANGES[area]
        for category in categories:
            pooled, positives = [], 0
            for v in sorted(video):
                truth = [g for g in gts if g["v"] == v and g["c"] == category]
                dets = sorted([d for d in dts if d["v"] == v and d["c"] == category], key=lambda d: -d["s"])[:100]
                for g in truth:
                    g["ignore"] = g["crowd"] or not low <= mean_area(g["m"]) <= high
                truth = sorted(truth, key=lambda g: g["ignore"])
                positives += sum(not g["ignore"] for g in truth)
                outcome = {}
                for t in IOU_THRESHOLDS:
                    taken = set()
                    for i, d in enumerate(dets):
                        best, chosen = min(t, 1 - 1e-10), None
                        for j, g in enumerate(truth):
                            if j in taken and not g["crowd"]:
                                continue
                            if chosen is not None and not truth[chosen]["ignore"] and g["ignore"]:
                                break
                            if iou(d["m"], g["m"]) >= best:
                                best, chosen = iou(d["m"], g["m"]), j
                        if chosen is not None:
                            taken.add(chosen)
                        ignored = (truth[chosen]["ignore"] if chosen is not None
                                   else not low <= mean_area(d["m"]) <= high)
                        outcome[(t, i)] = (chosen is not None, ignored)
                pooled += [(d["s"], [outcome[(t, i)] for t in IOU_THRESHOLDS]) for i, d in enumerate(dets[:max_det])]
            if positives == 0:
                continue
            pooled = sorted(pooled, key=lambda p: -p[0])
            per_threshold = []
            for k in range(len(IOU_THRESHOLDS)):
                tp = fp = 0
                curve = []
                for _, flags in pooled:
                    found, ignored = flags[k]
                    tp += found and not ignored
                    fp += not found and not ignored
                    curve.append((tp / positives, tp / (tp + fp) if tp + fp else 0.0))
                if kind == "AR":
                    per_threshold.append(curve[-1][0] if curve else 0.0)
                    continue
                if threshold is not None and k != threshold:
                    continue
                # interpolated precision: the best precision at any recall >= r
                per_threshold.append(np.mean([max([p for r, p in curve if r >= point], default=0.0)
                                              for point in RECALL_POINTS]))
            values[key].append(float(np.mean(per_threshold)))
    return {key: float(np.mean(v)) if v else math.nan for key, v in values.items()}


def _random_case(seed: int) -> tuple[dict, list[dict]]:
    """Three videos (small, medium-object and large-object frames) with random rectangles,
    absent frames, crowd tracks, detections that follow ground truth loosely, score ties."""
    rng = np.random.default_rng(seed)

    def masks(height, width, base=None):
        out = []
        for t in range(frames):
            if rng.random() < 0.2:
                out.append(None)
                continue
            if base is not None and base[t] is not None and rng.random() < 0.8:
                out.append(np.roll(base[t], int(rng.integers(-2, 3)), axis=1))
                continue
            m = np.zeros((height, width), bool)
            h, w = int(rng.integers(max(1, height // 8), height)), int(rng.integers(max(1, width // 8), width))
            y, x = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
            m[y:y + h, x:x + w] = True
            out.append(m)
        return out

    videos, annotations, results = [], [], []
    for v, (height, width) in enumerate([(12, 16), (200, 190), (280, 270)], start=1):
        frames = int(rng.integers(1, 4))
        videos.append({"id": v, "file_names": [str(t) for t in range(frames)], "height": height, "width": width})
        tracks = []
        for _ in range(int(rng.integers(1, 4))):
            category = int(rng.integers(1, 3))
            tracks.append((category, masks(height, width)))
            annotations.append({"id": len(annotations) + 1, "video_id": v, "category_id": category,
                                "iscrowd": int(rng.random() < 0.2), "segmentations": _segs_of(tracks[-1][1])})
        for _ in range(int(rng.integers(0, 5))):
            category, base = tracks[int(rng.integers(len(tracks)))] if rng.random() < 0.8 else (1, None)
            if rng.random() < 0.2:
                category = 3 - category
            results.append({"video_id": v, "category_id": category, "score": float(rng.integers(1, 5)) / 4,
                            "segmentations": _segs_of(masks(height, width, base))})
    return {"videos": videos, "annotations": annotations, "categories": [{"id": 1}, {"id": 2}]}, results


@pytest.mark.parametrize("seed", range(6))
def test_the_summary_equals_a_literal_implementation_on_random_cases(seed):
    gt, results = _random_case(seed)
    mine, literal = evaluate(gt, results).summary(), _literal_summary(gt, results)
    for key in SUMMARY:
        if math.isnan(literal[key]):
            assert math.isnan(mine[key]), key
        else:
            assert mine[key] == pytest.approx(literal[key], abs=1e-12), key


# --------------------------------------------------------------------------- bootstrap


def _repeat_videos(gt: dict, results: list[dict], counts: dict[int, int]) -> tuple[dict, list[dict]]:
    """The data set with video v repeated counts[v] times (as new videos)."""
    videos, annotations, entries = [], [], []
    for v in gt["videos"]:
        for copy in range(counts.get(v["id"], 0)):
            new = len(videos) + 1
            videos.append({**v, "id": new, "name": f"{v['id']}#{copy}"})
            annotations += [{**a, "id": len(annotations) + 1, "video_id": new}
                            for a in gt["annotations"] if a["video_id"] == v["id"]]
            entries += [{**r, "video_id": new} for r in results if r["video_id"] == v["id"]]
    return {**gt, "videos": videos, "annotations": annotations}, entries


@pytest.mark.parametrize("seed", [22, 23, 25, 26, 31, 34])  # 34: every weight 0 (no ground truth)
def test_a_weighted_replicate_equals_the_data_set_with_videos_repeated(seed):
    gt, results = _random_case(seed)
    # Distinct scores: with ties inside a video, the copies' detections could interleave
    # (A, B, A, B) where the weights rank copies together (A, A, B, B).
    order = np.random.default_rng(seed).permutation(len(results))
    results = [{**r, "score": (float(k) + 1) / (len(results) + 1)} for r, k in zip(results, order, strict=True)]
    evaluation = evaluate(gt, results)
    counts = {v["id"]: int(k) for v, k in zip(gt["videos"], np.random.default_rng(seed).integers(0, 3, 3), strict=True)}
    repeated = evaluate(*_repeat_videos(gt, results, counts)).summary()
    weights = np.array([[counts[v["id"]] for v in gt["videos"]]], dtype=float)
    ap = []
    for category in evaluation.category_ids:
        pairs = evaluation.matches.get(category, [])
        units = np.array([v - 1 for v, _ in pairs], dtype=int)  # video ids are 1..3: columns 0..2
        precision, _ = weighted_precision_recall([m for _, m in pairs], units, weights, 100)
        ap.append(precision[0].mean())
    present = [a for a in ap if not math.isnan(a)]
    expected = repeated["AP"]
    assert (math.isnan(expected) and not present) or np.mean(present) == pytest.approx(expected, abs=1e-12)


def test_unit_weights_reproduce_the_point_estimate():
    gt, results = _random_case(3)
    evaluation = evaluate(gt, results)
    for category in evaluation.category_ids:
        pairs = evaluation.matches.get(category, [])
        units = np.array([v - 1 for v, _ in pairs], dtype=int)
        precision, recall = weighted_precision_recall([m for _, m in pairs], units, np.ones((1, 3)), 10)
        assert np.array_equal(weighted_recall([m for _, m in pairs], units, np.ones((1, 3)), 10), recall, equal_nan=True)
        if category in evaluation.precision[("all", 10)]:
            assert precision[0] == pytest.approx(evaluation.precision[("all", 10)][category], abs=1e-12)
            assert recall[0] == pytest.approx(evaluation.recall[("all", 10)][category], abs=1e-12)


def test_intervals_are_keyed_by_video_name_not_by_position():
    gt = ground_truth(*[(v, 1, ALWAYS_LEFT) for v in range(1, 9)], videos=8)
    for v in gt["videos"]:
        v["name"] = f"clip{v['id']}"
    results = [prediction(v, 1, ALWAYS_LEFT if v % 3 else ALWAYS_RIGHT, 0.1 * v) for v in range(1, 9)]
    forward = evaluate(gt, results).intervals(seed=5)
    # The same videos listed in reverse order under new ids: the same weights, the same interval.
    renumber = {v: 9 - v for v in range(1, 9)}
    reordered = {**gt, "videos": [{**v, "id": renumber[v["id"]]} for v in reversed(gt["videos"])],
                 "annotations": [{**a, "video_id": renumber[a["video_id"]]} for a in gt["annotations"]]}
    moved = [{**r, "video_id": renumber[r["video_id"]]} for r in results]
    assert evaluate(reordered, moved).intervals(seed=5) == forward
    ap = forward["AP"]
    assert ap.low <= ap.value <= ap.high and ap.low < ap.high
    assert set(forward) == {"AP", "AP50", "AP75", "AR1", "AR10", "AR100"}


# --------------------------------------------------------------------------- the collector


def _clip(name: str, corners, category: int = 1) -> VisClip:
    masks = np.stack([square(c) for c in corners])
    return VisClip(name, np.zeros((T, H, W, 3), np.uint8), [VisInstance(1, category, masks)])


def test_the_collector_reports_present_values_only_and_merges():
    categories = {1: "cat", 2: "dog"}
    whole, first, second = TrackCollector(categories), TrackCollector(categories), TrackCollector(categories)
    clips = [(_clip("a", ALWAYS_LEFT), ALWAYS_LEFT, 0.9), (_clip("b", ALWAYS_RIGHT), ALWAYS_LEFT, 0.8)]
    for k, (clip, corners, score) in enumerate(clips):
        tracks = [TrackPrediction(1, score, np.stack([square(c) for c in corners]))]
        whole.add(clip, tracks)
        (first if k == 0 else second).add(clip, tracks)
    metrics = whole.compute()
    # Small objects only: APm/APl/ARm/ARl are -1 officially and left out here, never NaN.
    assert set(metrics) == {"AP", "AP50", "AP75", "APs", "AR1", "AR10", "AR100", "ARs"}
    assert metrics["AP"] == pytest.approx(HALF)  # clip a found (first), clip b missed
    merged = first.merge(second)
    assert merged.compute() == metrics and merged.intervals() == whole.intervals()
    assert TrackCollector(categories).compute() == {} and TrackCollector(categories).intervals() == {}
