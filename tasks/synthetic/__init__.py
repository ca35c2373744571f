"""Procedural synthetic worlds rendered from separate appearance and dynamics seeds.

>>> world = get_world("synthetic-motion", train=20, val=5, test=5)
>>> clip = world.render(world.spec("train", 0))          # (16, 64, 64, 3) uint8
"""

from benchmark.api.tasks import get_world  # the worlds are registered by the tasks' plug-ins
from tasks.synthetic.appearance import APPEARANCE_CLASSES
from tasks.synthetic.dynamics import MOTION_CLASSES
from tasks.synthetic.shapes import SHAPES
from tasks.synthetic.spec import ClipSpec
from tasks.synthetic.world import SPLITS, World

__all__ = [
    "APPEARANCE_CLASSES",
    "MOTION_CLASSES",
    "SHAPES",
    "SPLITS",
    "ClipSpec",
    "Instance",
    "World",
    "get_world",
]


def __getattr__(name: str):
    if name == "Instance":  # lazy: keeps importing the package light
        from tasks.synthetic.vis_world import Instance

        return Instance
    raise AttributeError(name)
