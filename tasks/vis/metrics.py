"""Video instance segmentation AP/AR, as the official YouTube-VIS evaluation computes them.

The official evaluation is youtubevos/cocoapi ``PythonAPI/pycocotools/ytvoseval.py``
(``YTVOSeval``) with ``ytvos.py`` (``YTVOS.loadRes``): COCO's evaluation with tracks in
place of image instances.  What it does, and what this module reproduces:

- **IoU** of a detection and a ground-truth track (``computeIoU``/``iou_seq``): the sum over
  frames of the per-frame intersections divided by the sum over frames of the per-frame
  unions (0 when the union is empty).  It is the same plain IoU against ``iscrowd`` tracks:
  the crowd-aware ``maskUtils.iou(d, g, iscrowd)`` call is commented out, so COCO's crowd
  rule (intersection over the detection's area) is *not* applied.
- **Matching** (``evaluateVid``): per video and category, detections sorted by score and cut
  to the largest ``maxDets`` (100); ground truth that is ``iscrowd`` or outside the area range
  is *ignored* and sorted last.  At each IoU threshold 0.50:0.05:0.95 each detection, in
  score order, takes the unmatched ground truth of highest IoU at or above the threshold,
  preferring ignored ground truth only when no regular one qualifies; a crowd track can
  absorb many detections.  A detection matched to ignored ground truth is ignored, and so is
  an unmatched detection whose area is outside the area range.
- **Areas** (``_prepare``): a track's area is the mean of its per-frame areas over the frames
  where it is present (null and zero areas left out; 0 when never present).  The ground
  truth's per-frame areas are the annotation file's ``areas`` field (YouTube-VIS files store
  the mask areas there; we compute them from the masks when the field is absent), a
  detection's are its mask areas.  Ranges: all [0, 1e5^2], small [0, 128^2], medium
  [128^2, 256^2], large [256^2, 1e5^2], both ends inclusive.
- **Accumulation** (``accumulate``): per category, area range and max-detections setting,
  detections of all videos are pooled in score order (stable sort); precision
  ``tp / (tp + fp)`` is made monotone (the best precision at this or any higher recall)
  and read at 101 recall points 0:0.01:1 (0 beyond the largest recall reached); recall is
  the largest recall reached.  A category without (non-ignored) ground truth is -1 and left
  out of the means.  (The official precision is ``tp / (tp + fp + eps)``, which makes a
  perfect score 1 - 2e-16; ours divides by ``max(tp + fp, eps)`` and gives 1.)
- **Summary** (``summarize``): AP (mean over thresholds, recall points and categories), AP50,
  AP75, APs/APm/APl (area ranges), AR1/AR10/AR100 (recall with at most 1/10/100 detections
  per video and category) and ARs/ARm/ARl.  A value with no category to average is -1 there;
  here it is NaN, and callers report it as absent.
- **Annotation ids**: the official code records matches by annotation id and tests them
  with ``> 0``, so a detection matched to a ground truth of id 0 counts as unmatched (a
  false positive).  Official annotation files number from 1, so this never arises there;
  we match by position and never look at ids.

Inputs are in the YouTube-VIS formats: the ground truth as the annotation JSON (``videos``,
``annotations``, ``categories``) and the predictions as the results JSON list of
``{"video_id", "category_id", "segmentations": [RLE or null per frame], "score"}``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from pycocotools import mask as mask_utils

from benchmark.api.intervals import REPLICATES, Estimate, percentile_estimate, unit_weights
from benchmark.errors import DataError
from tasks.vis import rle

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)
MAX_DETS = (1, 10, 100)
AREA_RANGES: dict[str, tuple[float, float]] = {
    "all": (0.0, 1e5 ** 2), "small": (0.0, 128.0 ** 2), "medium": (128.0 ** 2, 256.0 ** 2), "large": (256.0 ** 2, 1e5 ** 2),
}
# Summary key -> (AP or AR, IoU threshold index or None for all, area range, max detections).
SUMMARY: dict[str, tuple[str, int | None, str, int]] = {
    "AP": ("AP", None, "all", 100), "AP50": ("AP", 0, "all", 100), "AP75": ("AP", 5, "all", 100),
    "APs": ("AP", None, "small", 100), "APm": ("AP", None, "medium", 100), "APl": ("AP", None, "large", 100),
    "AR1": ("AR", None, "all", 1), "AR10": ("AR", None, "all", 10), "AR100": ("AR", None, "all", 100),
    "ARs": ("AR", None, "small", 100), "ARm": ("AR", None, "medium", 100), "ARl": ("AR", None, "large", 100),
}
#: The summary values given bootstrap intervals over videos (the all-area ones).
INTERVAL_KEYS = ("AP", "AP50", "AP75", "AR1", "AR10", "AR100")


@dataclass(frozen=True)
class Track:
    """A ground-truth or predicted track: compressed RLE (or None) per frame; ``areas`` the
    per-frame areas given by an annotation file (None: the masks' areas)."""

    video_id: int
    category_id: int
    segmentations: tuple
    score: float = 1.0
    iscrowd: bool = False
    areas: tuple | None = None

    def average_area(self) -> float:
        """Mean area over the frames where the track is present (null and 0 left out)."""
        areas = self.areas if self.areas is not None else rle.areas(list(self.segmentations)).tolist()
        present = [a for a in areas if a]
        return float(np.mean(present)) if present else 0.0


def spatiotemporal_iou(detections: Sequence[Track], ground_truth: Sequence[Track]) -> np.ndarray:
    """(D, G) IoU: sum over frames of intersections / sum over frames of unions (0 when the
    union is empty); crowd tracks are compared the same way."""
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
    union = area_d[:, None] + area_g[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


@dataclass
class _Matches:
    """Greedy matching of one video and category in one area range (detections in score
    order, cut to the largest max_dets)."""

    scores: np.ndarray  # (D,)
    matched: np.ndarray  # (thresholds, D) bool
    ignored: np.ndarray  # (thresholds, D) bool
    num_gt: int  # non-ignored ground truth


def match(
    ious: np.ndarray, scores: np.ndarray, crowd: np.ndarray, gt_ignore: np.ndarray, det_outside: np.ndarray,
) -> _Matches:
    """Match detections (rows of ``ious``, already in score order) to ground truth at every
    threshold; ``gt_ignore`` marks crowd or out-of-range ground truth, ``det_outside``
    detections outside the area range (ignored when unmatched)."""
    order = np.argsort(gt_ignore, kind="mergesort")  # regular ground truth first
    ious, crowd, ignore = ious[:, order], crowd[order], gt_ignore[order]
    d, g = ious.shape
    matched = np.zeros((len(IOU_THRESHOLDS), d), dtype=bool)
    ignored = np.zeros_like(matched)
    for k, threshold in enumerate(IOU_THRESHOLDS):
        taken = np.zeros(g, dtype=bool)
        for i in range(d):
            best, chosen = min(threshold, 1 - 1e-10), -1
            for j in range(g):
                if taken[j] and not crowd[j]:
                    continue
                if chosen > -1 and not ignore[chosen] and ignore[j]:
                    break  # a regular match beats any ignored ground truth (sorted last)
                if ious[i, j] < best:
                    continue
                best, chosen = ious[i, j], j
            if chosen > -1:
                taken[chosen] = True
                matched[k, i] = True
                ignored[k, i] = ignore[chosen]
    ignored |= ~matched & det_outside[None, :]
    return _Matches(np.asarray(scores, dtype=float), matched, ignored, int((~gt_ignore).sum()))


def _pooled(matches: Sequence[_Matches], max_det: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score-ordered (stable) true- and false-positive flags (thresholds, N) and the column
    order of the pooled detections of ``matches`` with at most ``max_det`` per video."""
    scores = np.concatenate([m.scores[:max_det] for m in matches]) if matches else np.zeros(0)
    order = np.argsort(-scores, kind="mergesort")
    thresholds = len(IOU_THRESHOLDS)
    matched = np.concatenate([m.matched[:, :max_det] for m in matches], axis=1) if matches else np.zeros((thresholds, 0), bool)
    ignored = np.concatenate([m.ignored[:, :max_det] for m in matches], axis=1) if matches else np.zeros((thresholds, 0), bool)
    matched, ignored = matched[:, order], ignored[:, order]
    return matched & ~ignored, ~matched & ~ignored, order


def _interpolated(tp: np.ndarray, fp: np.ndarray, num_gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interpolated precision (..., 101) and recall (...) from cumulative tp/fp (..., N)
    and the ground-truth count (broadcast to tp's leading shape); COCO's rules."""
    lead, n = tp.shape[:-1], tp.shape[-1]
    if n == 0:
        return np.zeros((*lead, len(RECALL_POINTS))), np.zeros(lead)
    rc = tp / num_gt[..., None]
    pr = tp / np.maximum(tp + fp, np.finfo(float).eps)  # official: tp / (tp + fp + eps), 1 ulp apart
    pr = np.maximum.accumulate(pr[..., ::-1], axis=-1)[..., ::-1]  # best precision at this or higher recall
    rows = int(np.prod(lead))
    rc2, pr2 = rc.reshape(rows, n), pr.reshape(rows, n)
    # One searchsorted for all rows: recall lies in [0, 1], so shifting row r by 2r keeps the
    # flattened array sorted and each query inside its own row.
    shift = 2.0 * np.arange(rows)[:, None]
    at = np.searchsorted((rc2 + shift).ravel(), (RECALL_POINTS[None, :] + shift).ravel(), side="left")
    at = at.reshape(rows, len(RECALL_POINTS)) - n * np.arange(rows)[:, None]
    inside = at < n
    precision = np.where(inside, np.take_along_axis(pr2, np.minimum(at, n - 1), axis=1), 0.0)
    return precision.reshape(*lead, len(RECALL_POINTS)), rc[..., -1]


def precision_recall(matches: Sequence[_Matches], max_det: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Interpolated precision (thresholds, 101) and recall (thresholds,) of one category
    pooled over videos with at most ``max_det`` detections per video; None without ground truth."""
    num_gt = sum(m.num_gt for m in matches)
    if num_gt == 0:
        return None
    tp_flags, fp_flags, _ = _pooled(matches, max_det)
    tp = np.cumsum(tp_flags, axis=1, dtype=float)
    fp = np.cumsum(fp_flags, axis=1, dtype=float)
    return _interpolated(tp, fp, np.full(len(IOU_THRESHOLDS), float(num_gt)))


def _weighted_pool(
    matches: Sequence[_Matches], units: np.ndarray, weights: np.ndarray, max_det: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pooled tp/fp flags (thresholds, N), each pooled detection's unit (N,) and the weighted
    ground-truth count per replicate (R,)."""
    tp_flags, fp_flags, order = _pooled(matches, max_det)
    if not matches:
        return tp_flags, fp_flags, np.zeros(0, dtype=int), np.zeros(weights.shape[0])
    det_unit = np.concatenate([np.full(min(len(m.scores), max_det), u) for m, u in zip(matches, units, strict=True)])
    num_gt = weights[:, units] @ np.array([m.num_gt for m in matches], dtype=float)
    return tp_flags, fp_flags, det_unit[order], num_gt


def weighted_precision_recall(
    matches: Sequence[_Matches], units: np.ndarray, weights: np.ndarray, max_det: int, chunk: int = 32,
) -> tuple[np.ndarray, np.ndarray]:
    """Per replicate, precision (R, thresholds, 101) and recall (R, thresholds) of one
    category when video ``units[i]`` of ``matches[i]`` counts ``weights[r, units[i]]`` times:
    weighted cumulative true/false positives and a weighted ground-truth count, so a replicate
    equals the evaluation of the data set with each video repeated, the copies of a detection
    ranked next to each other (among equal scores the official order is the order of the
    videos, which repeating makes arbitrary).  NaN where a replicate has no ground truth."""
    thresholds = len(IOU_THRESHOLDS)
    tp_flags, fp_flags, det_unit, num_gt = _weighted_pool(matches, units, weights, max_det)
    precision = np.full((weights.shape[0], thresholds, len(RECALL_POINTS)), np.nan)
    recall = np.full((weights.shape[0], thresholds), np.nan)
    present = np.flatnonzero(num_gt > 0)
    for start in range(0, len(present), chunk):
        rows = present[start:start + chunk]
        w = weights[rows][:, det_unit][:, None, :]  # (r, 1, N)
        tp = np.cumsum(w * tp_flags[None], axis=2)
        fp = np.cumsum(w * fp_flags[None], axis=2)
        gt = np.broadcast_to(num_gt[rows, None], (len(rows), thresholds))
        precision[rows], recall[rows] = _interpolated(tp, fp, gt)
    return precision, recall


def weighted_recall(matches: Sequence[_Matches], units: np.ndarray, weights: np.ndarray, max_det: int) -> np.ndarray:
    """The recall of :func:`weighted_precision_recall` alone, (R, thresholds): weighted true
    positives over the weighted ground-truth count."""
    tp_flags, _, det_unit, num_gt = _weighted_pool(matches, units, weights, max_det)
    found = weights[:, det_unit] @ tp_flags.T.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(num_gt[:, None] > 0, found / np.where(num_gt > 0, num_gt, 1.0)[:, None], np.nan)


@dataclass
class VisEvaluation:
    """Per-category interpolated precision and recall per (area range, max detections), and
    the per-video matches behind them (for bootstrap intervals over videos)."""

    category_ids: list[int]
    precision: dict[tuple[str, int], dict[int, np.ndarray]]  # (area, max_det) -> category -> (thresholds, 101)
    recall: dict[tuple[str, int], dict[int, np.ndarray]]  # (area, max_det) -> category -> (thresholds,)
    matches: dict[int, list[tuple[int, _Matches]]] = field(default_factory=dict)  # category -> [(video, all-area matches)]
    video_keys: dict[int, str | int] = field(default_factory=dict)  # video id -> bootstrap unit key

    def _value(self, kind: str, threshold: int | None, area: str, max_det: int, category: int | None = None) -> float:
        table = (self.precision if kind == "AP" else self.recall)[(area, max_det)]
        cats = [category] if category is not None else self.category_ids
        values = [table[c] if threshold is None else table[c][threshold] for c in cats if c in table]
        return float(np.mean(values)) if values else math.nan

    def category_ap(self) -> dict[int, float]:
        """AP of every category that has ground truth."""
        return {c: self._value("AP", None, "all", MAX_DETS[-1], c) for c in self.category_ids
                if c in self.precision[("all", MAX_DETS[-1])]}

    def summary(self) -> dict[str, float]:
        """AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl (the official
        summary); NaN where the official evaluation gives -1 (nothing to average)."""
        return {key: self._value(*spec) for key, spec in SUMMARY.items()}

    def group_ap(self, groups: Mapping[str, Sequence[int]]) -> dict[str, float]:
        """``{group: AP of the group}``: the mean AP of the group's categories that have
        ground truth, as the overall AP is the mean over all of them (a singleton group is
        one category's AP); a group with none is left out."""
        point = self.category_ap()
        return {name: float(np.mean([point[c] for c in ids if c in point]))
                for name, ids in groups.items() if any(c in point for c in ids)}

    def intervals(self, seed: int = 0, replicates: int = REPLICATES,
                  groups: Mapping[str, Sequence[int]] | None = None) -> dict[str, Estimate]:
        """95 % bootstrap intervals over videos of AP, AP50, AP75, AR1, AR10 and AR100 (see
        :func:`weighted_precision_recall`) and of each of ``groups``' AP (:meth:`group_ap`),
        keyed by the group's name, from the same replicates; empty without ground truth."""
        summary = self.summary()
        if math.isnan(summary["AP"]):
            return {}
        per_category = self._replicates(seed, replicates)
        out = {key: percentile_estimate(summary[key], _mean_present([v[key] for v in per_category.values()]))
               for key in INTERVAL_KEYS}
        for name, value in self.group_ap(groups or {}).items():
            out[name] = percentile_estimate(
                value, _mean_present([per_category[c]["AP"] for c in groups[name] if c in per_category]))
        return out

    def _replicates(self, seed: int, replicates: int) -> dict[int, dict[str, np.ndarray]]:
        """Per category, the bootstrap replicates (R,) of its AP, AP50, AP75 and AR1/10/100
        (NaN where a replicate has no ground truth of it)."""
        videos = sorted({v for pairs in self.matches.values() for v, _ in pairs})
        column = {v: k for k, v in enumerate(videos)}
        weights = unit_weights(seed, [self.video_keys.get(v, v) for v in videos], replicates)
        out = {}
        for category in self.category_ids:
            pairs = self.matches.get(category, [])
            units = np.array([column[v] for v, _ in pairs], dtype=int)
            found = [m for _, m in pairs]
            precision, _ = weighted_precision_recall(found, units, weights, MAX_DETS[-1])
            values = {"AP": precision.mean(axis=(1, 2)), "AP50": precision[:, 0].mean(axis=1),
                      "AP75": precision[:, 5].mean(axis=1)}
            for max_det in MAX_DETS:
                values[f"AR{max_det}"] = weighted_recall(found, units, weights, max_det).mean(axis=1)
            out[category] = values
        return out


def _mean_present(per_category: list[np.ndarray]) -> np.ndarray:
    """Per replicate, the mean over the categories that have ground truth (NaN if none)."""
    stacked = np.stack(per_category)
    present = np.isfinite(stacked)
    count = present.sum(axis=0)
    total = np.where(present, stacked, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def evaluate_tracks(
    ground_truth: Sequence[Track], detections: Sequence[Track], category_ids: Sequence[int],
    video_keys: Mapping[int, str | int] | None = None,
) -> VisEvaluation:
    """AP/AR of ``detections`` against ``ground_truth`` (already parsed tracks);
    ``video_keys`` name the videos for bootstrap weights (default: their ids)."""
    gts: dict[tuple[int, int], list[Track]] = defaultdict(list)
    dts: dict[tuple[int, int], list[Track]] = defaultdict(list)
    for track in ground_truth:
        gts[(track.video_id, track.category_id)].append(track)
    for track in detections:
        dts[(track.video_id, track.category_id)].append(track)
    per_category: dict[tuple[str, int], list[_Matches]] = defaultdict(list)
    by_video: dict[int, list[tuple[int, _Matches]]] = defaultdict(list)
    for key in sorted(set(gts) | set(dts)):
        dets = sorted(dts.get(key, []), key=lambda x: -x.score)[:MAX_DETS[-1]]
        truth = gts.get(key, [])
        ious = spatiotemporal_iou(dets, truth)
        scores = np.array([x.score for x in dets], dtype=float)
        crowd = np.array([g.iscrowd for g in truth], dtype=bool)
        gt_area = np.array([g.average_area() for g in truth])
        det_area = np.array([x.average_area() for x in dets])
        for area, bounds in AREA_RANGES.items():
            gt_out = (gt_area < bounds[0]) | (gt_area > bounds[1])
            det_out = (det_area < bounds[0]) | (det_area > bounds[1])
            found = match(ious, scores, crowd, crowd | gt_out, det_out)
            per_category[(area, key[1])].append(found)
            if area == "all":
                by_video[key[1]].append((key[0], found))
    precision: dict[tuple[str, int], dict[int, np.ndarray]] = {}
    recall: dict[tuple[str, int], dict[int, np.ndarray]] = {}
    for area in AREA_RANGES:
        for max_det in MAX_DETS:
            precision[(area, max_det)], recall[(area, max_det)] = {}, {}
            for category in category_ids:
                curves = precision_recall(per_category.get((area, category), []), max_det)
                if curves is not None:
                    precision[(area, max_det)][category], recall[(area, max_det)][category] = curves
    return VisEvaluation(list(category_ids), precision, recall, dict(by_video), dict(video_keys or {}))


def _video_shapes(ground_truth: dict) -> dict[int, tuple[int, int, int]]:
    shapes = {}
    for k, video in enumerate(ground_truth.get("videos", [])):
        try:
            shapes[int(video["id"])] = (len(video["file_names"]), int(video["height"]), int(video["width"]))
        except (KeyError, TypeError, ValueError):
            raise DataError(f"ground truth videos[{k}]: needs 'id', 'file_names', 'height', 'width'") from None
    return shapes


def _video_keys(ground_truth: dict) -> dict[int, str | int]:
    """Video id -> its name when every video has a distinct one (stable bootstrap keys)."""
    videos = ground_truth.get("videos", [])
    names = [v.get("name") for v in videos]
    if all(isinstance(n, str) for n in names) and len(set(names)) == len(names):
        return {int(v["id"]): n for v, n in zip(videos, names, strict=True)}
    return {}


def _areas(entry: dict, length: int, where: str) -> tuple | None:
    areas = entry.get("areas")
    if areas is None:
        return None
    if not isinstance(areas, list) or len(areas) != length or not all(
            a is None or (isinstance(a, (int, float)) and not isinstance(a, bool) and a >= 0) for a in areas):
        raise DataError(f"{where}: field 'areas' must list a non-negative number or null per frame ({length})")
    return tuple(areas)


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
    if prediction:  # detections: never crowd, areas from their masks (ytvos.loadRes)
        return Track(video_id, int(entry["category_id"]), compressed, float(entry["score"]))
    return Track(video_id, int(entry["category_id"]), compressed, 1.0, bool(entry.get("iscrowd", 0)),
                 _areas(entry, length, where))


def evaluate(ground_truth: dict, results: list[dict]) -> VisEvaluation:
    """Evaluate results (the YouTube-VIS results JSON list) against annotations (the
    YouTube-VIS annotation JSON as a dict); ``.summary()`` gives the official summary."""
    shapes = _video_shapes(ground_truth)
    gts = [_parse(a, shapes, f"ground truth annotations[{k}]", False)
           for k, a in enumerate(ground_truth.get("annotations", []))]
    dts = [_parse(r, shapes, f"results[{k}]", True) for k, r in enumerate(results)]
    categories = [int(c["id"]) for c in ground_truth.get("categories", [])]
    return evaluate_tracks(gts, dts, categories, _video_keys(ground_truth))
