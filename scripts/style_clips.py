"""The test videos of the style measurement: moving textured shapes (synthetic-looking)
and a camera panning and zooming over a photo-like image (real-looking).

``scripts/measure_styles.py`` chose the default style bank on these clips, and
``tests/test_styles.py`` checks the bank against the thresholds of
:mod:`benchmark.pairs.style_quality` on the same clips. No benchmark run uses them, so they live
beside the script rather than in ``benchmark/``: the script imports this file as a sibling
module (``python scripts/measure_styles.py`` puts ``scripts/`` on ``sys.path``), the tests
as ``scripts.style_clips`` (pytest puts the repository root on ``sys.path``).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["moving_shapes_clip", "camera_clip"]


def _pink_noise(rng: np.random.Generator, size: int, channels: int, beta: float = 2.0) -> np.ndarray:
    """(size, size, channels) noise with a 1/f^(beta/2) amplitude spectrum, scaled to [0, 1]."""
    f = np.fft.fftfreq(size)
    r = np.sqrt(f[:, None] ** 2 + f[None, :] ** 2)
    r[0, 0] = 1.0
    amp = r ** (-beta / 2)
    amp[0, 0] = 0.0
    out = np.empty((size, size, channels), np.float32)
    for c in range(channels):
        phase = rng.uniform(0, 2 * np.pi, (size, size))
        img = np.fft.ifft2(amp * np.exp(1j * phase)).real
        out[..., c] = (img - img.min()) / (img.max() - img.min())
    return out


def _paste(canvas: np.ndarray, texture: np.ndarray, mask: np.ndarray, affine: np.ndarray) -> None:
    """Alpha-composite ``texture`` (h, w, 3) with soft ``mask`` (h, w) onto ``canvas`` in
    place, warped by the 2x3 ``affine`` (texture -> canvas coordinates), bilinear."""
    import cv2

    h, w = canvas.shape[:2]
    tex = cv2.warpAffine(texture, affine, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    alpha = cv2.warpAffine(mask, affine, (w, h), flags=cv2.INTER_LINEAR, borderValue=0.0)[..., None]
    canvas *= 1 - alpha
    canvas += alpha * tex


def _to_clip(frames: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.clip(np.stack(frames), 0, 1)).permute(0, 3, 1, 2).contiguous().float()


def moving_shapes_clip(seed: int = 0, frames: int = 16, size: int = 128) -> torch.Tensor:
    """A synthetic clip (T, 3, size, size): three textured shapes (striped disc, checked
    square, noisy ellipse) moving and rotating over a slowly drifting textured
    background, sub-pixel positions, anti-aliased edges."""
    import cv2

    rng = np.random.default_rng(seed)
    big = size * 2
    background = 0.25 + 0.5 * _pink_noise(rng, big, 3, beta=1.6)
    shapes = []
    yy, xx = np.mgrid[0:size // 2, 0:size // 2].astype(np.float32)
    s = size // 2
    c = (s - 1) / 2
    for kind in range(3):
        colour_a, colour_b = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        if kind == 0:
            pattern = (np.sin((xx + 0.5 * yy) * 2 * np.pi / rng.uniform(5, 9)) > 0).astype(np.float32)
            mask = ((xx - c) ** 2 + (yy - c) ** 2 < (0.42 * s) ** 2).astype(np.float32)
        elif kind == 1:
            cell = int(rng.integers(4, 8))
            pattern = (((xx // cell) + (yy // cell)) % 2).astype(np.float32)
            mask = ((abs(xx - c) < 0.3 * s) & (abs(yy - c) < 0.3 * s)).astype(np.float32)
        else:
            pattern = _pink_noise(rng, s, 1, beta=1.0)[..., 0]
            mask = (((xx - c) / (0.45 * s)) ** 2 + ((yy - c) / (0.25 * s)) ** 2 < 1).astype(np.float32)
        pattern = cv2.GaussianBlur(pattern, (0, 0), 0.7)
        texture = pattern[..., None] * colour_a + (1 - pattern[..., None]) * colour_b
        mask = cv2.GaussianBlur(mask, (0, 0), 0.8)
        start = rng.uniform(0.25 * size, 0.75 * size, 2)
        velocity = rng.uniform(1.0, 2.5, 2) * rng.choice([-1, 1], 2)
        spin = rng.uniform(-3, 3)
        shapes.append((texture.astype(np.float32), mask, start, velocity, spin))
    bg_velocity = rng.uniform(-0.6, 0.6, 2)
    out = []
    for t in range(frames):
        shift = np.float32([[1, 0, size / 2 + bg_velocity[0] * t], [0, 1, size / 2 + bg_velocity[1] * t]])
        canvas = cv2.warpAffine(background, shift, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_REFLECT)
        canvas = np.ascontiguousarray(canvas)
        for texture, mask, start, velocity, spin in shapes:
            centre = start + velocity * t
            m = cv2.getRotationMatrix2D((c, c), spin * t, 1.0)
            m[:, 2] += centre - c
            _paste(canvas, texture, mask, m)
        out.append(canvas)
    return _to_clip(out)


def _photo_like(rng: np.random.Generator, size: int) -> np.ndarray:
    """A photo-like (size, size, 3) image: 1/f^2 luminance and chroma fields plus blurred
    ellipses of varied colour and some fine texture patches."""
    import cv2

    lum = _pink_noise(rng, size, 1, beta=2.0)
    chroma = _pink_noise(rng, size, 3, beta=2.4) - 0.5
    img = 0.15 + 0.7 * lum + 0.35 * chroma
    for _ in range(14):
        layer = np.zeros((size, size), np.float32)
        centre = tuple(int(v) for v in rng.uniform(0, size, 2))
        axes = tuple(int(v) for v in rng.uniform(size * 0.03, size * 0.15, 2))
        cv2.ellipse(layer, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        layer = cv2.GaussianBlur(layer, (0, 0), rng.uniform(0.7, 3.0))[..., None]
        img = img * (1 - layer) + layer * rng.uniform(0, 1, 3)
    fine = _pink_noise(rng, size, 1, beta=0.5)
    region = cv2.GaussianBlur((_pink_noise(rng, size, 1, beta=3.0) > 0.55).astype(np.float32), (0, 0), 4)
    img = img + 0.12 * (fine - 0.5) * region[..., None]
    return np.clip(img, 0, 1).astype(np.float32)


def camera_clip(seed: int = 0, frames: int = 16, size: int = 128) -> torch.Tensor:
    """A "real-looking" clip (T, 3, size, size): a camera window panning (sub-pixel steps)
    and slowly zooming over a photo-like image, with a textured object rotating and
    moving in front of it."""
    import cv2

    rng = np.random.default_rng(seed)
    big = size * 3
    scene = _photo_like(rng, big)
    obj_size = size // 2
    obj = _photo_like(rng, obj_size)
    yy, xx = np.mgrid[0:obj_size, 0:obj_size].astype(np.float32)
    c = (obj_size - 1) / 2
    mask = (((xx - c) / (0.45 * obj_size)) ** 2 + ((yy - c) / (0.3 * obj_size)) ** 2 < 1).astype(np.float32)
    mask = cv2.GaussianBlur(mask, (0, 0), 1.0)
    pan = rng.uniform(0.8, 1.8, 2) * rng.choice([-1, 1], 2)
    zoom = rng.uniform(0.004, 0.01)
    spin = rng.uniform(3, 6) * rng.choice([-1, 1])
    obj_start = rng.uniform(0.35 * size, 0.65 * size, 2)
    obj_velocity = rng.uniform(-1.5, 1.5, 2)
    out = []
    for t in range(frames):
        scale = 1.0 + zoom * t
        centre = np.array([big / 2, big / 2]) + pan * t
        # canvas -> scene: x_scene = centre + (x - size/2) / scale
        m = np.float32([[1 / scale, 0, centre[0] - size / 2 / scale], [0, 1 / scale, centre[1] - size / 2 / scale]])
        canvas = cv2.warpAffine(scene, m, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_REFLECT)
        canvas = np.ascontiguousarray(canvas)
        r = cv2.getRotationMatrix2D((c, c), spin * t, 1.0)
        r[:, 2] += obj_start + obj_velocity * t - c
        _paste(canvas, obj, mask, r)
        out.append(canvas)
    return _to_clip(out)
