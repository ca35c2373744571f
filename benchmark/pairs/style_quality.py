"""How good a style bank is: motion kept, appearance changed (METHOD.md §1, "Styles").

A style used for dynamic pairs must keep a clip's motion and change its appearance. This
module measures both on float clips ``(T, 3, H, W)`` in ``[0, 1]``:
:func:`motion_preservation` (relative endpoint error of Farneback optical flow, styled vs
original; lower is better), :func:`appearance_similarity`, :func:`ssim` and
:func:`colour_map_r2` (how alike two renderings of the same frames are; lower is better),
and it holds the thresholds the default bank
(:data:`benchmark.pairs.styles.DEFAULT_STYLES`) was chosen by.

No benchmark run calls it: ``scripts/measure_styles.py`` (which chose the bank) and the
tests do. It lives in the package, next to :mod:`benchmark.pairs.styles`, because it defines what
a valid style is — anyone adding a style or changing the bank measures it with these
functions and must meet these thresholds — not a test-only helper.
"""

from __future__ import annotations

import numpy as np
import torch

from benchmark.pairs.styles import LUMA

__all__ = [
    "MOTION_THRESHOLD",
    "MOTION_MAX_THRESHOLD",
    "APPEARANCE_THRESHOLD",
    "COLOUR_MAP_THRESHOLD",
    "motion_preservation",
    "appearance_similarity",
    "colour_map_r2",
    "ssim",
    "farneback_flows",
    "to_gray_uint8",
]

#: Relative flow endpoint error (styled vs original) a bank style must stay below, on
#: average over the test clips of each video kind ...
MOTION_THRESHOLD = 0.5
#: ... and on every single test clip (1.0 = as bad as a frozen clip). Clips with sparse,
#: small motion (mean flow < 1 px) make the per-clip value noisy, hence the looser bound.
MOTION_MAX_THRESHOLD = 0.75
#: Mean absolute per-frame Pearson correlation two bank styles must stay below.
APPEARANCE_THRESHOLD = 0.5
#: Two bank styles must not be one global colour transform apart: the best affine colour
#: map from either to the other must explain less than this fraction of the variance.
COLOUR_MAP_THRESHOLD = 0.75


def _as_frames(clip: torch.Tensor | np.ndarray) -> np.ndarray:
    """A (T, 3, H, W) float clip in [0, 1] (torch or numpy) -> float32 numpy (T, 3, H, W)."""
    arr = clip.detach().float().cpu().numpy() if isinstance(clip, torch.Tensor) else np.asarray(clip, np.float32)
    if arr.ndim != 4 or arr.shape[1] != 3:
        raise ValueError(f"expected one clip (T, 3, H, W), got {arr.shape}")
    return arr


def _gray(arr: np.ndarray) -> np.ndarray:
    """(T, 3, H, W) -> (T, H, W) Rec. 601 luminance, same float dtype."""
    return LUMA[0] * arr[:, 0] + LUMA[1] * arr[:, 1] + LUMA[2] * arr[:, 2]


def to_gray_uint8(clip: torch.Tensor | np.ndarray, mode: str = "luma") -> np.ndarray:
    """(T, 3, H, W) in [0, 1] -> (T, H, W) uint8 single channel for optical flow,
    contrast-stretched per clip (1st-99th percentile).

    ``mode="luma"`` (default) uses Rec. 601 luminance; ``mode="pca"`` projects the colours
    on the clip's first principal component (sign fixed to correlate positively with
    luminance). Measured on the test clips, neither is uniformly better; luminance is the
    conservative choice (a style mapping two colours to equal luminance is penalised)."""
    arr = _as_frames(clip)
    if mode == "luma":
        gray = _gray(arr)
    elif mode == "pca":
        pixels = arr.transpose(1, 0, 2, 3).reshape(3, -1).astype(np.float64)
        pixels = pixels - pixels.mean(1, keepdims=True)
        _, vecs = np.linalg.eigh(pixels @ pixels.T)
        axis = vecs[:, -1]
        if axis @ np.asarray(LUMA) < 0:
            axis = -axis
        gray = np.tensordot(axis.astype(np.float32), arr, axes=([0], [1]))
    else:
        raise ValueError(f"unknown gray mode {mode!r}: use 'pca' or 'luma'")
    lo, hi = np.percentile(gray, [1, 99])
    gray = (gray - lo) / max(hi - lo, 1e-6)
    return (np.clip(gray, 0, 1) * 255).round().astype(np.uint8)


def farneback_flows(gray: np.ndarray) -> np.ndarray:
    """Farneback optical flow between consecutive frames: (T, H, W) uint8 -> (T-1, H, W, 2)."""
    import cv2

    flows = [
        cv2.calcOpticalFlowFarneback(gray[t], gray[t + 1], None, 0.5, 3, 15, 3, 5, 1.2, 0)
        for t in range(len(gray) - 1)
    ]
    return np.stack(flows)


def motion_preservation(
    clip: torch.Tensor | np.ndarray | None,
    styled: torch.Tensor | np.ndarray,
    margin: int = 8,
    reference_flows: np.ndarray | None = None,
) -> float:
    """Relative flow endpoint error of ``styled`` against ``clip`` (both (T, 3, H, W)):

        mean_{t,x} || flow_styled - flow_clip ||  /  mean_{t,x} || flow_clip ||

    with Farneback flow on the luminance, ``margin`` border pixels ignored. 0 = same
    motion; 1 = as wrong as predicting no motion at all. Lower is better.
    ``reference_flows`` (``farneback_flows(to_gray_uint8(clip))``) may be passed instead of
    ``clip`` to reuse them across styles."""
    if reference_flows is None:
        if clip is None:
            raise ValueError("give the original clip or its reference_flows")
        reference_flows = farneback_flows(to_gray_uint8(clip))
    f0 = reference_flows
    f1 = farneback_flows(to_gray_uint8(styled))
    if margin > 0:
        f0 = f0[:, margin:-margin, margin:-margin]
        f1 = f1[:, margin:-margin, margin:-margin]
    ref = float(np.linalg.norm(f0, axis=-1).mean())
    if ref < 1e-3:
        raise ValueError("the reference clip has no measurable motion")
    return float(np.linalg.norm(f1 - f0, axis=-1).mean() / ref)


def appearance_similarity(styled_a: torch.Tensor | np.ndarray, styled_b: torch.Tensor | np.ndarray) -> float:
    """Mean over frames of |Pearson r| between the pixel values of the same frame in two
    renderings (T, 3, H, W): each colour channel is centred on its own frame mean, then
    all channels are pooled (so a global colour cast alone neither raises nor lowers r).
    Absolute value: an inverted image counts as similar, not as different.
    0 = unrelated intensities, 1 = identical up to a per-channel offset and one gain.
    Lower is better."""
    a = _as_frames(styled_a).astype(np.float64)
    b = _as_frames(styled_b).astype(np.float64)
    a = (a - a.mean((2, 3), keepdims=True)).reshape(len(a), -1)
    b = (b - b.mean((2, 3), keepdims=True)).reshape(len(b), -1)
    den = np.sqrt((a**2).sum(1) * (b**2).sum(1))
    r = np.where(den > 0, (a * b).sum(1) / np.maximum(den, 1e-12), 0.0)
    return float(np.abs(r).mean())


def colour_map_r2(source: torch.Tensor | np.ndarray, target: torch.Tensor | np.ndarray) -> float:
    """Mean over frames of the fraction of ``target``'s pixel variance explained by the
    best affine colour map (RGB -> RGB, least squares per frame) of ``source``. A style
    that is only a global linear colour transform scores 1; a non-linear, neighbourhood
    or non-invertible mapping scores lower. A stricter appearance check than |r|."""
    a = _as_frames(source).astype(np.float64)
    b = _as_frames(target).astype(np.float64)
    t, _, h, w = a.shape
    x = a.reshape(t, 3, h * w).transpose(0, 2, 1)
    y = b.reshape(t, 3, h * w).transpose(0, 2, 1)
    x = x - x.mean(1, keepdims=True)  # centring absorbs the affine offset
    y = y - y.mean(1, keepdims=True)
    xtx = x.transpose(0, 2, 1) @ x + 1e-9 * np.eye(3)
    xty = x.transpose(0, 2, 1) @ y
    coef = np.linalg.solve(xtx, xty)
    explained = np.einsum("tij,tij->t", xty, coef)  # = ||x coef||^2 for least squares
    total = (y**2).sum((1, 2))
    r2 = np.where(total > 0, explained / np.maximum(total, 1e-12), 1.0)
    return float(np.clip(r2, 0.0, 1.0).mean())


def ssim(clip_a: torch.Tensor | np.ndarray, clip_b: torch.Tensor | np.ndarray, sigma: float = 1.5) -> float:
    """Mean SSIM (Wang et al. 2004; Gaussian window, C1=(0.01)^2, C2=(0.03)^2) between
    the luminance of two renderings (T, 3, H, W) in [0, 1], averaged over frames."""
    import cv2

    def gray(c: torch.Tensor | np.ndarray) -> np.ndarray:
        return _gray(_as_frames(c).astype(np.float64))

    def smooth(img: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(img, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)

    c1, c2 = 0.01**2, 0.03**2
    scores = []
    for x, y in zip(gray(clip_a), gray(clip_b), strict=True):
        mx, my = smooth(x), smooth(y)
        vx = smooth(x * x) - mx**2
        vy = smooth(y * y) - my**2
        cxy = smooth(x * y) - mx * my
        s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
        scores.append(s.mean())
    return float(np.mean(scores))
