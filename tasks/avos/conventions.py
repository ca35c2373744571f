"""Evaluation conventions of the DAVIS toolkits: which frames of a sequence count, and the
per-sequence statistics (mean, recall, decay) computed from them.

- ``davis2016``: the DAVIS 2016 toolkit (fperazzi/davis, ``python/lib/davis/dataset/loader.py``
  ``DAVISAnnotationLoader._eval`` and ``utils.py`` ``db_statistics``; davisvideochallenge/
  davis-matlab ``measures/eval_result.m``) scores frames 1 .. T-2 of a T-frame sequence:
  the first and the last frame are left out of the mean, the recall and the decay.  This is
  the protocol AVOS papers report DAVIS 2016 with.
- ``davis2017-unsupervised``: the DAVIS 2017 toolkit (davisvideochallenge/davis2017-evaluation,
  ``davis2017/evaluation.py`` ``DAVISEvaluation.evaluate``, ``davis2017/utils.py``
  ``db_statistics``) strips the first and last frame only in its semi-supervised task; in
  the unsupervised task every frame counts.

Frames are identified by their index in the sequence (0 = first frame), so a caller that
scores only some frames (unannotated frames, or the last frame of a sequence that has no
successor for optical flow) still drops exactly the frames the toolkit drops.  A sequence
left with no frame (T <= 2 under ``davis2016``) has no statistics; like the 2016 toolkit's
``nanmean`` over sequences, it is left out of the averages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmark.registry import Registry

RECALL_THRESHOLD = 0.5  # a frame is "recalled" when its score is above this
DECAY_BINS = 4


@dataclass(frozen=True)
class Convention:
    """Which frames of a sequence a DAVIS toolkit scores (see the module docstring)."""

    name: str
    skip_first: bool
    skip_last: bool
    follows: str  # the official code it reproduces

    def kept(self, frames: np.ndarray, last: int) -> np.ndarray:
        """Boolean mask over ``frames`` (indices in the sequence) of the frames that count;
        ``last`` is the index of the sequence's last frame."""
        frames = np.asarray(frames)
        keep = np.ones(frames.shape, dtype=bool)
        if self.skip_first:
            keep &= frames != 0
        if self.skip_last:
            keep &= frames != last
        return keep


CONVENTIONS: Registry[Convention] = Registry("evaluation convention")
CONVENTIONS.register("davis2016", Convention(
    "davis2016", skip_first=True, skip_last=True,
    follows="fperazzi/davis python/lib/davis/dataset/loader.py DAVISAnnotationLoader._eval, "
            "utils.py db_statistics; davisvideochallenge/davis-matlab measures/eval_result.m"))
CONVENTIONS.register("davis2017-unsupervised", Convention(
    "davis2017-unsupervised", skip_first=False, skip_last=False,
    follows="davisvideochallenge/davis2017-evaluation davis2017/evaluation.py "
            "DAVISEvaluation.evaluate (task 'unsupervised'), davis2017/utils.py db_statistics"))

#: What a meter uses when no convention is named: the DAVIS 2016 protocol AVOS papers report.
DEFAULT_CONVENTION = "davis2016"


def get_convention(name: str) -> Convention:
    """The convention called ``name``; an unknown name lists the known ones."""
    return CONVENTIONS.get(name)


def decay(values: Sequence[float]) -> float:
    """The toolkits' decay: mean of the first quarter of the frames minus mean of the last.

    The bin edges are ``round(linspace(1, n, 5)) - 1`` with halves rounded up (0-based
    frame positions), and bin ``i`` holds positions ``edge[i] .. edge[i+1]`` inclusive, so
    neighbouring bins share their edge frame.  (The toolkits store the edges as uint8, which
    wraps beyond 256 frames; we do not.)
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError("decay needs at least one frame")
    edges = np.round(np.linspace(1, x.size, DECAY_BINS + 1) + 1e-10).astype(np.int64) - 1
    first = x[edges[0]:edges[1] + 1]
    last = x[edges[DECAY_BINS - 1]:edges[DECAY_BINS] + 1]
    return float(first.mean() - last.mean())


def sequence_statistics(values: Sequence[float]) -> tuple[float, float, float]:
    """``(mean, recall, decay)`` of one sequence's per-frame scores (in frame order);
    recall is the fraction of frames scoring above 0.5."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError("a sequence needs at least one scored frame")
    return float(x.mean()), float((x > RECALL_THRESHOLD).mean()), decay(x)
