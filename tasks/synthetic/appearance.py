"""The appearance factor: background texture and object looks (shape, colours, fill, size)."""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, replace

import numpy as np

from tasks.synthetic.patterns import (
    BACKGROUND_FAMILIES,
    FILL_FAMILIES,
    WOVEN_FAMILIES,
    Color,
    Pattern,
)
from tasks.synthetic.shapes import SHAPES

HUE_FAMILIES: tuple[str, ...] = ("red", "yellow", "green", "blue")
_HUE_CENTRES: tuple[float, ...] = (0.0, 55.0, 125.0, 225.0)
_HUE_JITTER = 15.0
# Scene groups: background texture families and palette hue (degrees) of each.
SCENE_GROUPS: dict[str, tuple[tuple[str, ...], float]] = {
    "lines": (("stripes", "rings"), 215.0),
    "tiles": (("checker", "dots"), 30.0),
    "smooth": (("gradient", "blobs"), 110.0),
}
APPEARANCE_CLASSES: tuple[str, ...] = tuple(
    f"{hue}-on-{group}" for group in SCENE_GROUPS for hue in HUE_FAMILIES
)


@dataclass(frozen=True)
class ObjectLook:
    """How one object looks: silhouette, base radius (fraction of the frame size) and fill.

    With ``fill_space == "background"`` the fill is the background pattern, sampled at a
    fixed ``fill_offset`` and carried along with the object (camouflage)."""

    shape: str
    radius: float
    fill: Pattern
    fill_space: str = "object"
    fill_offset: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Appearance:
    """Everything static about a clip: the background and the looks of its objects."""

    background: Pattern
    objects: tuple[ObjectLook, ...]


def class_parts(appearance_class: int) -> tuple[str, str]:
    """``(object hue family, scene texture group)`` of an appearance class."""
    group_index, hue_index = divmod(appearance_class, len(HUE_FAMILIES))
    return HUE_FAMILIES[hue_index], list(SCENE_GROUPS)[group_index]


def _hsv(h_deg: float, s: float, v: float) -> Color:
    r, g, b = colorsys.hsv_to_rgb((h_deg % 360.0) / 360.0, s, v)
    return (255.0 * r, 255.0 * g, 255.0 * b)


def sample_background(rng: np.random.Generator, group: str | None = None) -> Pattern:
    """A desaturated two-colour background texture of a random family (of ``group``)."""
    if group is None:
        families, hue = BACKGROUND_FAMILIES, float(rng.uniform(0.0, 360.0))
    else:
        families, centre = SCENE_GROUPS[group]
        hue = centre + float(rng.uniform(-30.0, 30.0))
    family = families[int(rng.integers(len(families)))]
    hue2 = hue + float(rng.uniform(-20.0, 20.0))
    v0 = float(rng.uniform(0.30, 0.55))
    v1 = float(rng.uniform(0.60, 0.85))
    colors = (
        _hsv(hue, float(rng.uniform(0.12, 0.4)), v0),
        _hsv(hue2, float(rng.uniform(0.12, 0.4)), v1),
    )
    if rng.random() < 0.5:
        colors = (colors[1], colors[0])
    frequency = {
        "stripes": rng.uniform(3.0, 7.0),
        "checker": rng.uniform(3.0, 6.0),
        "dots": rng.uniform(4.0, 8.0),
        "gradient": rng.uniform(0.7, 1.3),
        "blobs": 1.0,
        "rings": rng.uniform(4.0, 8.0),
    }[family]
    waves = tuple(
        (float(k * np.cos(a)), float(k * np.sin(a)), float(p))
        for k, a, p in zip(
            rng.uniform(5.0, 12.0, 3),
            rng.uniform(0.0, 2 * np.pi, 3),
            rng.uniform(0.0, 2 * np.pi, 3),
            strict=True,
        )
    )
    return Pattern(
        family=family,
        frequency=float(frequency),
        angle=float(rng.uniform(0.0, 2 * np.pi)),
        phase=(float(rng.uniform(0.0, 1.0)), float(rng.uniform(0.0, 1.0))),
        colors=colors,
        waves=waves if family == "blobs" else (),
    )


def sample_look(
    rng: np.random.Generator, shape: str, hue_centre: float, radius_range: tuple[float, float]
) -> ObjectLook:
    """A saturated two-tone object of ``shape`` with a hue near ``hue_centre`` (degrees)."""
    hue = hue_centre + float(rng.uniform(-_HUE_JITTER, _HUE_JITTER))
    s = float(rng.uniform(0.75, 1.0))
    v = float(rng.uniform(0.85, 1.0))
    light = _hsv(hue, s, v)
    dark = _hsv(hue + float(rng.uniform(-8.0, 8.0)), s, v * float(rng.uniform(0.62, 0.78)))
    family = FILL_FAMILIES[int(rng.integers(len(FILL_FAMILIES)))]
    frequency = {
        "stripes": rng.uniform(1.0, 1.6),
        "checker": rng.uniform(0.8, 1.3),
        "dots": rng.uniform(1.0, 1.5),
        "split": 1.0,
    }[family]
    fill = Pattern(
        family=family,
        frequency=float(frequency),
        angle=float(rng.uniform(0.0, 2 * np.pi)),
        phase=(float(rng.uniform(0.0, 1.0)), float(rng.uniform(0.0, 1.0))),
        colors=(light, dark) if rng.random() < 0.5 else (dark, light),
    )
    lo, hi = radius_range
    radius = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    return ObjectLook(shape=shape, radius=radius, fill=fill)


def woven_appearance(
    rng: np.random.Generator, radius_range: tuple[float, float]
) -> tuple[Pattern, ObjectLook]:
    """Background and object from the woven texture family (plaid, zigzag, hatch), which
    no other world uses: a saturated-and-dark background weave, an object of any hue woven
    in a finer texture of the same family set."""
    family = WOVEN_FAMILIES[int(rng.integers(len(WOVEN_FAMILIES)))]
    hue = float(rng.uniform(0.0, 360.0))
    colors = (
        _hsv(hue, float(rng.uniform(0.35, 0.7)), float(rng.uniform(0.15, 0.35))),
        _hsv(hue + float(rng.uniform(90.0, 180.0)), float(rng.uniform(0.2, 0.5)), float(rng.uniform(0.55, 0.8))),
    )
    background = Pattern(
        family=family,
        frequency=float(rng.uniform(3.0, 6.0)),
        angle=float(rng.uniform(0.0, 2 * np.pi)),
        phase=(float(rng.uniform(0.0, 1.0)), float(rng.uniform(0.0, 1.0))),
        colors=colors,
    )
    look = random_look(rng, SHAPES[int(rng.integers(len(SHAPES)))], radius_range)
    fill_family = WOVEN_FAMILIES[int(rng.integers(len(WOVEN_FAMILIES)))]
    fill = replace(look.fill, family=fill_family, frequency=float(rng.uniform(1.0, 1.8)))
    return background, replace(look, fill=fill)


def camouflaged(look: ObjectLook, background: Pattern, rng: np.random.Generator) -> ObjectLook:
    """``look`` wearing the background's texture, taken from a random place of it."""
    offset = (float(rng.uniform(0.0, 1.0)), float(rng.uniform(0.0, 1.0)))
    return replace(look, fill=background, fill_space="background", fill_offset=offset)


def class_appearance(
    rng: np.random.Generator, appearance_class: int, radius_range: tuple[float, float]
) -> tuple[Pattern, ObjectLook]:
    """Background and object of an appearance class (object hue family x scene texture
    group); the object's shape, fill and size vary freely."""
    hue_family, group = class_parts(appearance_class)
    background = sample_background(rng, group)
    shape = SHAPES[int(rng.integers(len(SHAPES)))]
    return background, class_look(rng, hue_family, shape, radius_range)


def class_look(
    rng: np.random.Generator, hue_family: str, shape: str, radius_range: tuple[float, float]
) -> ObjectLook:
    """An object look of ``shape`` whose hue is in ``hue_family``."""
    return sample_look(rng, shape, _HUE_CENTRES[HUE_FAMILIES.index(hue_family)], radius_range)


def random_look(
    rng: np.random.Generator, shape: str, radius_range: tuple[float, float]
) -> ObjectLook:
    """An object look of ``shape`` with any saturated hue."""
    return sample_look(rng, shape, float(rng.uniform(0.0, 360.0)), radius_range)


__all__ = [
    "APPEARANCE_CLASSES",
    "Appearance",
    "HUE_FAMILIES",
    "ObjectLook",
    "SHAPES",
    "SCENE_GROUPS",
    "camouflaged",
    "woven_appearance",
    "class_appearance",
    "class_look",
    "class_parts",
    "random_look",
    "sample_background",
    "sample_look",
]
