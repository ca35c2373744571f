"""A scene: the appearance and per-object trajectories of one clip, and its rendering."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tasks.synthetic.appearance import Appearance
from tasks.synthetic.dynamics import Trajectory
from tasks.synthetic.render import Layer, background_image, composite, object_layer


@dataclass(frozen=True, eq=False)
class Scene:
    """What a clip shows: ``appearance.objects[i]`` moves along ``trajectories[i]``; objects
    are painted in order (later ones occlude earlier ones); ``wrap`` makes objects leaving
    one edge re-enter at the opposite edge."""

    appearance: Appearance
    trajectories: tuple[Trajectory, ...]
    frames: int
    size: int
    wrap: bool


def render_layers(scene: Scene) -> tuple[np.ndarray, list[Layer]]:
    """The background image and one layer per object."""
    background = background_image(scene.appearance.background, scene.size)
    layers = [
        object_layer(look, traj, scene.size, scene.wrap)
        for look, traj in zip(scene.appearance.objects, scene.trajectories, strict=True)
    ]
    return background, layers


def render_scene(scene: Scene) -> tuple[np.ndarray, list[Layer]]:
    """Frames (T, H, W, 3) uint8 and the object layers they were painted from."""
    background, layers = render_layers(scene)
    return composite(background, layers, scene.frames), layers
