"""The motions of the VIS world's objects; four of its categories are defined by them.

Every motion draws the same parameters in the same order, and at every single frame the
pose of an object is distributed identically whatever its motion:

- centre: ``fold(margin + u + d(t))`` with ``u`` uniform over the whole fold period and
  ``d(t)`` the motion's displacement, so each frame's centre is uniform in
  ``[margin, 1 - margin]^2`` (reflection off the walls keeps a uniform law uniform);
- angle: ``theta0 + w t`` with ``theta0`` uniform, so uniform at every frame;
- log scale: ``c + a sin(phase + 2 pi t / period)`` when pulsing, ``c + a sin(phase)``
  otherwise, with ``phase`` uniform: the same law at every frame.

So a single frame (or an unordered bag of frames judged one at a time) says nothing about
the motion; differences between frames do.
"""

from __future__ import annotations

import numpy as np

from tasks.synthetic.dynamics import Trajectory, reflect_into

VIS_MOTIONS: tuple[str, ...] = ("spinning", "sliding", "bouncing", "pulsing")
MOTION_DESCRIPTIONS: dict[str, str] = {
    "spinning": "turns about its centre (0.12-0.22 rad per frame, either sense), stays in place",
    "sliding": "moves horizontally at constant speed (0.025-0.04 frame widths per frame)",
    "bouncing": "hops vertically, |sin| arcs 0.12-0.2 frames high every 6-10 frames",
    "pulsing": "its size oscillates (x e^{+-0.25..0.35}, period 6-10 frames), stays in place",
}
LOG_SCALE_BASE = 0.15  # log scale centre in [-0.15, 0.15]
PULSE_AMPLITUDE = (0.25, 0.35)  # log scale amplitude
MAX_SCALE = float(np.exp(LOG_SCALE_BASE + PULSE_AMPLITUDE[1]))


def sample_vis_trajectory(
    rng: np.random.Generator, motion: int, frames: int, margin: float
) -> Trajectory:
    """The trajectory of ``VIS_MOTIONS[motion]`` over ``frames`` frames, its centre kept
    in ``[margin, 1 - margin]^2`` by reflection off the walls."""
    name = VIS_MOTIONS[motion]
    t = np.arange(frames, dtype=np.float64)
    period = 2.0 * max(1e-6, 1.0 - 2.0 * margin)  # of the reflection fold
    # Common parameters, always drawn in this order.
    ux, uy = rng.uniform(0.0, period, 2)
    theta0 = rng.uniform(0.0, 2 * np.pi)
    log_base = rng.uniform(-LOG_SCALE_BASE, LOG_SCALE_BASE)
    amplitude = rng.uniform(*PULSE_AMPLITUDE)
    phase = rng.uniform(0.0, 2 * np.pi)
    pulse_period = rng.uniform(6.0, 10.0)
    spin = rng.uniform(0.12, 0.22) * rng.choice((-1.0, 1.0))
    slide = rng.uniform(0.025, 0.04) * rng.choice((-1.0, 1.0))
    hop_height = rng.uniform(0.12, 0.2)
    hop_period = rng.uniform(6.0, 10.0)
    hop_phase = rng.uniform(0.0, 1.0)

    dx = np.zeros(frames)
    dy = np.zeros(frames)
    angle = np.full(frames, theta0)
    log_scale = np.full(frames, log_base + amplitude * np.sin(phase))
    if name == "spinning":
        angle = theta0 + spin * t
    elif name == "sliding":
        dx = slide * t
    elif name == "bouncing":
        dy = -hop_height * np.abs(np.sin(np.pi * (t / hop_period + hop_phase)))  # y is down
    elif name == "pulsing":
        log_scale = log_base + amplitude * np.sin(phase + 2 * np.pi * t / pulse_period)
    else:  # pragma: no cover - the table above is exhaustive
        raise ValueError(name)
    unfolded = Trajectory(x=margin + ux + dx, y=margin + uy + dy, angle=angle, scale=np.exp(log_scale))
    return reflect_into(unfolded, margin)
