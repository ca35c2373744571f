"""AVOS metrics as in the DAVIS benchmark: region similarity J and boundary accuracy F.

- **J** is the intersection over union of predicted and ground-truth masks (1 when both
  are empty).
- **F** compares the masks' boundaries: a predicted boundary pixel is correct when a
  ground-truth boundary pixel lies within ``ceil(0.008 * image diagonal)`` pixels (a disk
  dilation), and vice versa; precision and recall give the F-measure (1 when both
  boundaries are empty, 0 when exactly one is).

Per sequence: the mean over its frames and the *recall*, the fraction of frames scoring
above 0.5.  Overall: the mean over sequences of those, and ``jf_mean = (j_mean + f_mean) / 2``.
Boundaries are the mask's own pixels that touch the background (4-neighbourhood); the
image border is not a boundary.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import cv2
import numpy as np

BOUNDARY_TOLERANCE = 0.008  # fraction of the image diagonal (DAVIS)
RECALL_THRESHOLD = 0.5


def _check_pair(prediction: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    prediction, truth = np.asarray(prediction, bool), np.asarray(truth, bool)
    if prediction.shape != truth.shape or prediction.ndim != 2:
        raise ValueError(f"masks must be 2-D and of one shape, got {prediction.shape} and {truth.shape}")
    return prediction, truth


def region_similarity(prediction: np.ndarray, truth: np.ndarray) -> float:
    """J: |P ∩ G| / |P ∪ G|; 1.0 when both masks are empty."""
    prediction, truth = _check_pair(prediction, truth)
    union = np.logical_or(prediction, truth).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(prediction, truth).sum() / union)


def boundary_map(mask: np.ndarray) -> np.ndarray:
    """Pixels of ``mask`` with a 4-neighbour outside it (the image border does not count)."""
    mask = np.asarray(mask, bool)
    padded = np.pad(mask, 1, mode="edge")
    inner = (
        padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    )
    return mask & ~inner


def boundary_tolerance(shape: tuple[int, int], fraction: float = BOUNDARY_TOLERANCE) -> int:
    """The matching distance in pixels: ``ceil(fraction * diagonal)``."""
    return int(math.ceil(fraction * math.hypot(shape[0], shape[1])))


def disk(radius: int) -> np.ndarray:
    """A (2r+1)^2 uint8 structuring element of the pixels within ``radius`` of the centre."""
    yy, xx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    return (xx * xx + yy * yy <= radius * radius).astype(np.uint8)


def _dilate(boundary: np.ndarray, radius: int) -> np.ndarray:
    if radius <= 0:
        return boundary
    return cv2.dilate(boundary.astype(np.uint8), disk(radius)).astype(bool)


def boundary_measure(
    prediction: np.ndarray, truth: np.ndarray, fraction: float = BOUNDARY_TOLERANCE
) -> tuple[float, float, float]:
    """``(F, precision, recall)`` of the predicted boundary against the ground truth's."""
    prediction, truth = _check_pair(prediction, truth)
    radius = boundary_tolerance(prediction.shape, fraction)
    pred_b, true_b = boundary_map(prediction), boundary_map(truth)
    n_pred, n_true = int(pred_b.sum()), int(true_b.sum())
    if n_pred == 0 and n_true == 0:
        return 1.0, 1.0, 1.0
    if n_pred == 0:
        return 0.0, 1.0, 0.0
    if n_true == 0:
        return 0.0, 0.0, 1.0
    precision = float((pred_b & _dilate(true_b, radius)).sum() / n_pred)
    recall = float((true_b & _dilate(pred_b, radius)).sum() / n_true)
    if precision + recall == 0:
        return 0.0, precision, recall
    return 2 * precision * recall / (precision + recall), precision, recall


def boundary_accuracy(prediction: np.ndarray, truth: np.ndarray, fraction: float = BOUNDARY_TOLERANCE) -> float:
    """F: the boundary F-measure (see :func:`boundary_measure`)."""
    return boundary_measure(prediction, truth, fraction)[0]


@dataclass
class SegmentationMeter:
    """Per-frame J and F grouped by sequence; :meth:`compute` gives the DAVIS summary."""

    j: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    f: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def update(self, sequence: str, prediction: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
        """Score one frame; returns its (J, F)."""
        j, f = region_similarity(prediction, truth), boundary_accuracy(prediction, truth)
        self.j[sequence].append(j)
        self.f[sequence].append(f)
        return j, f

    @property
    def frames(self) -> int:
        return sum(len(v) for v in self.j.values())

    def per_sequence(self) -> dict[str, dict[str, float]]:
        """``{sequence: {j_mean, j_recall, f_mean, f_recall}}``."""
        return {
            name: {**_summary("j", self.j[name]), **_summary("f", self.f[name])} for name in self.j
        }

    def compute(self) -> dict[str, float]:
        """Means over sequences of the per-sequence means and recalls, and ``jf_mean``;
        empty when nothing was scored."""
        table = self.per_sequence()
        if not table:
            return {}
        keys = ("j_mean", "j_recall", "f_mean", "f_recall")
        out = {key: float(np.mean([row[key] for row in table.values()])) for key in keys}
        out["jf_mean"] = (out["j_mean"] + out["f_mean"]) / 2
        return out


def _summary(prefix: str, scores: list[float]) -> dict[str, float]:
    values = np.asarray(scores, dtype=np.float64)
    return {f"{prefix}_mean": float(values.mean()), f"{prefix}_recall": float((values > RECALL_THRESHOLD).mean())}
