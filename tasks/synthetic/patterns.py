"""Procedural texture patterns evaluated on coordinate arrays (vectorised, broadcastable).

A pattern maps coordinates to a mixing field ``m`` in [0, 1] between its two colours.
Hard-edged families use only floor/mod arithmetic (no transcendental functions on the
pixel grid), so renders are byte-stable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BACKGROUND_FAMILIES: tuple[str, ...] = ("stripes", "checker", "dots", "gradient", "blobs", "rings")
FILL_FAMILIES: tuple[str, ...] = ("stripes", "checker", "dots", "split")
#: A second texture family, absent from the worlds above (the woven world:
#: :class:`tasks.synthetic.action_worlds.WovenMotionWorld`): crossed, zig-zag and hatched weaves.
WOVEN_FAMILIES: tuple[str, ...] = ("plaid", "zigzag", "hatch")

Color = tuple[float, float, float]


@dataclass(frozen=True)
class Pattern:
    """A two-colour texture: ``family`` with its frequency (cycles per coordinate unit),
    orientation, phase offsets and, for ``blobs``, a few random plane waves."""

    family: str
    frequency: float
    angle: float
    phase: tuple[float, float]
    colors: tuple[Color, Color]
    waves: tuple[tuple[float, float, float], ...] = ()


def field(p: Pattern, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The mixing field of ``p`` at coordinates ``(u, v)`` (float32, in [0, 1])."""
    ca, sa = np.float32(np.cos(p.angle)), np.float32(np.sin(p.angle))
    f = np.float32(p.frequency)
    ph0, ph1 = np.float32(p.phase[0]), np.float32(p.phase[1])
    if p.family == "split":
        return (u * ca + v * sa > 0).astype(np.float32)
    if p.family == "stripes":
        s = np.floor((u * ca + v * sa) * f + ph0)
        return (s - 2 * np.floor(s * 0.5)).astype(np.float32)
    if p.family == "checker":
        a = np.floor((u * ca + v * sa) * f + ph0)
        b = np.floor((v * ca - u * sa) * f + ph1)
        s = a + b
        return (s - 2 * np.floor(s * 0.5)).astype(np.float32)
    if p.family == "dots":
        a = (u * ca + v * sa) * f + ph0
        b = (v * ca - u * sa) * f + ph1
        a = a - np.floor(a) - 0.5
        b = b - np.floor(b) - 0.5
        return (a * a + b * b <= 0.09).astype(np.float32)
    if p.family == "gradient":
        return np.clip((u * ca + v * sa) * f + ph0, 0.0, 1.0).astype(np.float32)
    if p.family == "rings":
        du, dv = u - ph0, v - ph1
        s = np.floor(np.sqrt(du * du + dv * dv) * f)
        return (s - 2 * np.floor(s * 0.5)).astype(np.float32)
    if p.family == "plaid":
        a = (u * ca + v * sa) * f + ph0
        b = (v * ca - u * sa) * f + ph1
        # two crossed square-wave gratings of unequal duty: four levels folded to [0, 1]
        ga = (a - np.floor(a) < 0.35).astype(np.float32)
        gb = (b - np.floor(b) < 0.6).astype(np.float32)
        return (0.5 * ga + 0.5 * gb).astype(np.float32)
    if p.family == "zigzag":
        a = (u * ca + v * sa) * f + ph0
        b = (v * ca - u * sa) * f * np.float32(2.0) + ph1
        tri = np.abs(b - 2 * np.floor(b * 0.5) - 1)  # triangle wave in [0, 1]
        s = np.floor(a + 0.5 * tri)
        return (s - 2 * np.floor(s * 0.5)).astype(np.float32)
    if p.family == "hatch":
        a = (u * ca + v * sa) * f + ph0
        b = (u * sa - v * ca) * f + ph1
        la = (a - np.floor(a) < 0.22).astype(np.float32)
        lb = (b - np.floor(b) < 0.22).astype(np.float32)
        return np.maximum(la, lb).astype(np.float32)
    if p.family == "blobs":
        acc = np.zeros(np.broadcast_shapes(np.shape(u), np.shape(v)), dtype=np.float32)
        for kx, ky, ph in p.waves:
            acc = acc + np.cos(np.float32(kx) * u + np.float32(ky) * v + np.float32(ph))
        return (0.5 + 0.5 * np.tanh(1.5 * acc)).astype(np.float32)
    raise ValueError(f"unknown pattern family {p.family!r}")


def colorize(p: Pattern, m: np.ndarray) -> np.ndarray:
    """RGB float32 colours (shape ``m.shape + (3,)``, 0..255) mixing ``p``'s two colours."""
    c0 = np.asarray(p.colors[0], dtype=np.float32)
    c1 = np.asarray(p.colors[1], dtype=np.float32)
    return c0 + m[..., None] * (c1 - c0)
