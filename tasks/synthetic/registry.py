"""The registry of synthetic worlds and ``get_world``."""

from __future__ import annotations

import inspect
from typing import Any

from benchmark.errors import BenchmarkError, DataError
from benchmark.registry import Registry

WORLDS: Registry[type] = Registry("world")
WORLDS.register("synthetic-appearance", "tasks.synthetic.action_worlds:AppearanceWorld")
WORLDS.register("synthetic-motion", "tasks.synthetic.action_worlds:MotionWorld")
WORLDS.register("synthetic-motion-woven", "tasks.synthetic.action_worlds:WovenMotionWorld")
WORLDS.register("synthetic-conflict", "tasks.synthetic.action_worlds:ConflictWorld")
WORLDS.register("synthetic-avos", "tasks.synthetic.avos_world:AvosWorld")
WORLDS.register("synthetic-vis", "tasks.synthetic.vis_world:VisWorld")


def world_options(factory: type) -> list[str]:
    """The keyword options a world class accepts."""
    names: list[str] = []
    for cls in factory.__mro__:
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        for p in inspect.signature(init).parameters.values():
            if p.kind is p.KEYWORD_ONLY and p.name not in names:
                names.append(p.name)
    return names


def get_world(name: str, **options: Any):
    """Build the world registered as ``name`` with ``options`` (train, val, test, frames,
    size, seed and world-specific ones); unknown names or options raise DataError."""
    try:
        factory = WORLDS.get(name)
    except BenchmarkError as exc:
        raise DataError(str(exc)) from None
    known = world_options(factory)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise DataError(
            f"world {name!r} has no option(s) {', '.join(map(repr, unknown))}; "
            f"known options: {', '.join(known)}"
        )
    return factory(**options)
