"""Vectorised rendering: all T frames at once from coordinate grids."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tasks.synthetic.appearance import ObjectLook
from tasks.synthetic.dynamics import Trajectory
from tasks.synthetic.patterns import Pattern, colorize, field
from tasks.synthetic.shapes import inside


@dataclass(frozen=True, eq=False)
class Layer:
    """One rendered object: where it is (``mask`` (T,H,W) bool) and its colours there
    (``color`` (N, 3) float32, one row per pixel of the mask in C order)."""

    mask: np.ndarray
    color: np.ndarray


def _pixel_centres(size: int) -> np.ndarray:
    return np.arange(size, dtype=np.float32) + np.float32(0.5)


def background_image(pattern: Pattern, size: int) -> np.ndarray:
    """The static background, (H, W, 3) float32 in 0..255."""
    c = _pixel_centres(size) / np.float32(size)
    return colorize(pattern, field(pattern, c[None, :], c[:, None]))


def object_layer(look: ObjectLook, traj: Trajectory, size: int, wrap: bool) -> Layer:
    """Render one object along ``traj``; with ``wrap`` it re-enters at the opposite edge."""
    pix = _pixel_centres(size)
    cx = (traj.x * size).astype(np.float32)
    cy = (traj.y * size).astype(np.float32)
    radius = (look.radius * size * traj.scale).astype(np.float32)
    dx = pix[None, None, :] - cx[:, None, None]  # (T, 1, W)
    dy = pix[None, :, None] - cy[:, None, None]  # (T, H, 1)
    if wrap:
        half = np.float32(size / 2.0)
        dx = np.mod(dx + half, np.float32(size)) - half
        dy = np.mod(dy + half, np.float32(size)) - half
    cos = (np.cos(traj.angle).astype(np.float32) / radius)[:, None, None]
    sin = (np.sin(traj.angle).astype(np.float32) / radius)[:, None, None]
    u = dx * cos + dy * sin  # (T, H, W), object-local, radius units
    v = dy * cos - dx * sin
    mask = inside(look.shape, u, v)
    u, v = u[mask], v[mask]  # colour only the covered pixels
    if look.fill_space == "background":
        r = np.broadcast_to((radius / np.float32(size))[:, None, None], mask.shape)[mask]
        fu = np.float32(look.fill_offset[0]) + u * r
        fv = np.float32(look.fill_offset[1]) + v * r
        m = field(look.fill, fu, fv)
    else:
        m = field(look.fill, u, v)
    return Layer(mask=mask, color=colorize(look.fill, m))


def composite(background: np.ndarray, layers: list[Layer], frames: int) -> np.ndarray:
    """Paint ``layers`` in order (later ones occlude earlier ones) over ``background``;
    returns (T, H, W, 3) uint8 RGB."""
    out = np.broadcast_to(background, (frames, *background.shape)).copy()
    for layer in layers:
        out[layer.mask] = layer.color
    return np.clip(out + np.float32(0.5), 0, 255).astype(np.uint8)


def visible_masks(layers: list[Layer]) -> list[np.ndarray]:
    """Per layer, the pixels where it is visible after occlusion by later layers."""
    result: list[np.ndarray] = []
    covered = np.zeros_like(layers[-1].mask) if layers else None
    for layer in reversed(layers):
        result.append(layer.mask & ~covered)
        covered = covered | layer.mask
    return result[::-1]
