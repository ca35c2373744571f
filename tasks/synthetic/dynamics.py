"""The dynamics factor: per-frame object centre, orientation and scale for motion classes.

Every class draws the same parameters in the same order, and positions/orientations are
uniform at every frame (wrap-around positions, uniform start angle), so a single frame
does not reveal the class. Time-reversed classes (left/right, cw/ccw, grow/shrink) share
parameters, so the same seed gives exactly time-reversed clips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MOTION_CLASSES: tuple[str, ...] = (
    "translate-left",
    "translate-right",
    "translate-up",
    "translate-down",
    "spin-cw",
    "spin-ccw",
    "orbit-cw",
    "orbit-ccw",
    "grow",
    "shrink",
    "bounce-horizontal",
    "bounce-vertical",
    "stop-and-go",
    "constant-speed",
)
MAX_SCALE = float(np.sqrt(2.4))  # the largest scale factor any class reaches


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Per-frame pose of one object: centre ``(x, y)`` as fractions of the frame size
    (y down; unwrapped), ``angle`` in radians (increasing = clockwise on screen) and
    ``scale`` multiplying the object's base radius. All arrays have shape (T,)."""

    x: np.ndarray
    y: np.ndarray
    angle: np.ndarray
    scale: np.ndarray

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Trajectory):
            return NotImplemented
        return all(
            np.array_equal(a, b)
            for a, b in (
                (self.x, other.x),
                (self.y, other.y),
                (self.angle, other.angle),
                (self.scale, other.scale),
            )
        )

    __hash__ = None  # type: ignore[assignment]


def sample_trajectory(rng: np.random.Generator, motion_class: int, frames: int) -> Trajectory:
    """The trajectory of ``MOTION_CLASSES[motion_class]`` over ``frames`` frames."""
    T = frames
    t = np.arange(T, dtype=np.float64)
    tau = t - (T - 1) / 2.0
    ramp = t / (T - 1) - 0.5
    # Common parameters, always drawn in this order.
    cx, cy = rng.random(2)
    theta0 = rng.uniform(0.0, 2 * np.pi)
    growth = np.log(rng.uniform(1.8, 2.4))
    static_scale = np.exp(growth * (rng.integers(T) / (T - 1) - 0.5))
    speed = rng.uniform(0.025, 0.045)
    spin = rng.uniform(0.16, 0.30)
    orbit_speed = rng.uniform(0.14, 0.24)
    orbit_radius = rng.uniform(0.12, 0.20)
    phi0 = rng.uniform(0.0, 2 * np.pi)
    diagonal = int(rng.integers(4))
    n_rev = int(rng.integers(1, 3))
    interior = np.arange(max(1, T // 5), max(2, T - T // 5))
    rev_times = np.sort(rng.choice(interior, size=min(n_rev, len(interior)), replace=False))
    first_sign = 1.0 if rng.random() < 0.5 else -1.0
    pause_len = int(rng.integers(max(1, T // 5), max(2, T // 3) + 1))
    pause_start = int(rng.integers(1, max(2, T - 1 - pause_len)))

    name = MOTION_CLASSES[motion_class]
    x = np.full(T, cx)
    y = np.full(T, cy)
    angle = np.full(T, theta0)
    scale = np.full(T, static_scale)
    if name.startswith("translate-"):
        dx, dy = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}[name[10:]]
        x = cx + dx * speed * tau
        y = cy + dy * speed * tau
    elif name.startswith("spin-"):
        sign = 1.0 if name == "spin-cw" else -1.0
        angle = theta0 + sign * spin * tau
    elif name.startswith("orbit-"):
        sign = 1.0 if name == "orbit-cw" else -1.0
        phi = phi0 + sign * orbit_speed * tau
        x = cx + orbit_radius * np.cos(phi)
        y = cy + orbit_radius * np.sin(phi)
        angle = theta0 + sign * orbit_speed * tau
    elif name in ("grow", "shrink"):
        scale = np.exp((1.0 if name == "grow" else -1.0) * growth * ramp)
    elif name.startswith("bounce-"):
        steps = np.full(T - 1, first_sign)
        for r in rev_times:
            steps[int(r) - 1 :] *= -1.0
        path = np.concatenate([[0.0], np.cumsum(steps)]) * speed
        path -= path.mean()
        if name == "bounce-horizontal":
            x = cx + path
        else:
            y = cy + path
    elif name in ("stop-and-go", "constant-speed"):
        steps = np.ones(T - 1)
        if name == "stop-and-go":
            steps[pause_start - 1 : pause_start - 1 + pause_len] = 0.0
            steps *= (T - 1) / max(1.0, steps.sum())
        path = np.concatenate([[0.0], np.cumsum(steps)]) * speed
        path -= path.mean()
        sx = 1.0 if diagonal % 2 == 0 else -1.0
        sy = 1.0 if diagonal < 2 else -1.0
        x = cx + sx * path / np.sqrt(2.0)
        y = cy + sy * path / np.sqrt(2.0)
    else:  # pragma: no cover - the table above is exhaustive
        raise ValueError(name)
    return Trajectory(x=x, y=y, angle=angle, scale=scale)


def reflect_into(traj: Trajectory, margin: float) -> Trajectory:
    """``traj`` with its centre reflected off the walls of ``[margin, 1 - margin]^2``
    (objects bounce off the frame border instead of wrapping around)."""
    span = max(1e-6, 1.0 - 2.0 * margin)

    def fold(p: np.ndarray) -> np.ndarray:
        q = np.mod(p - margin, 2.0 * span)
        return np.where(q > span, 2.0 * span - q, q) + margin

    return Trajectory(x=fold(traj.x), y=fold(traj.y), angle=traj.angle, scale=traj.scale)


def static_trajectory(x: float, y: float, angle: float, scale: float, frames: int) -> Trajectory:
    """An object that does not move."""
    return Trajectory(
        x=np.full(frames, x),
        y=np.full(frames, y),
        angle=np.full(frames, angle),
        scale=np.full(frames, scale),
    )
