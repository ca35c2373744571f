"""The blink world: a clip's appearance is its colour, its dynamics the flash's frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BlinkSpec:
    appearance_seed: int
    flash: int  # the frame the square flashes on


class BlinkWorld:
    """Clips of ``frames`` frames, ``size`` pixels square; ``train``/``val``/``test`` clips per split."""

    class_names = ("early", "late")
    num_classes = 2

    def __init__(self, *, train: int = 16, val: int = 8, test: int = 8, frames: int = 8, size: int = 32,
                 seed: int = 0) -> None:
        self.sizes = {"train": train, "val": val, "test": test}
        self.frames, self.size, self.seed = frames, size, seed

    def split_size(self, split: str) -> int:
        return self.sizes[split]

    def spec(self, split: str, index: int) -> BlinkSpec:
        rng = np.random.default_rng([self.seed, list(self.sizes).index(split), index])
        return BlinkSpec(int(rng.integers(2**31 - 1)), int(rng.integers(self.frames)))

    def label(self, spec: BlinkSpec) -> int:
        return int(spec.flash >= self.frames // 2)

    def with_new_appearance(self, spec: BlinkSpec, seed: int) -> BlinkSpec:
        return BlinkSpec(seed, spec.flash)

    def with_new_dynamics(self, spec: BlinkSpec, seed: int) -> BlinkSpec:
        return BlinkSpec(spec.appearance_seed, int(np.random.default_rng(seed).integers(self.frames)))

    def render(self, spec: BlinkSpec) -> np.ndarray:
        colour = np.random.default_rng(spec.appearance_seed).integers(0, 200, size=3, dtype=np.uint8)
        clip = np.broadcast_to(colour, (self.frames, self.size, self.size, 3)).copy()
        q = self.size // 4
        clip[spec.flash, q:3 * q, q:3 * q] = 255
        return clip
