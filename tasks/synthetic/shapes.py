"""Object silhouettes as inside-tests on object-local coordinates.

Coordinates ``(u, v)`` are in units of the object's radius: every shape fits in the unit
disc, and every shape is symmetric about the origin so its centroid is its centre.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SHAPES: tuple[str, ...] = ("disc", "square", "triangle", "star", "cross", "ellipse")

_SQRT3_2 = float(np.sqrt(3.0) / 2.0)


def _disc(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u * u + v * v <= 1.0


def _square(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.maximum(np.abs(u), np.abs(v)) <= 0.78


def _triangle_up(u: np.ndarray, v: np.ndarray, flip: float = 1.0) -> np.ndarray:
    # Equilateral triangle with circumradius 1 (inradius 0.5), apex at -v * flip.
    w = v * flip
    return (w <= 0.5) & (_SQRT3_2 * u - 0.5 * w <= 0.5) & (-_SQRT3_2 * u - 0.5 * w <= 0.5)


def _triangle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return _triangle_up(u, v)


def _star(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    # Six-pointed star: the union of two opposite triangles.
    return _triangle_up(u, v) | _triangle_up(u, v, -1.0)


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    au, av = np.abs(u), np.abs(v)
    return ((au <= 0.32) & (av <= 0.95)) | ((av <= 0.32) & (au <= 0.95))


def _ellipse(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u * u + 3.0 * v * v <= 1.0


_INSIDE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "disc": _disc,
    "square": _square,
    "triangle": _triangle,
    "star": _star,
    "cross": _cross,
    "ellipse": _ellipse,
}


def inside(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Boolean mask of the points ``(u, v)`` (object-local, radius units) inside ``shape``."""
    return _INSIDE[shape](u, v)
