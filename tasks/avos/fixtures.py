"""Tiny DAVIS 2016 and MoCA-Mask trees in their published layouts, for tests and demos.

Each sequence shows a bright square moving right over a smooth textured background;
frames are real JPEG files and masks real PNG files (DAVIS: 0/255 greyscale; MoCA-Mask:
0/255 greyscale, only every ``annotate_every``-th frame annotated, as published).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

SQUARE = 10  # side of the moving square, pixels
STEP = 3  # pixels the square moves per frame


@dataclass(frozen=True)
class AvosFixture:
    """What a writer produced: the root, sequences per split, and frames per sequence."""

    root: Path
    splits: dict[str, list[str]]
    frames: int
    size: tuple[int, int]


def sequence_frames(frames: int, size: tuple[int, int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(frames, H, W, 3)`` uint8 RGB and ``(frames, H, W)`` bool masks of one sequence."""
    height, width = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    phase = rng.uniform(0, 2 * np.pi, 3)
    background = np.stack(
        [90 + 40 * np.sin(xx / 5.0 + phase[c]) * np.cos(yy / 7.0 + phase[c]) for c in range(3)], axis=-1
    )
    colour = rng.integers(200, 256, size=3)
    top = int(rng.integers(2, height - SQUARE - 2))
    video = np.empty((frames, height, width, 3), np.uint8)
    masks = np.zeros((frames, height, width), bool)
    for t in range(frames):
        left = 2 + (STEP * t) % (width - SQUARE - 4)
        frame = background.copy()
        frame[top:top + SQUARE, left:left + SQUARE] = colour
        masks[t, top:top + SQUARE, left:left + SQUARE] = True
        video[t] = np.clip(frame, 0, 255).astype(np.uint8)
    return video, masks


def _write_jpeg(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])


def _write_mask(path: Path, mask: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(mask.astype(np.uint8) * 255, mode="L").save(path)


def write_davis2016_fixture(
    root: str | Path, train: int = 2, val: int = 2, frames: int = 5, size: tuple[int, int] = (48, 64),
) -> AvosFixture:
    """DAVIS 2016: ``JPEGImages/480p/<seq>/%05d.jpg``, ``Annotations/480p/<seq>/%05d.png``,
    ``ImageSets/2016/{train,val}.txt``."""
    root = Path(root)
    splits = {"train": [f"train-seq{i}" for i in range(train)], "val": [f"val-seq{i}" for i in range(val)]}
    seed = 0
    for split, names in splits.items():
        listing = root / "ImageSets" / "2016" / f"{split}.txt"
        listing.parent.mkdir(parents=True, exist_ok=True)
        listing.write_text("".join(f"{name}\n" for name in names))
        for name in names:
            video, masks = sequence_frames(frames, size, seed)
            seed += 1
            for t in range(frames):
                _write_jpeg(root / "JPEGImages" / "480p" / name / f"{t:05d}.jpg", video[t])
                _write_mask(root / "Annotations" / "480p" / name / f"{t:05d}.png", masks[t])
    return AvosFixture(root, splits, frames, size)


def write_moca_fixture(
    root: str | Path, train: int = 1, test: int = 2, frames: int = 6, size: tuple[int, int] = (48, 64),
    annotate_every: int = 2,
) -> AvosFixture:
    """MoCA-Mask: ``TrainDataset_per_sq/<seq>/Frame/%05d.jpg`` and ``.../GT/%05d.png`` (every
    ``annotate_every``-th frame), likewise ``TestDataset_per_sq``."""
    root = Path(root)
    splits = {"TrainDataset_per_sq": [f"moth{i}" for i in range(train)],
              "TestDataset_per_sq": [f"flounder{i}" for i in range(test)]}
    seed = 100
    for split, names in splits.items():
        for name in names:
            video, masks = sequence_frames(frames, size, seed)
            seed += 1
            for t in range(frames):
                _write_jpeg(root / split / name / "Frame" / f"{t:05d}.jpg", video[t])
                if t % annotate_every == 0:
                    _write_mask(root / split / name / "GT" / f"{t:05d}.png", masks[t])
    return AvosFixture(root, splits, frames, size)
