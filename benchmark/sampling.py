"""Temporal sampling shared by readers, pair protocols and model inputs."""

from __future__ import annotations

import numpy as np


def uniform_indices(available: int, wanted: int) -> np.ndarray:
    """``wanted`` frame indices spread uniformly over ``available`` frames: frame ``i`` is
    the middle of the i-th of ``wanted`` equal bins (repeats when ``wanted > available``)."""
    index = np.floor((np.arange(wanted) + 0.5) * available / wanted).astype(np.int64)
    return np.minimum(index, available - 1)
