"""A VIS sample: frames and the instances annotated on them, plus temporal sampling/resizing."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from benchmark.api.transforms import uniform_indices  # noqa: F401  (re-exported for readers)


@dataclass(frozen=True, eq=False)
class VisInstance:
    """One annotated object track: ``masks`` (T, H, W) bool, empty where it is absent;
    ``category_id`` is the dataset's (1-based) id; crowd regions are ignored by the metric."""

    instance_id: int
    category_id: int
    masks: np.ndarray
    iscrowd: bool = False


@dataclass(frozen=True, eq=False)
class VisClip:
    """Frames (T, H, W, 3) uint8 RGB and their instances (masks on the same frames)."""

    clip_id: str
    frames: np.ndarray
    instances: list[VisInstance] = field(default_factory=list)

    def select(self, indices: np.ndarray) -> VisClip:
        """The clip restricted to frame ``indices`` (masks follow the frames)."""
        return VisClip(
            self.clip_id,
            self.frames[indices],
            [VisInstance(i.instance_id, i.category_id, i.masks[indices], i.iscrowd) for i in self.instances],
        )


def target_size(size: int | tuple[int, int] | None, height: int, width: int) -> tuple[int, int]:
    """(H, W) after resizing: ``None`` keeps the size, an int gives a square, a pair is (H, W)."""
    if size is None:
        return height, width
    if isinstance(size, int):
        return size, size
    return int(size[0]), int(size[1])


def resize_frames(frames: np.ndarray, height: int, width: int) -> np.ndarray:
    """(T, H, W, 3) uint8 frames resized to (height, width) (area interpolation when shrinking)."""
    if frames.shape[1:3] == (height, width):
        return frames
    shrink = height < frames.shape[1] or width < frames.shape[2]
    mode = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return np.stack([cv2.resize(f, (width, height), interpolation=mode) for f in frames])


def resize_masks(masks: np.ndarray, height: int, width: int) -> np.ndarray:
    """(T, H, W) bool masks resized to (height, width) with nearest-neighbour sampling."""
    if masks.shape[1:3] == (height, width):
        return masks
    out = [cv2.resize(m.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST) for m in masks]
    return np.stack(out).astype(bool)
