"""Procedural, temporally consistent video styles for dynamic pairs (METHOD.md §1, "Styles").

A dynamic pair is the same clip rendered in two different styles: same motion, different
appearance. The original authors used pretrained video stylisation networks; here every
style is a *deterministic per-pixel or per-neighbourhood mapping* applied identically to
every frame, so whatever moves in the clip moves the same way in the styled clip, and a
static clip stays static.

Styles are addressed by an integer **style id** (stable: new styles are only appended)
or by name through the registry :data:`STYLES`. All random parameters of a style (conv
weights, colour curves, palettes) come from a ``torch.Generator`` seeded from the style
id, never from global RNG state.

Torch styles run batched on any device; clips are float tensors in ``[0, 1]`` shaped
``(T, 3, H, W)`` or ``(B, T, 3, H, W)``. Statistics used for normalisation (RandConv,
emboss, sketch, false colour) are taken per clip over all its frames, so they are the
same for every frame and batching does not change the result. The OpenCV styles
(``cv_*``) run per frame in numpy on the CPU; they are registered but not in the default
bank.

The second half of the module measures what a style bank must satisfy:
:func:`motion_preservation` (relative endpoint error of Farneback optical flow, styled vs
original; lower is better) and :func:`appearance_similarity` / :func:`ssim` (how alike two
renderings of the same frames are; lower is better), plus the two test-clip generators
used by ``scripts/measure_styles.py`` and the tests (:func:`moving_shapes_clip`,
:func:`camera_clip`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from benchmark.registry import Registry

__all__ = [
    "STYLES",
    "NUM_STYLES",
    "DEFAULT_STYLES",
    "MOTION_THRESHOLD",
    "MOTION_MAX_THRESHOLD",
    "APPEARANCE_THRESHOLD",
    "COLOUR_MAP_THRESHOLD",
    "Style",
    "StyleBank",
    "style_names",
    "style_id",
    "get_style",
    "apply_style",
    "motion_preservation",
    "appearance_similarity",
    "colour_map_r2",
    "ssim",
    "farneback_flows",
    "to_gray_uint8",
    "moving_shapes_clip",
    "camera_clip",
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

_LUMA = (0.299, 0.587, 0.114)

StyleFn = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


# --------------------------------------------------------------------------------------
# Small torch helpers; every function takes frames flattened to (N, C, H, W) plus the
# clip index of each frame where per-clip statistics are needed.
# --------------------------------------------------------------------------------------


def _conv_same(x: torch.Tensor, weight: torch.Tensor, groups: int = 1) -> torch.Tensor:
    """2D convolution with replicate padding (no dark borders), output size = input size."""
    kh, kw = weight.shape[-2:]
    x = F.pad(x, (kw // 2, kw // 2, kh // 2, kh // 2), mode="replicate")
    return F.conv2d(x, weight, groups=groups)


def _luma(x: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) -> (N, 1, H, W) Rec. 601 luminance."""
    w = x.new_tensor(_LUMA).view(1, 3, 1, 1)
    return (x * w).sum(1, keepdim=True)


def _gaussian_kernel(sigma: float, device: torch.device, channels: int) -> torch.Tensor:
    radius = max(1, int(math.ceil(2.5 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32, device=device)
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = g / g.sum()
    k = g[:, None] * g[None, :]
    return k.expand(channels, 1, *k.shape).contiguous()


def _blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    return _conv_same(x, _gaussian_kernel(sigma, x.device, x.shape[1]), groups=x.shape[1])


def _sobel(gray: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 1, H, W) -> horizontal and vertical Sobel derivatives."""
    kx = gray.new_tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0
    k = torch.stack([kx, kx.t()])[:, None]
    d = _conv_same(gray, k)
    return d[:, :1], d[:, 1:]


def _clip_stats(x: torch.Tensor, clip_index: torch.Tensor, clips: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-clip, per-channel mean and std of (N, C, H, W) frames, broadcast back to (N, C, 1, 1)."""
    n, c = x.shape[:2]
    v = x.reshape(clips, n // clips, c, -1)
    mean = v.mean(dim=(1, 3))
    std = v.std(dim=(1, 3)).clamp_min(1e-6)
    return mean[clip_index][..., None, None], std[clip_index][..., None, None]


def _soft_quantise(x: torch.Tensor, levels: float, strength: float = 0.9) -> torch.Tensor:
    """A smooth staircase with ``levels`` steps over [0, 1]: flat at the step centres but
    never discontinuous, so sub-pixel motion still moves the edges between steps."""
    y = x * levels
    y = y - strength * torch.sin(2 * math.pi * y) / (2 * math.pi)
    return y / levels


def _rand(gen: torch.Generator, *shape: int, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    return low + (high - low) * torch.rand(*shape, generator=gen)


def _random_rotation(gen: torch.Generator) -> torch.Tensor:
    """A random 3x3 orthogonal matrix (QR of a Gaussian matrix, sign-fixed)."""
    q, r = torch.linalg.qr(torch.randn(3, 3, generator=gen))
    return q * torch.sign(torch.diagonal(r))[None, :]


def _rgb_to_yiq(x: torch.Tensor) -> torch.Tensor:
    m = x.new_tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    return torch.einsum("ij,njhw->nihw", m, x)


def _yiq_to_rgb(x: torch.Tensor) -> torch.Tensor:
    m = x.new_tensor([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647], [1.0, -1.106, 1.703]])
    return torch.einsum("ij,njhw->nihw", m, x)


# --------------------------------------------------------------------------------------
# The style families. Each takes frames (N, 3, H, W) float32, the clip index of each
# frame (N,), the number of clips and a seeded CPU generator; returns (N, 3, H, W) in [0, 1].
# --------------------------------------------------------------------------------------


def _randconv(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """RandConv (Xu et al. 2021) flavour: a fixed random stack 3x3 -> sin -> 3x3 -> sin ->
    1x1, then per-clip per-channel standardisation and a sigmoid. The periodic activation
    makes the map far from a global colour transform (a purely linear or leaky-ReLU stack
    is explained at R^2 ~ 0.9 by an affine colour map of the input)."""
    width = 12
    w1 = torch.randn(width, 3, 3, 3, generator=gen) * math.sqrt(2.0 / 27)
    w2 = torch.randn(width, width, 3, 3, generator=gen) * math.sqrt(2.0 / (9 * width))
    w3 = torch.randn(3, width, 1, 1, generator=gen) * math.sqrt(1.0 / width)
    b1 = _rand(gen, width, low=-0.3, high=0.3)
    dev = x.device
    h = torch.sin(3.0 * (_conv_same(x - 0.5, w1.to(dev)) + b1.to(dev)[:, None, None]))
    h = torch.sin(3.0 * _conv_same(h, w2.to(dev)))
    h = F.conv2d(h, w3.to(dev))
    mean, std = _clip_stats(h, idx, clips)
    return torch.sigmoid(1.8 * (h - mean) / std)


def _colour_curve(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Random colour rotation followed by a random non-monotone smooth curve per channel."""
    rot = _random_rotation(gen).to(x.device)
    freq = _rand(gen, 3, low=3.0, high=5.5).to(x.device)[None, :, None, None]
    phase = _rand(gen, 3, high=2 * math.pi).to(x.device)[None, :, None, None]
    y = torch.einsum("ij,njhw->nihw", rot, x - 0.5)
    return 0.5 + 0.5 * torch.sin(freq * y * math.pi + phase)


def _hue_posterise(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Hue rotation (90-270 degrees) with saturation boost, channel permutation, luminance
    inversion and a soft posterisation to a few levels."""
    angle = float(_rand(gen, 1, low=0.5 * math.pi, high=1.5 * math.pi))
    sat = float(_rand(gen, 1, low=1.5, high=2.5))
    perm = torch.randperm(3, generator=gen).tolist()
    levels = float(torch.randint(4, 7, (1,), generator=gen))
    yiq = _rgb_to_yiq(x)
    c, s = math.cos(angle), math.sin(angle)
    i = sat * (c * yiq[:, 1:2] - s * yiq[:, 2:3])
    q = sat * (s * yiq[:, 1:2] + c * yiq[:, 2:3])
    y = 1.0 - yiq[:, :1]
    rgb = _yiq_to_rgb(torch.cat([y, i, q], dim=1)).clamp(0, 1)[:, perm]
    return _soft_quantise(rgb, levels).clamp(0, 1)


def _sketch(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Pencil sketch: inverted Sobel magnitude as ink lines over a tinted paper shaded by
    a 3-level soft posterisation of the luminance."""
    paper = _rand(gen, 3, low=0.75, high=1.0).to(x.device)[None, :, None, None]
    ink = _rand(gen, 3, low=0.0, high=0.35).to(x.device)[None, :, None, None]
    gray = _blur(_luma(x), 0.8)
    gx, gy = _sobel(gray)
    mag = torch.sqrt(gx**2 + gy**2 + 1e-12)
    mean, std = _clip_stats(mag, idx, clips)
    lines = (1.0 - (mag / (mean + 2.0 * std)).clamp(0, 1)) ** 2
    tone = 0.45 + 0.55 * _soft_quantise(1.0 - gray, 3.0)
    out = ink + (paper * tone - ink) * lines
    return out.clamp(0, 1)


def _cartoon(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Cartoon: two passes of a 5x5 bilateral filter, hue shift, soft colour quantisation
    and dark edges from the smoothed luminance."""
    angle = float(_rand(gen, 1, low=0.6 * math.pi, high=1.4 * math.pi))
    levels = float(torch.randint(4, 7, (1,), generator=gen))
    edge_colour = _rand(gen, 3, high=0.25).to(x.device)[None, :, None, None]
    y = x
    for _ in range(2):
        y = _bilateral(y, radius=2, sigma_space=2.0, sigma_range=0.12)
    yiq = _rgb_to_yiq(y)
    c, s = math.cos(angle), math.sin(angle)
    i = 1.8 * (c * yiq[:, 1:2] - s * yiq[:, 2:3])
    q = 1.8 * (s * yiq[:, 1:2] + c * yiq[:, 2:3])
    rgb = _yiq_to_rgb(torch.cat([1.0 - 0.8 * yiq[:, :1], i, q], dim=1)).clamp(0, 1)
    rgb = _soft_quantise(rgb, levels).clamp(0, 1)
    gx, gy = _sobel(_luma(y))
    mag = torch.sqrt(gx**2 + gy**2 + 1e-12)
    mean, std = _clip_stats(mag, idx, clips)
    edges = ((mag - mean) / (2.0 * std)).clamp(0, 1)
    return rgb * (1 - edges) + edge_colour * edges


def _bilateral(x: torch.Tensor, radius: int, sigma_space: float, sigma_range: float) -> torch.Tensor:
    """A brute-force (2r+1)^2 bilateral filter: range weights from the RGB distance."""
    h, w = x.shape[-2:]
    pad = F.pad(x, (radius,) * 4, mode="replicate")
    num = torch.zeros_like(x)
    den = torch.zeros_like(x[:, :1])
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            shifted = pad[..., radius + dy : radius + dy + h, radius + dx : radius + dx + w]
            d2 = ((shifted - x) ** 2).sum(1, keepdim=True)
            wgt = math.exp(-(dx * dx + dy * dy) / (2 * sigma_space**2)) * torch.exp(-d2 / (2 * sigma_range**2))
            num = num + wgt * shifted
            den = den + wgt
    return num / den


def _false_colour(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Luminance (per-clip contrast stretched) through a random 5-colour palette, with a
    dash of the colour-rotated input so equal-luminance colours stay apart."""
    palette = torch.rand(5, 3, generator=gen).to(x.device)
    rot = _random_rotation(gen).to(x.device)
    lum = _luma(x)
    mean, std = _clip_stats(lum, idx, clips)
    t = ((lum - mean) / (4.0 * std) + 0.5).clamp(0, 1) * (palette.shape[0] - 1)
    lo = t.floor().clamp(max=palette.shape[0] - 2)
    frac = t - lo
    lo_i = lo.long().squeeze(1)
    out = palette[lo_i].permute(0, 3, 1, 2) * (1 - frac) + palette[lo_i + 1].permute(0, 3, 1, 2) * frac
    out = out + 0.4 * torch.einsum("ij,njhw->nihw", rot, x - 0.5)
    return out.clamp(0, 1)


def _emboss(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Relief: a directional derivative of Gaussian (random direction) of a random colour
    projection, per-clip normalised, around a random mid-tone."""
    theta = float(_rand(gen, 1, high=2 * math.pi))
    mid = _rand(gen, 3, low=0.35, high=0.65).to(x.device)[None, :, None, None]
    gains = _rand(gen, 3, low=0.6, high=1.0).to(x.device)[None, :, None, None]
    rot = _random_rotation(gen).to(x.device)
    y = _blur(torch.einsum("ij,njhw->nihw", rot, x), 1.0)
    gx, gy = _sobel(y.reshape(-1, 1, *y.shape[-2:]))
    d = (math.cos(theta) * gx + math.sin(theta) * gy).reshape(y.shape)
    lum = _luma(x)
    _, std = _clip_stats(d, idx, clips)
    rel = mid + gains * 0.18 * d / std
    return (rel + 0.15 * (lum - 0.5)).clamp(0, 1)


def _opencv_style(fn: Callable[[np.ndarray, torch.Generator], np.ndarray]) -> StyleFn:
    """Wrap a per-frame uint8 BGR OpenCV filter as a (frames, generator) style."""

    def style(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
        frames = (x.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
        state = gen.get_state()
        out = []
        for frame in frames:
            gen.set_state(state)  # identical parameters for every frame
            out.append(fn(np.ascontiguousarray(frame[..., ::-1]), gen)[..., ::-1])
        arr = torch.from_numpy(np.stack(out).copy()).to(x.device)
        return arr.permute(0, 3, 1, 2).float() / 255.0

    return style


def _cv_stylization(frame: np.ndarray, gen: torch.Generator) -> np.ndarray:
    import cv2

    sigma_s = float(_rand(gen, 1, low=20, high=40))
    sigma_r = float(_rand(gen, 1, low=0.15, high=0.25))
    return cv2.stylization(frame, sigma_s=sigma_s, sigma_r=sigma_r)


def _cv_pencil(frame: np.ndarray, gen: torch.Generator) -> np.ndarray:
    import cv2

    _, colour = cv2.pencilSketch(frame, sigma_s=10, sigma_r=0.1, shade_factor=0.04)
    return colour


def _cv_edge_preserving(frame: np.ndarray, gen: torch.Generator) -> np.ndarray:
    import cv2

    smooth = cv2.edgePreservingFilter(frame, flags=cv2.NORMCONV_FILTER, sigma_s=10, sigma_r=0.2)
    return 255 - smooth[..., [1, 2, 0]]


# --------------------------------------------------------------------------------------
# Registry and public API.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """One procedural style: ``name``, its stable integer ``id`` (which seeds all of its
    random parameters), the family function, and whether it is torch-native (batched,
    any device) or an OpenCV per-frame CPU filter."""

    name: str
    id: int
    fn: StyleFn
    torch_native: bool = True
    description: str = ""

    def __call__(self, clip: torch.Tensor) -> torch.Tensor:
        """Style a clip (T, 3, H, W) or a batch of clips (B, T, 3, H, W) in [0, 1]."""
        if clip.dim() not in (4, 5) or clip.shape[-3] != 3:
            raise ValueError(f"style {self.name!r}: expected (T, 3, H, W) or (B, T, 3, H, W), got {tuple(clip.shape)}")
        if not clip.is_floating_point():
            raise ValueError(f"style {self.name!r}: expected a float clip in [0, 1], got {clip.dtype}")
        shape = clip.shape
        clips = 1 if clip.dim() == 4 else shape[0]
        frames = clip.reshape(-1, *shape[-3:]).float()
        per_clip = frames.shape[0] // clips
        idx = torch.arange(clips, device=clip.device).repeat_interleave(per_clip)
        gen = torch.Generator().manual_seed(_seed(self.id))
        with torch.no_grad():
            out = self.fn(frames, idx, clips, gen)
        return out.clamp(0, 1).to(clip.dtype).reshape(shape)


def _seed(style_id: int) -> int:
    """A well-spread 63-bit seed from a style id (distinct ids -> unrelated streams)."""
    return (style_id * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % (1 << 63)


STYLES: Registry[Style] = Registry("style")

# Ids are positions in this tuple: append only, never reorder.
_FAMILIES: tuple[tuple[str, StyleFn, bool, str], ...] = (
    ("randconv", _randconv, True, "random fixed 3x3-3x3-1x1 conv stack with sin activations, per-clip normalised"),
    ("colour_curve", _colour_curve, True, "colour rotation + non-monotone sinusoidal curves"),
    ("hue_posterise", _hue_posterise, True, "hue rotation, inversion, channel swap, soft posterisation"),
    ("sketch", _sketch, True, "inverted Sobel ink lines over tinted, posterised paper"),
    ("cartoon", _cartoon, True, "bilateral smoothing, hue shift, colour quantisation, dark edges"),
    ("false_colour", _false_colour, True, "luminance through a random palette"),
    ("emboss", _emboss, True, "directional relief of a random colour projection"),
    ("cv_stylization", _opencv_style(_cv_stylization), False, "cv2.stylization (CPU, per frame)"),
    ("cv_pencil", _opencv_style(_cv_pencil), False, "cv2.pencilSketch colour output (CPU, per frame)"),
    ("cv_edge_preserving", _opencv_style(_cv_edge_preserving), False, "cv2.edgePreservingFilter, inverted, channels rotated (CPU)"),
    ("randconv_2", _randconv, True, "a second RandConv draw"),
    ("colour_curve_2", _colour_curve, True, "a second colour-curve draw"),
)

for _id, (_name, _fn, _native, _desc) in enumerate(_FAMILIES):
    STYLES.register(_name, Style(_name, _id, _fn, _native, _desc))

NUM_STYLES: int = len(_FAMILIES)

#: The default bank (style ids), chosen by ``scripts/measure_styles.py``: every member has
#: relative flow EPE < MOTION_THRESHOLD on average over the clips of every test-video kind
#: (and < MOTION_MAX_THRESHOLD on each clip), and every pair of
#: members has mean |Pearson r| < APPEARANCE_THRESHOLD and colour-map R^2 (both
#: directions) < COLOUR_MAP_THRESHOLD. All torch-native. Chosen from the
#: ``--seeds 4`` run (12 clips): false_colour, emboss, cartoon, colour_curve_2 pass the
#: 2-clip default run but exceed MOTION_MAX_THRESHOLD on a sparse-motion world clip.
DEFAULT_STYLES: tuple[int, ...] = (0, 1, 2, 3)


def style_names() -> list[str]:
    """Style names in id order (``style_names()[k]`` is style id ``k``)."""
    return [name for name, *_ in _FAMILIES]


def style_id(name: str) -> int:
    """The id of the style called ``name``."""
    return STYLES.get(name).id


def get_style(style: int | str) -> Style:
    """The :class:`Style` with this id or name."""
    if isinstance(style, str):
        return STYLES.get(style)
    if not 0 <= int(style) < NUM_STYLES:
        raise ValueError(f"style id {style} out of range 0..{NUM_STYLES - 1}")
    return STYLES.get(_FAMILIES[int(style)][0])


def apply_style(clip: torch.Tensor, style_id: int) -> torch.Tensor:
    """Render ``clip`` ((T, 3, H, W) or (B, T, 3, H, W), float in [0, 1]) in style
    ``style_id``; same shape, dtype and device, values in [0, 1], deterministic."""
    return get_style(style_id)(clip)


class StyleBank:
    """An ordered set of styles; ``bank(clip, k)`` renders ``clip`` in the k-th one."""

    def __init__(self, ids: Sequence[int] = DEFAULT_STYLES) -> None:
        if len(ids) == 0:
            raise ValueError("a StyleBank needs at least one style id")
        self.ids: tuple[int, ...] = tuple(int(i) for i in ids)
        self.styles: tuple[Style, ...] = tuple(get_style(i) for i in self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __call__(self, clip: torch.Tensor, k: int) -> torch.Tensor:
        return self.styles[k](clip)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.styles]

    def __repr__(self) -> str:
        return f"StyleBank({list(self.ids)}: {self.names})"


# --------------------------------------------------------------------------------------
# Validation measures.
# --------------------------------------------------------------------------------------


def _as_frames(clip: torch.Tensor | np.ndarray) -> np.ndarray:
    """A (T, 3, H, W) float clip in [0, 1] (torch or numpy) -> float32 numpy (T, 3, H, W)."""
    arr = clip.detach().float().cpu().numpy() if isinstance(clip, torch.Tensor) else np.asarray(clip, np.float32)
    if arr.ndim != 4 or arr.shape[1] != 3:
        raise ValueError(f"expected one clip (T, 3, H, W), got {arr.shape}")
    return arr


def _gray(arr: np.ndarray) -> np.ndarray:
    """(T, 3, H, W) -> (T, H, W) Rec. 601 luminance, same float dtype."""
    return _LUMA[0] * arr[:, 0] + _LUMA[1] * arr[:, 1] + _LUMA[2] * arr[:, 2]


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
        if axis @ np.asarray(_LUMA) < 0:
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


# --------------------------------------------------------------------------------------
# Test clips for the validation: moving textured shapes, and a "real-looking" camera pan.
# --------------------------------------------------------------------------------------


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
