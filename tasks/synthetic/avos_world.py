"""AVOS world: one moving object among look-alike static distractors, with its masks.

With ``camouflage=True`` every object wears the background's texture (MoCA-like), so
only motion reveals the moving one.
"""

from __future__ import annotations

import numpy as np

from benchmark.errors import DataError
from tasks.synthetic import rng as rngs
from tasks.synthetic.appearance import (
    APPEARANCE_CLASSES,
    SHAPES,
    Appearance,
    camouflaged,
    class_look,
    class_parts,
    sample_background,
)
from tasks.synthetic.dynamics import (
    MAX_SCALE,
    MOTION_CLASSES,
    reflect_into,
    sample_trajectory,
    static_trajectory,
)
from tasks.synthetic.scene import Scene, render_scene
from tasks.synthetic.spec import ClipSpec
from tasks.synthetic.world import World

OBJECT_RADIUS = (0.08, 0.12)
MARGIN = OBJECT_RADIUS[1] * MAX_SCALE  # objects stay inside the frame


class AvosWorld(World):
    """Objects: ``1..max_distractors`` static look-alikes (same shape and hue family),
    then the moving object painted last (so its mask is all of its silhouette). The label
    is the moving object's motion class; the appearance class picks the look-alike family
    and the scene."""

    name = "synthetic-avos"
    #: Named variants shown beside the world by ``python -m benchmark worlds``.
    preview_variants = {"camouflage": {"camouflage": True}}

    def __init__(
        self, *, camouflage: bool = False, max_distractors: int = 3, **options: int
    ) -> None:
        super().__init__(**options)
        if not isinstance(camouflage, bool):
            raise DataError(f"{self.name}: camouflage must be true or false, got {camouflage!r}")
        if (
            isinstance(max_distractors, bool)
            or not isinstance(max_distractors, int)
            or not (1 <= max_distractors <= 8)
        ):
            raise DataError(
                f"{self.name}: max_distractors must be an integer in 1..8, got {max_distractors!r}"
            )
        self.camouflage = camouflage
        self.max_distractors = max_distractors

    @property
    def class_names(self) -> list[str]:
        return list(MOTION_CLASSES)

    @property
    def num_appearance_classes(self) -> int:
        return len(APPEARANCE_CLASSES)

    @property
    def num_motion_classes(self) -> int:
        return len(MOTION_CLASSES)

    def label(self, spec: ClipSpec) -> int:
        return spec.motion_class

    def _draw_spec(self, split: str, index: int, rng: np.random.Generator) -> ClipSpec:
        return ClipSpec(
            appearance_seed=rngs.draw_seed(rng),
            dynamics_seed=rngs.draw_seed(rng),
            appearance_class=int(rng.integers(self.num_appearance_classes)),
            motion_class=index % self.num_motion_classes,
        )

    def _static_part(self, spec: ClipSpec):
        rng = rngs.generator(spec.appearance_seed, rngs.APPEARANCE)
        hue_family, group = class_parts(spec.appearance_class)
        background = sample_background(rng, group)
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        n = int(rng.integers(1, self.max_distractors + 1))
        looks = [class_look(rng, hue_family, shape, OBJECT_RADIUS) for _ in range(n + 1)]
        poses = []
        for _ in range(n):
            x, y = rng.uniform(MARGIN, 1.0 - MARGIN, 2)
            angle = rng.uniform(0.0, 2 * np.pi)
            scale = np.exp(rng.uniform(-0.5, 0.5) * np.log(2.4))
            poses.append(static_trajectory(x, y, angle, scale, self.frames))
        if self.camouflage:
            looks = [camouflaged(look, background, rng) for look in looks]
        return Appearance(background=background, objects=tuple(looks)), poses

    def scene(self, spec: ClipSpec) -> Scene:
        self.check_spec(spec)
        appearance, distractor_poses = self._static_part(spec)
        rng = rngs.generator(spec.dynamics_seed, rngs.DYNAMICS)
        moving = reflect_into(sample_trajectory(rng, spec.motion_class, self.frames), MARGIN)
        # The moving object is the first look drawn; it is painted last.
        objects = (*appearance.objects[1:], appearance.objects[0])
        return Scene(
            Appearance(appearance.background, objects),
            (*distractor_poses, moving),
            self.frames,
            self.size,
            wrap=False,
        )

    def render_with_masks(self, spec: ClipSpec) -> tuple[np.ndarray, np.ndarray]:
        """Frames (T, H, W, 3) uint8 and the moving object's masks (T, H, W) bool."""
        frames, layers = render_scene(self.scene(spec))
        return frames, layers[-1].mask.copy()

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", camouflage={self.camouflage})"
