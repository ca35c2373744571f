"""VIS world: 2-5 moving objects of several categories (shapes) with persistent instance
ids and per-frame visible masks (later objects occlude earlier ones)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmark.errors import DataError
from tasks.synthetic import rng as rngs
from tasks.synthetic.appearance import SHAPES, Appearance, random_look, sample_background
from tasks.synthetic.dynamics import MAX_SCALE, MOTION_CLASSES, reflect_into, sample_trajectory
from tasks.synthetic.render import visible_masks
from tasks.synthetic.scene import Scene, render_scene
from tasks.synthetic.spec import ClipSpec
from tasks.synthetic.world import World

OBJECT_RADIUS = (0.08, 0.12)
MARGIN = OBJECT_RADIUS[1] * MAX_SCALE
CATEGORIES: tuple[str, ...] = SHAPES


@dataclass(frozen=True, eq=False)
class Instance:
    """One object of a VIS clip: ``instance_id`` (1-based, persistent over frames),
    ``category_id`` (1-based index into the world's ``class_names``) and its visible
    ``masks`` (T, H, W) bool (empty in frames where it is fully occluded)."""

    instance_id: int
    category_id: int
    masks: np.ndarray


class VisWorld(World):
    """Categories are shapes. ``ClipSpec.n_objects`` objects; object i's category is the
    i-th draw from the appearance seed's class stream and its motion class the i-th draw
    from the dynamics seed's class stream, so ``appearance_class``/``motion_class`` of a
    spec are those of instance 1 (and ``label`` is instance 1's category, 0-based)."""

    name = "synthetic-vis"

    def __init__(self, *, min_objects: int = 2, max_objects: int = 5, **options: int) -> None:
        super().__init__(**options)
        for what, value in (("min_objects", min_objects), ("max_objects", max_objects)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 16:
                raise DataError(f"{self.name}: {what} must be an integer in 1..16, got {value!r}")
        if min_objects > max_objects:
            raise DataError(
                f"{self.name}: min_objects ({min_objects}) exceeds max_objects ({max_objects})"
            )
        self.min_objects = min_objects
        self.max_objects = max_objects

    @property
    def class_names(self) -> list[str]:
        return list(CATEGORIES)

    @property
    def num_appearance_classes(self) -> int:
        return len(CATEGORIES)

    @property
    def num_motion_classes(self) -> int:
        return len(MOTION_CLASSES)

    def label(self, spec: ClipSpec) -> int:
        return spec.appearance_class

    def _draw_spec(self, split: str, index: int, rng: np.random.Generator) -> ClipSpec:
        appearance_seed = rngs.draw_seed(rng)
        dynamics_seed = rngs.draw_seed(rng)
        n = int(rng.integers(self.min_objects, self.max_objects + 1))
        return ClipSpec(
            appearance_seed,
            dynamics_seed,
            self._appearance_class_of(appearance_seed),
            self._motion_class_of(dynamics_seed),
            n_objects=n,
        )

    def categories(self, spec: ClipSpec) -> list[int]:
        """0-based category of each object, in painting order (from the appearance seed)."""
        rng = rngs.generator(spec.appearance_seed, rngs.CLASS_OF_APPEARANCE)
        return [int(rng.integers(len(CATEGORIES))) for _ in range(spec.n_objects)]

    def motion_classes(self, spec: ClipSpec) -> list[int]:
        """Motion class of each object (from the dynamics seed)."""
        rng = rngs.generator(spec.dynamics_seed, rngs.CLASS_OF_DYNAMICS)
        return [int(rng.integers(len(MOTION_CLASSES))) for _ in range(spec.n_objects)]

    def check_spec(self, spec: ClipSpec) -> ClipSpec:
        super().check_spec(spec)
        if (
            isinstance(spec.n_objects, bool)
            or not isinstance(spec.n_objects, int)
            or not (1 <= spec.n_objects <= 16)
        ):
            raise DataError(f"{self.name}: n_objects must be in 1..16, got {spec.n_objects!r}")
        return spec

    def scene(self, spec: ClipSpec) -> Scene:
        self.check_spec(spec)
        rng = rngs.generator(spec.appearance_seed, rngs.APPEARANCE)
        background = sample_background(rng)
        looks = tuple(random_look(rng, CATEGORIES[c], OBJECT_RADIUS) for c in self.categories(spec))
        trajectories = tuple(
            reflect_into(
                sample_trajectory(
                    rngs.generator(spec.dynamics_seed, rngs.DYNAMICS, i), m, self.frames
                ),
                MARGIN,
            )
            for i, m in enumerate(self.motion_classes(spec))
        )
        return Scene(
            Appearance(background, looks), trajectories, self.frames, self.size, wrap=False
        )

    def render_instances(self, spec: ClipSpec) -> tuple[np.ndarray, list[Instance]]:
        """Frames (T, H, W, 3) uint8 and one Instance per object with its visible masks."""
        frames, layers = render_scene(self.scene(spec))
        masks = visible_masks(layers)
        instances = [
            Instance(instance_id=i + 1, category_id=c + 1, masks=m)
            for i, (c, m) in enumerate(zip(self.categories(spec), masks, strict=True))
        ]
        return frames, instances
