"""Action-recognition worlds: one textured object moving over a textured background.

- ``synthetic-appearance``: label = appearance class (object hue x scene texture), motion random.
- ``synthetic-motion``: label = fine-grained motion class, appearance random.
- ``synthetic-motion-woven``: ``synthetic-motion`` in another texture family (plaid, zigzag
  and hatched weaves, any hue): the same motion classes, looks no other world has.
- ``synthetic-conflict``: label = motion class; appearance tied to the label with
  probability ``correlation`` in train/val, independent of it in test.
"""

from __future__ import annotations

import numpy as np

from benchmark.errors import DataError
from tasks.synthetic import rng as rngs
from tasks.synthetic.appearance import (
    APPEARANCE_CLASSES,
    Appearance,
    class_appearance,
    woven_appearance,
)
from tasks.synthetic.dynamics import MOTION_CLASSES, sample_trajectory
from tasks.synthetic.scene import Scene
from tasks.synthetic.spec import ClipSpec
from tasks.synthetic.world import World

OBJECT_RADIUS = (0.12, 0.17)  # base radius range, fraction of the frame size


class ActionWorld(World):
    """One object over a background, wrap-around motion; subclasses pick the label."""

    motion_class_names: tuple[str, ...] = MOTION_CLASSES

    @property
    def num_appearance_classes(self) -> int:
        return len(APPEARANCE_CLASSES)

    @property
    def num_motion_classes(self) -> int:
        return len(self.motion_class_names)

    def appearance(self, spec: ClipSpec) -> Appearance:
        """The background and object look of ``spec`` (depends on the appearance factor only)."""
        rng = rngs.generator(spec.appearance_seed, rngs.APPEARANCE)
        background, look = class_appearance(rng, spec.appearance_class, OBJECT_RADIUS)
        return Appearance(background=background, objects=(look,))

    def scene(self, spec: ClipSpec) -> Scene:
        self.check_spec(spec)
        rng = rngs.generator(spec.dynamics_seed, rngs.DYNAMICS)
        traj = sample_trajectory(rng, spec.motion_class, self.frames)
        return Scene(self.appearance(spec), (traj,), self.frames, self.size, wrap=True)


class AppearanceWorld(ActionWorld):
    """Static-biased (Kinetics-like): the label is the object's appearance class."""

    name = "synthetic-appearance"

    @property
    def class_names(self) -> list[str]:
        return list(APPEARANCE_CLASSES)

    def label(self, spec: ClipSpec) -> int:
        return spec.appearance_class

    def _draw_spec(self, split: str, index: int, rng: np.random.Generator) -> ClipSpec:
        return ClipSpec(
            appearance_seed=rngs.draw_seed(rng),
            dynamics_seed=rngs.draw_seed(rng),
            appearance_class=index % self.num_appearance_classes,
            motion_class=int(rng.integers(self.num_motion_classes)),
        )


class MotionWorld(ActionWorld):
    """Dynamically biased (Diving48/SSv2-like): the label is a fine-grained motion class;
    appearance is random and single frames carry no label information."""

    name = "synthetic-motion"

    @property
    def class_names(self) -> list[str]:
        return list(self.motion_class_names)

    def label(self, spec: ClipSpec) -> int:
        return spec.motion_class

    def _draw_spec(self, split: str, index: int, rng: np.random.Generator) -> ClipSpec:
        return ClipSpec(
            appearance_seed=rngs.draw_seed(rng),
            dynamics_seed=rngs.draw_seed(rng),
            appearance_class=int(rng.integers(self.num_appearance_classes)),
            motion_class=index % self.num_motion_classes,
        )


class WovenMotionWorld(MotionWorld):
    """``synthetic-motion``'s labels and dynamics with looks from the woven texture family
    (:func:`tasks.synthetic.appearance.woven_appearance`): models trained here saw none of
    the other worlds' textures (the protocol study's held-out world, docs/validity.md)."""

    name = "synthetic-motion-woven"

    def appearance(self, spec: ClipSpec) -> Appearance:
        rng = rngs.generator(spec.appearance_seed, rngs.APPEARANCE)
        background, look = woven_appearance(rng, OBJECT_RADIUS)
        return Appearance(background=background, objects=(look,))


class ConflictWorld(MotionWorld):
    """Label = motion class (the first 12, one per appearance class); in train and val the
    appearance class is the label's own (``biased_appearance``) with probability
    ``correlation``, otherwise another one; in test it is independent of the label."""

    name = "synthetic-conflict"
    motion_class_names = MOTION_CLASSES[: len(APPEARANCE_CLASSES)]

    def __init__(self, *, correlation: float = 0.9, **options: int) -> None:
        super().__init__(**options)
        if (
            isinstance(correlation, bool)
            or not isinstance(correlation, (int, float))
            or not (0.0 <= float(correlation) <= 1.0)
        ):
            raise DataError(f"{self.name}: correlation must be in [0, 1], got {correlation!r}")
        self.correlation = float(correlation)
        perm = rngs.generator(rngs.stable_tag("synthetic-conflict/bias")).permutation(
            len(APPEARANCE_CLASSES)
        )
        self._bias = tuple(int(a) for a in perm)

    def biased_appearance(self, label: int) -> int:
        """The appearance class that goes with ``label`` in the training distribution."""
        return self._bias[label]

    def _draw_spec(self, split: str, index: int, rng: np.random.Generator) -> ClipSpec:
        label = index % self.num_motion_classes
        n_app = self.num_appearance_classes
        appearance_seed = rngs.draw_seed(rng)
        dynamics_seed = rngs.draw_seed(rng)
        u = rng.random()
        other = int(rng.integers(n_app - 1))
        if split == "test":
            appearance_class = int(rng.integers(n_app))
        elif u < self.correlation:
            appearance_class = self.biased_appearance(label)
        else:
            appearance_class = other + (other >= self.biased_appearance(label))
        return ClipSpec(appearance_seed, dynamics_seed, appearance_class, label)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", correlation={self.correlation})"
