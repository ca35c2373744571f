"""Video instance segmentation AP/AR, following the YouTube-VIS evaluation.

The YouTube-VIS evaluation is COCO's mask evaluation with one change: a detection and a
ground-truth track are compared by their *spatio-temporal* mask IoU, the sum over frames
of the per-frame intersections divided by the sum over frames of the per-frame unions.
Written from the documented semantics of COCO's evaluation:

- per video and category, detections are sorted by score (highest first) and cut to the
  largest ``max_dets`` (so "max detections per video" counts per video *and category*,
  as in COCO); ground truth marked ``iscrowd`` is *ignored*;
- at each IoU threshold 0.50:0.05:0.95 every detection, in score order, is matched to the
  unmatched ground truth with the highest IoU at or above the threshold, preferring
  ignored (crowd) ground truth only when no regular one qualifies; a detection matched to a
  crowd region is ignored, not counted as a false positive (its IoU with a crowd region is
  the intersection over the *detection's* area, and a crowd region can absorb many
  detections);
- per category, detections of all videos are pooled in score order; precision is made
  monotone (the maximum precision at any higher recall) and read at 101 recall points
  0:0.01:1 (0 beyond the largest recall reached);
- AP is the mean over thresholds and over the categories that have (non-crowd) ground
  truth; AP50 / AP75 at a single threshold; AR_k the mean over thresholds and categories
  of the recall reached with at most k detections per video (and category).

Inputs are in the YouTube-VIS formats: the ground truth as the annotation JSON (``videos``,
``annotations``, ``categories``) and the predictions as the results JSON list of
``{"video_id", "category_id", "segmentations": [RLE or null per frame], "score"}``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pycocotools import mask as mask_utils

from benchmark.errors import DataError
from tasks.vis import rle

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)
MAX_DETS = (1, 10, 100)


@dataclass(frozen=True)
class Track:
    """A ground-truth or predicted track: compressed RLE (or None) per frame."""

    video_id: int
    category_id: int
    segmentations: tuple
    score: float = 1.0
    iscrowd: bool = False


def spatiotemporal_iou(detections: Sequence[Track], ground_truth: Sequence[Track]) -> np.ndarray:
    """(D, G) IoU: sum over frames of intersections / sum over frames of unions.

    Against a crowd ground truth the denominator is the detection's own area summed over
    frames (COCO's crowd rule).  A pair with an empty union has IoU 0.
    """
    d, g = len(detections), len(ground_truth)
    if d == 0 or g == 0:
        return np.zeros((d, g))
    frames = len(detections[0].segmentations)
    inter = np.zeros((d, g))
    area_d = np.zeros(d)
    area_g = np.zeros(g)
    for t in range(frames):
        dets = [x.segmentations[t] for x in detections]
        gts = [x.segmentations[t] for x in ground_truth]
        a_d, a_g = rle.areas(dets).astype(float), rle.areas(gts).astype(float)
        area_d += a_d
        area_g += a_g
        rows = [i for i in range(d) if a_d[i] > 0]
        cols = [j for j in range(g) if a_g[j] > 0]
        if not rows or not cols:
            continue
        # With every ground truth flagged as crowd, pycocotools returns intersection / area(det);
        # multiplying back by the detection's area recovers the exact intersection count.
        ratio = np.asarray(mask_utils.iou([dets[i] for i in rows], [gts[j] for j in cols], [1] * len(cols)))
        inter[np.ix_(rows, cols)] += np.rint(ratio.reshape(len(rows), len(cols)) * a_d[rows, None])
    crowd = np.array([x.iscrowd for x in ground_truth], dtype=bool)
    union = np.where(crowd[None, :], area_d[:, None], area_d[:, None] + area_g[None, :] - inter)
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


@dataclass
class _Matches:
    """Greedy matching of one video and category (detections cut to the largest max_dets)."""

    scores: np.ndarray  # (D,)
    matched: np.ndarray  # (thresholds, D) bool
    ignored: np.ndarray  # (thresholds, D) bool
    num_gt: int  # non-ignored ground truth


def match(detections: Sequence[Track], ground_truth: Sequence[Track], max_det: int = MAX_DETS[-1]) -> _Matches:
    """Match detections (any order) to ground truth of one video and category at every threshold."""
    dets = sorted(detections, key=lambda x: -x.score)[:max_det]
    gts = sorted(ground_truth, key=lambda x: x.iscrowd)  # regular ground truth first
    ious = spatiotemporal_iou(dets, gts)
    crowd = np.array([g.iscrowd for g in gts], dtype=bool)
    matched = np.zeros((len(IOU_THRESHOLDS), len(dets)), dtype=bool)
    ignored = np.zeros_like(matched)
    for k, threshold in enumerate(IOU_THRESHOLDS):
        taken = np.zeros(len(gts), dtype=bool)
        for i in range(len(dets)):
            best, chosen = min(threshold, 1 - 1e-10), -1
            for j in range(len(gts)):
                if taken[j] and not crowd[j]:
                    continue
                if chosen > -1 and not crowd[chosen] and crowd[j]:
                    break  # a regular match beats any crowd region (crowd sorted last)
                if ious[i, j] < best:
                    continue
                best, chosen = ious[i, j], j
            if chosen > -1:
                taken[chosen] = True
                matched[k, i] = True
                ignored[k, i] = crowd[chosen]
    return _Matches(np.array([d.score for d in dets], dtype=float), matched, ignored, int((~crowd).sum()))


def precision_recall(matches: Sequence[_Matches], max_det: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Interpolated precision (thresholds, 101) and recall (thresholds,) of one category
    pooled over videos with at most ``max_det`` detections per video; None without ground truth."""
    num_gt = sum(m.num_gt for m in matches)
    if num_gt == 0:
        return None
    scores = np.concatenate([m.scores[:max_det] for m in matches])
    order = np.argsort(-scores, kind="mergesort")
    matched = np.concatenate([m.matched[:, :max_det] for m in matches], axis=1)[:, order]
    ignored = np.concatenate([m.ignored[:, :max_det] for m in matches], axis=1)[:, order]
    tp = np.cumsum(matched & ~ignored, axis=1, dtype=float)
    fp = np.cumsum(~matched & ~ignored, axis=1, dtype=float)
    precision = np.zeros((len(IOU_THRESHOLDS), len(RECALL_POINTS)))
    recall = np.zeros(len(IOU_THRESHOLDS))
    for k in range(len(IOU_THRESHOLDS)):
        if tp.shape[1] == 0:
            continue
        rc = tp[k] / num_gt
        pr = tp[k] / np.maximum(tp[k] + fp[k], np.finfo(float).eps)
        recall[k] = rc[-1]
        pr = np.maximum.accumulate(pr[::-1])[::-1]  # best precision at this or higher recall
        at = np.searchsorted(rc, RECALL_POINTS, side="left")
        inside = at < len(rc)
        precision[k, inside] = pr[at[inside]]
    return precision, recall


@dataclass
class VisEvaluation:
    """Per-category interpolated precision and recall at each max-detections setting."""

    category_ids: list[int]
    precision: dict[int, dict[int, np.ndarray]]  # max_det -> category -> (thresholds, 101)
    recall: dict[int, dict[int, np.ndarray]]  # max_det -> category -> (thresholds,)

    def _ap(self, threshold: int | None = None, category: int | None = None) -> float:
        cats = [category] if category is not None else self.category_ids
        table = self.precision[MAX_DETS[-1]]
        values = [table[c] if threshold is None else table[c][threshold] for c in cats if c in table]
        return float(np.mean(values)) if values else float("nan")

    def _ar(self, max_det: int) -> float:
        values = list(self.recall[max_det].values())
        return float(np.mean(values)) if values else float("nan")

    def category_ap(self) -> dict[int, float]:
        """AP of every category that has ground truth."""
        return {c: self._ap(category=c) for c in self.category_ids if c in self.precision[MAX_DETS[-1]]}

    def summary(self) -> dict[str, float]:
        """``AP``, ``AP50``, ``AP75``, ``AR1``, ``AR10`` (NaN when there is no ground truth)."""
        return {
            "AP": self._ap(),
            "AP50": self._ap(threshold=0),
            "AP75": self._ap(threshold=5),
            "AR1": self._ar(1),
            "AR10": self._ar(10),
        }


def evaluate_tracks(ground_truth: Sequence[Track], detections: Sequence[Track], category_ids: Sequence[int]) -> VisEvaluation:
    """AP/AR of ``detections`` against ``ground_truth`` (already parsed tracks)."""
    gts: dict[tuple[int, int], list[Track]] = defaultdict(list)
    dts: dict[tuple[int, int], list[Track]] = defaultdict(list)
    for track in ground_truth:
        gts[(track.video_id, track.category_id)].append(track)
    for track in detections:
        dts[(track.video_id, track.category_id)].append(track)
    per_category: dict[int, list[_Matches]] = defaultdict(list)
    for key in sorted(set(gts) | set(dts)):
        per_category[key[1]].append(match(dts.get(key, []), gts.get(key, [])))
    precision: dict[int, dict[int, np.ndarray]] = {m: {} for m in MAX_DETS}
    recall: dict[int, dict[int, np.ndarray]] = {m: {} for m in MAX_DETS}
    for category in category_ids:
        for max_det in MAX_DETS:
            curves = precision_recall(per_category.get(category, []), max_det)
            if curves is not None:
                precision[max_det][category], recall[max_det][category] = curves
    return VisEvaluation(list(category_ids), precision, recall)


def _video_shapes(ground_truth: dict) -> dict[int, tuple[int, int, int]]:
    shapes = {}
    for k, video in enumerate(ground_truth.get("videos", [])):
        try:
            shapes[int(video["id"])] = (len(video["file_names"]), int(video["height"]), int(video["width"]))
        except (KeyError, TypeError, ValueError):
            raise DataError(f"ground truth videos[{k}]: needs 'id', 'file_names', 'height', 'width'") from None
    return shapes


def _parse(entry: dict, shapes: dict, where: str, prediction: bool) -> Track:
    for key in ("video_id", "category_id", "segmentations") + (("score",) if prediction else ()):
        if key not in entry:
            raise DataError(f"{where}: required field {key!r} is missing")
    video_id = entry["video_id"]
    if video_id not in shapes:
        raise DataError(f"{where}: field 'video_id': no video {video_id!r} in the ground truth")
    length, height, width = shapes[video_id]
    segs = entry["segmentations"]
    if not isinstance(segs, list) or len(segs) != length:
        raise DataError(f"{where}: field 'segmentations' must have one entry per frame ({length})")
    compressed = tuple(rle.to_compressed(s, height, width, f"{where}: segmentations[{t}]") for t, s in enumerate(segs))
    return Track(video_id, int(entry["category_id"]), compressed,
                 float(entry.get("score", 1.0)), bool(entry.get("iscrowd", 0)))


def evaluate(ground_truth: dict, results: list[dict]) -> VisEvaluation:
    """Evaluate results (the YouTube-VIS results JSON list) against annotations (the
    YouTube-VIS annotation JSON as a dict); ``.summary()`` gives AP, AP50, AP75, AR1, AR10."""
    shapes = _video_shapes(ground_truth)
    gts = [_parse(a, shapes, f"ground truth annotations[{k}]", False)
           for k, a in enumerate(ground_truth.get("annotations", []))]
    dts = [_parse(r, shapes, f"results[{k}]", True) for k, r in enumerate(results)]
    categories = [int(c["id"]) for c in ground_truth.get("categories", [])]
    return evaluate_tracks(gts, dts, categories)
