"""The common world interface: splits of deterministic clip specs, labels, rendering and
true factor pairs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace

import numpy as np

from benchmark.errors import DataError
from tasks.synthetic import rng as rngs
from tasks.synthetic.scene import Scene, render_scene
from tasks.synthetic.spec import ClipSpec

SPLITS: tuple[str, ...] = ("train", "val", "test")


def _check_int(value: object, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < minimum:
        raise DataError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class World(ABC):
    """A procedural world with train/val/test splits of clip specs.

    Subclasses define the classes, how a spec is drawn for (split, index), which factor is
    the label, and the scene (appearance + trajectories) of a spec."""

    name: str = "world"
    # Bumped when the same specs render differently (0: never revised); the sample-list
    # fingerprint includes it, so results measured before a revision read as stale.
    revision: int = 0

    def __init__(
        self,
        *,
        train: int = 2000,
        val: int = 300,
        test: int = 300,
        frames: int = 16,
        size: int = 64,
        seed: int = 0,
    ) -> None:
        self._sizes = {
            "train": _check_int(train, f"{self.name}: train (split size)", 0),
            "val": _check_int(val, f"{self.name}: val (split size)", 0),
            "test": _check_int(test, f"{self.name}: test (split size)", 0),
        }
        self.frames = _check_int(frames, f"{self.name}: frames", 4)
        self.size = _check_int(size, f"{self.name}: size", 16)
        self.seed = _check_int(seed, f"{self.name}: seed", 0)

    # -- classes ---------------------------------------------------------------------
    @property
    @abstractmethod
    def class_names(self) -> list[str]:
        """Names of the label classes, indexed by label."""

    @property
    def num_classes(self) -> int:
        """Number of label classes."""
        return len(self.class_names)

    @property
    @abstractmethod
    def num_appearance_classes(self) -> int:
        """Number of values ``ClipSpec.appearance_class`` takes."""

    @property
    @abstractmethod
    def num_motion_classes(self) -> int:
        """Number of values ``ClipSpec.motion_class`` takes."""

    @abstractmethod
    def label(self, spec: ClipSpec) -> int:
        """The label of a clip."""

    # -- splits ----------------------------------------------------------------------
    def split_size(self, split: str) -> int:
        """Number of clips in ``split`` (one of train, val, test)."""
        if split not in self._sizes:
            raise DataError(
                f"{self.name}: unknown split {split!r}; expected one of {', '.join(SPLITS)}"
            )
        return self._sizes[split]

    def spec(self, split: str, index: int) -> ClipSpec:
        """The spec of clip ``index`` of ``split``; deterministic, disjoint seed streams per split."""
        n = self.split_size(split)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise DataError(f"{self.name}: clip index must be an integer, got {index!r}")
        if not 0 <= int(index) < n:
            raise DataError(
                f"{self.name}: clip index {index} out of range for split {split!r} of size {n}"
            )
        index = int(index)
        rng = rngs.generator(
            rngs.stable_tag(self.name), self.seed, rngs.SPLIT_STREAM, SPLITS.index(split), index
        )
        return self._draw_spec(split, index, rng)

    @abstractmethod
    def _draw_spec(self, split: str, index: int, rng: np.random.Generator) -> ClipSpec:
        """Draw the spec of (split, index) from its own generator."""

    # -- true pairs --------------------------------------------------------------------
    def with_new_appearance(self, spec: ClipSpec, seed: int) -> ClipSpec:
        """The true dynamic-pair partner: same dynamics (identical trajectories), a new
        appearance drawn from ``seed`` (its appearance class is drawn from ``seed`` too)."""
        seed = rngs.check_seed(seed, f"{self.name}: appearance seed")
        return replace(spec, appearance_seed=seed, appearance_class=self._appearance_class_of(seed))

    def with_new_dynamics(self, spec: ClipSpec, seed: int) -> ClipSpec:
        """The true static-pair partner: same appearance (background and objects), new
        dynamics drawn from ``seed`` (its motion class is drawn from ``seed`` too)."""
        seed = rngs.check_seed(seed, f"{self.name}: dynamics seed")
        return replace(spec, dynamics_seed=seed, motion_class=self._motion_class_of(seed))

    def _appearance_class_of(self, seed: int) -> int:
        rng = rngs.generator(seed, rngs.CLASS_OF_APPEARANCE)
        return int(rng.integers(self.num_appearance_classes))

    def _motion_class_of(self, seed: int) -> int:
        rng = rngs.generator(seed, rngs.CLASS_OF_DYNAMICS)
        return int(rng.integers(self.num_motion_classes))

    # -- rendering ---------------------------------------------------------------------
    def check_spec(self, spec: ClipSpec) -> ClipSpec:
        """``spec`` if its classes are valid for this world, else DataError."""
        if not isinstance(spec, ClipSpec):
            raise DataError(f"{self.name}: expected a ClipSpec, got {type(spec).__name__}")
        rngs.check_seed(spec.appearance_seed, f"{self.name}: appearance_seed")
        rngs.check_seed(spec.dynamics_seed, f"{self.name}: dynamics_seed")
        if not 0 <= spec.appearance_class < self.num_appearance_classes:
            raise DataError(
                f"{self.name}: appearance_class {spec.appearance_class} out of range "
                f"0..{self.num_appearance_classes - 1}"
            )
        if not 0 <= spec.motion_class < self.num_motion_classes:
            raise DataError(
                f"{self.name}: motion_class {spec.motion_class} out of range "
                f"0..{self.num_motion_classes - 1}"
            )
        return spec

    @abstractmethod
    def scene(self, spec: ClipSpec) -> Scene:
        """The scene (appearance and per-object trajectories) of ``spec``."""

    def render(self, spec: ClipSpec) -> np.ndarray:
        """The clip's frames, (T, H, W, 3) uint8 RGB."""
        frames, _ = render_scene(self.scene(spec))
        return frames

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={v}" for k, v in self._sizes.items())
        return f"{type(self).__name__}({sizes}, frames={self.frames}, size={self.size}, seed={self.seed})"
