"""One AVOS sample: an RGB frame, the colour-coded flow from it to the next frame, its mask."""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np


@dataclass(frozen=True)
class FrameSample:
    """Frame ``frame`` of sequence ``sequence``.

    ``rgb`` (H, W, 3) uint8; ``flow`` (H, W, 3) uint8, the flow to the next frame encoded
    with the Middlebury colour wheel; ``mask`` (H, W) bool ground truth of the primary
    moving object, or None where the frame is not annotated.  ``mask`` may keep the
    dataset's original resolution when the images were resized for a model.
    """

    rgb: np.ndarray
    flow: np.ndarray
    mask: np.ndarray | None
    sequence: str
    frame: int

    @property
    def id(self) -> str:
        return f"{self.sequence}/{self.frame:05d}"

    def resized(self, size: int | tuple[int, int] | None, resize_mask: bool = False) -> FrameSample:
        """The sample with ``rgb`` and ``flow`` resized to ``size`` (square int or (H, W));
        ``flow`` is brought to the RGB size when ``size`` is None.  The mask keeps its
        resolution unless ``resize_mask``."""
        target = _hw(size) if size is not None else self.rgb.shape[:2]
        mask = self.mask
        if resize_mask and mask is not None:
            mask = resize_mask_to(mask, target)
        return replace(self, rgb=resize_image(self.rgb, target), flow=resize_image(self.flow, target), mask=mask)


def _hw(size: int | tuple[int, int]) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def resize_image(image: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """An RGB uint8 image resized to (H, W) (area averaging when shrinking)."""
    if image.shape[:2] == tuple(hw):
        return image
    shrink = hw[0] < image.shape[0] or hw[1] < image.shape[1]
    method = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return cv2.resize(image, (hw[1], hw[0]), interpolation=method)


def resize_mask_to(mask: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """A bool mask resized to (H, W) with nearest neighbours."""
    if mask.shape == tuple(hw):
        return mask
    return cv2.resize(mask.astype(np.uint8), (hw[1], hw[0]), interpolation=cv2.INTER_NEAREST).astype(bool)
