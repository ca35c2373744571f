"""VIS world: 2-5 moving objects with persistent instance ids and per-frame visible masks
(later objects occlude earlier ones), in categories of two kinds:

- **appearance-defined** (``disc``, ``square``, ``triangle``, ``cross``): the category is
  the object's shape; it moves in any of the four motions;
- **motion-defined** (``spinning``, ``sliding``, ``bouncing``, ``pulsing``): the objects
  all look alike in law (a star or an ellipse, any colour and fill) and the category is
  how they move (``tasks.synthetic.vis_motions``).  No single frame tells these four
  apart; their motion over frames does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmark.errors import DataError
from tasks.synthetic import rng as rngs
from tasks.synthetic.appearance import Appearance, random_look, sample_background
from tasks.synthetic.render import visible_masks
from tasks.synthetic.scene import Scene, render_scene
from tasks.synthetic.spec import ClipSpec
from tasks.synthetic.vis_motions import MAX_SCALE, VIS_MOTIONS, sample_vis_trajectory
from tasks.synthetic.world import World

OBJECT_RADIUS = (0.08, 0.12)
MARGIN = OBJECT_RADIUS[1] * MAX_SCALE
APPEARANCE_CATEGORIES: tuple[str, ...] = ("disc", "square", "triangle", "cross")
MOTION_CATEGORIES: tuple[str, ...] = VIS_MOTIONS
CATEGORIES: tuple[str, ...] = APPEARANCE_CATEGORIES + MOTION_CATEGORIES
# The one look shared by the motion-defined categories: one of these shapes, any colour.
MOTION_LOOK_SHAPES: tuple[str, ...] = ("star", "ellipse")
# Look classes (ClipSpec.appearance_class): an appearance category, or the motion look.
MOTION_LOOK = len(APPEARANCE_CATEGORIES)


def category_groups() -> dict[str, tuple[int, ...]]:
    """The category ids (1-based, as in the annotations) of each kind of category:
    ``{"appearance": (1, 2, 3, 4), "motion": (5, 6, 7, 8)}``."""
    first_motion = len(APPEARANCE_CATEGORIES) + 1
    return {
        "appearance": tuple(range(1, first_motion)),
        "motion": tuple(range(first_motion, len(CATEGORIES) + 1)),
    }


@dataclass(frozen=True, eq=False)
class Instance:
    """One object of a VIS clip: ``instance_id`` (1-based, persistent over frames),
    ``category_id`` (1-based index into the world's ``class_names``) and its visible
    ``masks`` (T, H, W) bool (empty in frames where it is fully occluded)."""

    instance_id: int
    category_id: int
    masks: np.ndarray


def _look_class(rng: np.random.Generator) -> int:
    """An object's look class: each appearance category with probability 1/8, the motion
    look with probability 1/2 (so each of the 8 categories has probability 1/8)."""
    return min(int(rng.integers(len(CATEGORIES))), MOTION_LOOK)


class VisWorld(World):
    """``ClipSpec.n_objects`` objects.  Object i's look class (an appearance category, or
    the motion look) is the i-th draw from the appearance seed's class stream and its
    motion the i-th draw from the dynamics seed's class stream; its category is its shape
    for the appearance categories and its motion for the motion look.  ``appearance_class``
    and ``motion_class`` of a spec are those of instance 1, ``label`` its category (0-based)."""

    name = "synthetic-vis"
    revision = 2  # 2: motion-defined categories

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
        return len(APPEARANCE_CATEGORIES) + 1

    @property
    def num_motion_classes(self) -> int:
        return len(VIS_MOTIONS)

    def category_groups(self) -> dict[str, tuple[int, ...]]:
        """Category ids (1-based) of the appearance- and motion-defined categories."""
        return category_groups()

    def category_of(self, look_class: int, motion: int) -> int:
        """0-based category of an object of ``look_class`` moving in ``motion``."""
        return look_class if look_class < MOTION_LOOK else MOTION_LOOK + motion

    def label(self, spec: ClipSpec) -> int:
        return self.category_of(spec.appearance_class, spec.motion_class)

    def _appearance_class_of(self, seed: int) -> int:
        return _look_class(rngs.generator(seed, rngs.CLASS_OF_APPEARANCE))

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

    def look_classes(self, spec: ClipSpec) -> list[int]:
        """Look class of each object, in painting order (from the appearance seed)."""
        rng = rngs.generator(spec.appearance_seed, rngs.CLASS_OF_APPEARANCE)
        return [_look_class(rng) for _ in range(spec.n_objects)]

    def motion_classes(self, spec: ClipSpec) -> list[int]:
        """Motion (index into ``VIS_MOTIONS``) of each object (from the dynamics seed)."""
        rng = rngs.generator(spec.dynamics_seed, rngs.CLASS_OF_DYNAMICS)
        return [int(rng.integers(len(VIS_MOTIONS))) for _ in range(spec.n_objects)]

    def categories(self, spec: ClipSpec) -> list[int]:
        """0-based category of each object, in painting order."""
        return [
            self.category_of(look, motion)
            for look, motion in zip(self.look_classes(spec), self.motion_classes(spec), strict=True)
        ]

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
        looks = []
        for look_class in self.look_classes(spec):
            if look_class == MOTION_LOOK:
                shape = MOTION_LOOK_SHAPES[int(rng.integers(len(MOTION_LOOK_SHAPES)))]
            else:
                shape = APPEARANCE_CATEGORIES[look_class]
            looks.append(random_look(rng, shape, OBJECT_RADIUS))
        trajectories = tuple(
            sample_vis_trajectory(
                rngs.generator(spec.dynamics_seed, rngs.DYNAMICS, i), m, self.frames, MARGIN
            )
            for i, m in enumerate(self.motion_classes(spec))
        )
        return Scene(
            Appearance(background, tuple(looks)), trajectories, self.frames, self.size, wrap=False
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
