"""Optical flow as an RGB image: the Middlebury colour wheel of Baker et al. (IJCV 2011).

Direction is hue, magnitude is saturation: zero flow is white, a flow as long as the
normalising radius is a fully saturated wheel colour, and longer flows (fixed radius only)
are darkened to 75 %.  With the image coordinates used here (x right, y down):
rightward flow is red, downward yellow-green, leftward cyan-blue, upward blue-magenta.

Also here: the colour jitter of AVOS static pairs (METHOD.md §1): a hue rotation and a
saturation scaling of the flow image, which changes how motion is *coloured* without
changing the RGB frame.
"""

from __future__ import annotations

import cv2
import numpy as np

# Segment lengths of the wheel between the six anchor colours (Baker et al.): red->yellow,
# yellow->green, green->cyan, cyan->blue, blue->magenta, magenta->red; 55 colours in all.
WHEEL_SEGMENTS: tuple[tuple[int, tuple[float, float, float]], ...] = (
    (15, (1.0, 0.0, 0.0)),  # starts at red
    (6, (1.0, 1.0, 0.0)),  # yellow
    (4, (0.0, 1.0, 0.0)),  # green
    (11, (0.0, 1.0, 1.0)),  # cyan
    (13, (0.0, 0.0, 1.0)),  # blue
    (6, (1.0, 0.0, 1.0)),  # magenta
)

#: Flows shorter than this many pixels everywhere are not stretched to full saturation
#: when normalising per image ([ours]: keeps sub-pixel noise on still frames pale).
MIN_NORMALISING_RADIUS = 1.0

#: The static-pair jitter of METHOD.md §1: hue shift (fraction of the hue circle) and
#: saturation factor ranges.
HUE_SHIFT_RANGE = (0.1, 0.5)
SATURATION_RANGE = (0.1, 1.0)


def colour_wheel() -> np.ndarray:
    """The 55 wheel colours, (55, 3) float64 RGB in [0, 1], linearly interpolated between
    consecutive anchors."""
    colours = []
    anchors = [colour for _, colour in WHEEL_SEGMENTS]
    for k, (length, start) in enumerate(WHEEL_SEGMENTS):
        end = np.asarray(anchors[(k + 1) % len(anchors)])
        start = np.asarray(start)
        for i in range(length):
            colours.append(start + (end - start) * i / length)
    return np.stack(colours)


_WHEEL = colour_wheel()


def flow_to_colour(
    flow: np.ndarray, max_radius: float | None = None, min_radius: float = MIN_NORMALISING_RADIUS
) -> np.ndarray:
    """Colour-code a flow field (H, W, 2) (u right, v down, in pixels) as RGB uint8 (H, W, 3).

    ``max_radius`` is the flow length shown fully saturated; None normalises per image by
    its longest vector (the standard), but never below ``min_radius``.
    """
    flow = np.asarray(flow, dtype=np.float64)
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"expected a flow field (H, W, 2), got shape {flow.shape}")
    u, v = flow[..., 0], flow[..., 1]
    u = np.where(np.isfinite(u), u, 0.0)
    v = np.where(np.isfinite(v), v, 0.0)
    radius = np.hypot(u, v)
    norm = max(float(radius.max(initial=0.0)), min_radius) if max_radius is None else float(max_radius)
    if norm <= 0:
        raise ValueError(f"the normalising radius must be positive, got {norm}")
    u, v, radius = u / norm, v / norm, radius / norm
    n = len(_WHEEL)
    angle = np.arctan2(-v, -u) / np.pi  # in [-1, 1]
    position = (angle + 1.0) / 2.0 * (n - 1)
    k0 = np.floor(position).astype(np.int64) % n
    k1 = (k0 + 1) % n
    frac = (position - np.floor(position))[..., None]
    colour = (1.0 - frac) * _WHEEL[k0] + frac * _WHEEL[k1]
    r = radius[..., None]
    colour = np.where(r <= 1.0, 1.0 - r * (1.0 - colour), colour * 0.75)
    return np.floor(255.0 * np.clip(colour, 0.0, 1.0)).astype(np.uint8)


def sample_jitter(rng: np.random.Generator) -> tuple[float, float]:
    """A static-pair colour jitter ``(hue_shift, saturation_factor)`` (METHOD.md §1)."""
    return float(rng.uniform(*HUE_SHIFT_RANGE)), float(rng.uniform(*SATURATION_RANGE))


def jitter_flow_image(image: np.ndarray, hue_shift: float, saturation_factor: float) -> np.ndarray:
    """Rotate the hue of an RGB uint8 flow image by ``hue_shift`` (fraction of the circle)
    and scale its saturation by ``saturation_factor``; white (zero flow) stays white."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")
    hsv = cv2.cvtColor(image.astype(np.float32) / 255.0, cv2.COLOR_RGB2HSV)  # H in [0, 360)
    hsv[..., 0] = np.mod(hsv[..., 0] + 360.0 * hue_shift, 360.0)
    hsv[..., 1] = np.clip(hsv[..., 1] * saturation_factor, 0.0, 1.0)
    rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)
