"""MoCA metrics as the camouflage-AVOS literature reports them: mean IoU and success rates.

The protocol of the MoCA evaluation (Lamdouar et al., "Betrayed by Motion", ACCV 2020; its
script ``tools/MoCA_eval.py`` in charigyang/motiongrouping, Yang et al. ICCV 2021):

- every annotated frame gets an IoU between prediction and ground truth;
- **mIoU** (the script's ``Js``) is the mean over sequences of each sequence's mean IoU;
- **success rate** ``SR_t`` is the fraction of all annotated frames, pooled over sequences,
  whose IoU is *above* t, for t in 0.5, 0.6, 0.7, 0.8, 0.9; ``sr_mean`` is their mean.

MoCA was annotated with boxes, so the script's IoU is a *box* IoU: the prediction's box is
the bounding rectangle of the outer contour with the largest bounding-rectangle area (0 when
the prediction is empty), the ground truth's box the annotated one.  Here the ground truth is
a mask (MoCA-Mask), so:

- ``iou="mask"`` (default): the mask IoU J of :func:`tasks.avos.metrics.region_similarity`;
- ``iou="box"``: the script's box rule for the prediction against the tight box of the
  ground-truth mask (frames with an empty ground truth are not scored, as the script skips
  frames without a box).

The script's foreground/background guess (inverting a mask whose border is mostly
foreground) and its 0.1 threshold of soft masks serve unlabelled soft outputs; predictions
here are binary foreground masks, so neither applies.  The frames scored are every frame
given (no first/last-frame rule).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from benchmark.api.intervals import (
    REPLICATES,
    Estimate,
    percentile_estimate,
    unit_weights,
    weighted_means,
    weighted_ratios,
)
from benchmark.api.metric import Metric
from benchmark.registry import Registry
from tasks.avos.metrics import region_similarity

SUCCESS_THRESHOLDS: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 (x1, y1 exclusive)


def success_key(threshold: float) -> str:
    """The summary key of a success rate: ``sr50`` for 0.5."""
    return f"sr{round(threshold * 100):d}"


def largest_region_box(mask: np.ndarray) -> Box | None:
    """The bounding rectangle of the outer contour whose rectangle is largest (the first
    such contour on ties), as the MoCA script boxes a predicted mask; None when empty."""
    contours = cv2.findContours(np.asarray(mask, dtype=np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
    best, area = None, 0
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w * h > area:
            best, area = (float(x), float(y), float(x + w), float(y + h)), w * h
    return best


def tight_box(mask: np.ndarray) -> Box | None:
    """The smallest box holding every pixel of ``mask``; None when it is empty."""
    rows, cols = np.nonzero(np.asarray(mask, dtype=bool))
    if rows.size == 0:
        return None
    return float(cols.min()), float(rows.min()), float(cols.max() + 1), float(rows.max() + 1)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (areas ``(x1 - x0) * (y1 - y0)``)."""
    inter = max(min(a[2], b[2]) - max(a[0], b[0]), 0.0) * max(min(a[3], b[3]) - max(a[1], b[1]), 0.0)
    if inter == 0:
        return 0.0
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union)


def box_similarity(prediction: np.ndarray, truth: np.ndarray) -> float | None:
    """The MoCA script's box IoU of a predicted mask against a ground-truth mask's box;
    None when the ground truth is empty (no box: the frame is not scored)."""
    truth_box = tight_box(truth)
    if truth_box is None:
        return None
    box = largest_region_box(prediction)
    return 0.0 if box is None else box_iou(box, truth_box)


IOU_KINDS: Registry[Callable[[np.ndarray, np.ndarray], float | None]] = Registry("MoCA IoU kind")
IOU_KINDS.register("mask", region_similarity)
IOU_KINDS.register("box", box_similarity)


class MocaMeter(Metric):
    """Per-frame IoU by sequence; :meth:`compute` gives mIoU and the success rates
    (sequences in name order, so merged meters give exactly the numbers of one)."""

    def __init__(self, iou: str = "mask") -> None:
        super().__init__()
        self.iou_kind = iou
        self._iou = IOU_KINDS.get(iou)
        self.add_state("scores", {}, "union")  # sequence -> frame -> IoU

    @property
    def count(self) -> int:
        """Number of sequences scored."""
        return len(self.scores)

    def update(self, sequence: str, prediction: np.ndarray, truth: np.ndarray, *, frame: int | None = None) -> float | None:
        """Score one frame; returns its IoU (None: not scored, see the module docstring)."""
        value = self._iou(np.asarray(prediction, bool), np.asarray(truth, bool))
        if value is not None:
            self.record(sequence, value, frame=frame)
        return value

    def record(self, sequence: str, iou: float, *, frame: int | None = None) -> None:
        """Add a frame's IoU (``frame`` defaults to the next index of the sequence)."""
        frames = self.scores.setdefault(sequence, {})
        frame = len(frames) if frame is None else int(frame)
        if frame < 0 or frame in frames:
            raise ValueError(f"sequence {sequence!r}: frame {frame} is negative or scored twice")
        frames[frame] = float(iou)

    def _table(self) -> tuple[list[str], list[np.ndarray]]:
        names = [name for name in sorted(self.scores) if self.scores[name]]
        return names, [np.fromiter(self.scores[n].values(), dtype=np.float64) for n in names]

    def compute(self) -> dict[str, float]:
        """``miou``, ``sr50`` .. ``sr90`` and ``sr_mean``; empty when nothing was scored."""
        names, values = self._table()
        if not names:
            return {}
        pooled = np.concatenate(values)
        out = {"miou": float(np.mean([v.mean() for v in values]))}
        rates = [float((pooled > t).mean()) for t in SUCCESS_THRESHOLDS]
        out.update({success_key(t): r for t, r in zip(SUCCESS_THRESHOLDS, rates, strict=True)})
        out["sr_mean"] = float(np.mean(rates))
        return out

    def intervals(self, seed: int = 0, replicates: int = REPLICATES) -> dict[str, Estimate]:
        """95 % bootstrap intervals of ``miou`` and ``sr_mean`` over sequences."""
        names, values = self._table()
        if not names:
            return {}
        weights = unit_weights(seed, names, replicates)
        summary = self.compute()
        counts = np.array([len(v) for v in values], dtype=np.float64)
        successes = np.array([[(v > t).sum() for t in SUCCESS_THRESHOLDS] for v in values], dtype=np.float64)
        rates = np.stack([weighted_ratios(successes[:, k], counts, weights) for k in range(len(SUCCESS_THRESHOLDS))])
        return {
            "miou": percentile_estimate(summary["miou"], weighted_means(np.array([v.mean() for v in values]), weights)),
            "sr_mean": percentile_estimate(summary["sr_mean"], rates.mean(axis=0)),
        }

    def merge(self, other: MocaMeter) -> MocaMeter:
        """Add ``other``'s sequences (same IoU kind; a sequence may not be in both); returns self."""
        if other.iou_kind != self.iou_kind:
            raise ValueError(f"cannot merge MoCA meters of IoU kinds {self.iou_kind!r} and {other.iou_kind!r}")
        return super().merge(other)
