"""AVOS metrics as in the DAVIS benchmark: region similarity J and boundary accuracy F.

- **J** is the intersection over union of predicted and ground-truth masks (1 when both
  are empty), as ``db_eval_iou`` of the DAVIS toolkits.
- **F** compares the masks' boundaries, as ``db_eval_boundary`` / ``f_measure`` of the
  DAVIS toolkits (fperazzi/davis ``python/lib/davis/measures/f_boundary.py``,
  davisvideochallenge/davis2017-evaluation ``davis2017/metrics.py``): a predicted boundary
  pixel is correct when a ground-truth boundary pixel lies within ``ceil(0.008 * image
  diagonal)`` pixels (dilation by a disk of that radius), and vice versa; precision and
  recall give the F-measure (1 when both boundaries are empty, 0 when exactly one is).
- The **boundary** of a mask is the toolkits' ``seg2bmap``: a pixel is on it when it
  differs from its right, lower or lower-right neighbour (neighbours outside the image do
  not count), i.e. every 2x2 window that straddles the mask's edge marks its top-left
  pixel.  The boundary lies half a pixel up-left of the true edge and includes background
  pixels: an h x w block has 2h + 2w boundary pixels, an isolated pixel 4.

:class:`SegmentationMeter` keeps each sequence's per-frame J and F by frame index and
summarises them under an evaluation convention (:mod:`tasks.avos.conventions`): per
sequence the mean, recall and decay of the frames the convention keeps; overall the mean
over sequences of each, and ``jf_mean = (j_mean + f_mean) / 2``.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from benchmark.api.intervals import (
    REPLICATES,
    Estimate,
    percentile_estimate,
    unit_weights,
    weighted_means,
)
from benchmark.api.metric import Metric
from tasks.avos.conventions import DEFAULT_CONVENTION, get_convention, sequence_statistics

BOUNDARY_TOLERANCE = 0.008  # fraction of the image diagonal (DAVIS)
STATISTICS = ("mean", "recall", "decay")


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
    """The DAVIS boundary of ``mask``: pixels that differ from their right, lower or
    lower-right neighbour inside the image."""
    mask = np.asarray(mask, bool)
    edge = np.zeros_like(mask)
    edge[:, :-1] |= mask[:, :-1] != mask[:, 1:]
    edge[:-1, :] |= mask[:-1, :] != mask[1:, :]
    edge[:-1, :-1] |= mask[:-1, :-1] != mask[1:, 1:]
    return edge


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


class SegmentationMeter(Metric):
    """Per-frame J and F by sequence and frame; :meth:`compute` gives the DAVIS summary
    under ``convention`` (a name in :data:`tasks.avos.conventions.CONVENTIONS`).  Sequences
    are summarised in name order, so meters merged from several processes (each scoring
    whole sequences) give exactly the numbers of one meter."""

    def __init__(self, convention: str = DEFAULT_CONVENTION) -> None:
        super().__init__()
        self.convention = get_convention(convention)
        self.add_state("scores", {}, "union")  # sequence -> frame -> (J, F)
        self.add_state("lengths", {}, "union")  # sequence -> number of frames (None: unknown)

    def update(
        self, sequence: str, prediction: np.ndarray, truth: np.ndarray, *,
        frame: int | None = None, sequence_length: int | None = None,
    ) -> tuple[float, float]:
        """Score one frame; returns its (J, F).  See :meth:`record` for ``frame`` and
        ``sequence_length``."""
        j, f = region_similarity(prediction, truth), boundary_accuracy(prediction, truth)
        self.record(sequence, j, f, frame=frame, sequence_length=sequence_length)
        return j, f

    def record(
        self, sequence: str, j: float, f: float, *, frame: int | None = None, sequence_length: int | None = None,
    ) -> None:
        """Add a frame's scores.  ``frame`` is its index in the sequence (default: the next
        index after those recorded); ``sequence_length`` the sequence's number of frames,
        which fixes its last frame (default: the last frame recorded is the last one)."""
        frames = self.scores.setdefault(sequence, {})
        frame = len(frames) if frame is None else int(frame)
        if frame < 0 or frame in frames:
            raise ValueError(f"sequence {sequence!r}: frame {frame} is negative or scored twice")
        known = self.lengths.get(sequence)
        if sequence_length is not None:
            if known is not None and known != sequence_length:
                raise ValueError(f"sequence {sequence!r}: length given as {known} and {sequence_length}")
            known = int(sequence_length)
        highest = max(frame, max(frames, default=-1))
        if known is not None and highest >= known:
            raise ValueError(f"sequence {sequence!r}: frame {highest} is beyond its {known} frames")
        frames[frame] = (float(j), float(f))
        self.lengths[sequence] = known

    @property
    def frames(self) -> int:
        """Number of frames scored (whether or not the convention keeps them)."""
        return sum(len(v) for v in self.scores.values())

    @property
    def count(self) -> int:
        """Number of sequences scored."""
        return len(self.scores)

    def kept_scores(self, sequence: str) -> np.ndarray:
        """(n, 2) J and F of the frames of ``sequence`` the convention keeps, in frame order."""
        frames = self.scores[sequence]
        order = np.array(sorted(frames), dtype=np.int64)
        length = self.lengths.get(sequence)
        last = int(order[-1]) if length is None else length - 1
        values = np.array([frames[int(t)] for t in order], dtype=np.float64).reshape(-1, 2)
        return values[self.convention.kept(order, last)]

    def per_sequence(self) -> dict[str, dict[str, float]]:
        """``{sequence: {j_mean, j_recall, j_decay, f_mean, f_recall, f_decay}}`` of the
        sequences left with at least one frame under the convention."""
        table = {}
        for name in sorted(self.scores):
            kept = self.kept_scores(name)
            if len(kept) == 0:
                continue
            row = {}
            for k, prefix in enumerate("jf"):
                row.update(zip((f"{prefix}_{s}" for s in STATISTICS), sequence_statistics(kept[:, k]), strict=True))
            table[name] = row
        return table

    def excluded(self) -> list[str]:
        """Sequences the convention leaves without a frame (too short; not averaged)."""
        return [name for name in sorted(self.scores) if len(self.kept_scores(name)) == 0]

    def compute(self) -> dict[str, float]:
        """Means over sequences of the per-sequence statistics, and ``jf_mean``; empty when
        no sequence has a frame to score."""
        table = self.per_sequence()
        if not table:
            return {}
        keys = [f"{p}_{s}" for p in "jf" for s in STATISTICS]
        out = {key: float(np.mean([row[key] for row in table.values()])) for key in keys}
        out["jf_mean"] = (out["j_mean"] + out["f_mean"]) / 2
        return out

    def intervals(self, seed: int = 0, replicates: int = REPLICATES) -> dict[str, Estimate]:
        """95 % bootstrap intervals of ``j_mean``, ``f_mean`` and ``jf_mean`` over sequences
        (Poisson weights keyed by sequence name; see :mod:`benchmark.api.intervals`)."""
        table = self.per_sequence()
        if not table:
            return {}
        names = list(table)
        weights = unit_weights(seed, names, replicates)
        j = np.array([table[n]["j_mean"] for n in names])
        f = np.array([table[n]["f_mean"] for n in names])
        summary = self.compute()
        return {
            key: percentile_estimate(summary[key], weighted_means(values, weights))
            for key, values in (("j_mean", j), ("f_mean", f), ("jf_mean", (j + f) / 2))
        }

    def merge(self, other: SegmentationMeter) -> SegmentationMeter:
        """Add ``other``'s sequences to this meter (same convention; a sequence may not be
        scored by both); returns self."""
        if other.convention != self.convention:
            raise ValueError(f"cannot merge meters of conventions {self.convention.name!r} and {other.convention.name!r}")
        return super().merge(other)
